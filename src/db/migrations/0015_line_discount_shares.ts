import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Each line's share of the order-level discount (largest remainder over the lines' value at capture), so that a
    -- refund of some units can be computed to the cent from what is stored, and the lines add up to the order.
    ALTER TABLE order_lines ADD COLUMN order_discount_minor bigint NOT NULL DEFAULT 0 CHECK (order_discount_minor >= 0);

    -- What of the order's money belongs to no line: the tax on shipping, and order discount the lines could not take
    -- (more than they were worth, e.g. a free-shipping voucher; or an order captured before this migration, whose
    -- order discount stays here). ordo check verifies that lines plus these add up to the order's totals.
    ALTER TABLE orders ADD COLUMN shipping_tax_minor bigint NOT NULL DEFAULT 0 CHECK (shipping_tax_minor >= 0);
    ALTER TABLE orders ADD COLUMN unallocated_discount_minor bigint NOT NULL DEFAULT 0 CHECK (unallocated_discount_minor >= 0);
    UPDATE orders o SET
      shipping_tax_minor = greatest(0, o.tax_minor - l.tax),
      unallocated_discount_minor = greatest(0, o.discount_minor - l.discount)
    FROM (SELECT order_id, sum(tax_minor) AS tax, sum(discount_minor) AS discount FROM order_lines GROUP BY order_id) l
    WHERE l.order_id = o.id AND (o.tax_minor <> l.tax OR o.discount_minor <> l.discount);
  `.execute(db);
}

/**
 * The order invariants `ordo check` verifies. They compare whole tables (see src/check.ts: they run with nested
 * loops off, so stale statistics cannot make them quadratic).
 */
import { sql } from 'kysely';
import type { Check } from '../db/check.js';

export const orderChecks: Check[] = [
  {
    name: 'every order line\'s allocated units equal its open reservations',
    // Capture, edits, split, merge, cancel and shipping all move reservations and line counters together; a
    // difference means stock is promised to nothing, or a line believes in stock nobody holds for it.
    // The two sides are joined on like-typed keys (a reservation's reference_id is text, for carts and other
    // references too), and by a FULL JOIN, which PostgreSQL can only run as a hash or merge join; it also finds open
    // reservations of an order line that does not exist.
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT coalesce('order ' || (SELECT number FROM orders WHERE id = x.order_id) || ' line ' || x.line_no,
                        'order line ' || x.ref || ' (no such line)')
               || ': allocated ' || x.allocated || ' but open reservations hold ' || x.open AS what
        FROM (
          SELECT coalesce(l.ref, r.ref) AS ref, l.order_id, l.line_no, coalesce(l.allocated, 0) AS allocated, coalesce(r.open, 0) AS open
          FROM (SELECT id::text AS ref, order_id, line_no, allocated FROM order_lines) l
          FULL JOIN (SELECT reference_id AS ref, sum(quantity) AS open FROM reservations
                     WHERE reference_type = 'order_line' AND status = 'open' GROUP BY reference_id) r ON r.ref = l.ref
        ) x
        WHERE x.allocated <> x.open
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'order totals add up to their lines',
    // Each line holds its money (price × units not cancelled, its own discount, its share of the order discount, its
    // tax); the order holds shipping, the tax on it and order discount no line took. Every change keeps the sum
    // exact (largest remainder), so a refund can be computed to the cent from the lines. Cancelled orders are left
    // out: before migration 0015 a whole cancellation kept the captured totals.
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'order ' || o.number || ': ' || concat_ws('; ',
          CASE WHEN o.subtotal_minor <> x.subtotal THEN 'subtotal ' || o.subtotal_minor || ' but lines add up to ' || x.subtotal END,
          CASE WHEN o.discount_minor <> x.discount + o.unallocated_discount_minor
               THEN 'discount ' || o.discount_minor || ' but lines hold ' || x.discount || ' and the order ' || o.unallocated_discount_minor END,
          CASE WHEN o.tax_minor <> x.tax + o.shipping_tax_minor
               THEN 'tax ' || o.tax_minor || ' but lines hold ' || x.tax || ' and shipping ' || o.shipping_tax_minor END,
          CASE WHEN o.total_minor <> x.total + o.shipping_minor + o.shipping_tax_minor - o.unallocated_discount_minor
               THEN 'total ' || o.total_minor || ' but lines add up to ' || x.total || ' plus shipping ' || (o.shipping_minor + o.shipping_tax_minor)
                    || ' less ' || o.unallocated_discount_minor END) AS what
        FROM orders o
        JOIN (SELECT order_id, sum(unit_price_minor * (quantity - cancelled)) AS subtotal,
                     sum(discount_minor + order_discount_minor) AS discount, sum(tax_minor) AS tax,
                     sum(unit_price_minor * (quantity - cancelled) - discount_minor - order_discount_minor + tax_minor) AS total
              FROM order_lines GROUP BY order_id) x ON x.order_id = o.id
        WHERE o.status <> 'cancelled'
          AND (o.subtotal_minor <> x.subtotal OR o.discount_minor <> x.discount + o.unallocated_discount_minor
               OR o.tax_minor <> x.tax + o.shipping_tax_minor
               OR o.total_minor <> x.total + o.shipping_minor + o.shipping_tax_minor - o.unallocated_discount_minor)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'no order line is discounted beyond its value',
    // A line's own discount and its share of the order discount together are at most its price × units not cancelled
    // (capture shares the order discount by what each line is worth; a split, a smaller quantity or a cancel divide
    // both without passing any part's value). The table's CHECK holds the line's own discount alone to its price ×
    // quantity. Cancelled orders are left out, as above.
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'order ' || o.number || ' line ' || l.line_no || ': discount ' || l.discount_minor || ' and order discount share '
               || l.order_discount_minor || ' but worth ' || (l.unit_price_minor * (l.quantity - l.cancelled)) AS what
        FROM order_lines l
        JOIN orders o ON o.id = l.order_id
        WHERE o.status <> 'cancelled'
          AND l.discount_minor + l.order_discount_minor > l.unit_price_minor * (l.quantity - l.cancelled)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];

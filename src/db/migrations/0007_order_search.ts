import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The order list sorted by total for one of the statuses people work through (the biggest held or allocated
    -- orders first). orders_total serves the frequent statuses (completed, cancelled…) well, a filtered scan finds
    -- a page fast; an open status is under 1 % of the orders of a mature shop, and scanning orders_total for it
    -- read tens of thousands of rows per page at a million orders. Partial: open orders only, so it stays small
    -- (about the size of the open work) however many orders close. The status list matches openStatuses in
    -- src/order/search-orders.ts.
    CREATE INDEX orders_open_total ON orders (status, total_minor, id)
      WHERE status IN ('received', 'on_hold', 'confirmed', 'allocated', 'in_fulfillment', 'partially_shipped');
  `.execute(db);
}

import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The lines waiting for stock, by SKU: the backorder fill (src/order/fill-backorders.ts) looks for those whose SKU
    -- has free units where they may be reserved, every few seconds. Partial: only waiting lines are in it, so it stays
    -- the size of the backlog however many orders there are, and a stock change pays nothing for it (the fill reads
    -- stock; no stock statement writes here).
    CREATE INDEX order_lines_backordered ON order_lines (sku_id, order_id) WHERE backordered > 0;
  `.execute(db);
}

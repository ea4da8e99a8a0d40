/** The lines a packing slip lists: what the fulfilment order holds, by order line. */
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';

export async function loadFulfillmentLines(db: DbOrTrx, id: string): Promise<{ lineNo: number; sku: string; name: string; quantity: number }[]> {
  const r = await sql<{ lineNo: number; sku: string; name: string; quantity: number }>`
    SELECT ol.line_no AS "lineNo", k.code AS sku, k.name, x.quantity
    FROM fulfillment_order_lines x JOIN order_lines ol ON ol.id = x.line_id JOIN skus k ON k.id = ol.sku_id
    WHERE x.fulfillment_order_id = ${id} AND x.quantity > 0 ORDER BY ol.line_no
  `.execute(db);
  return r.rows;
}

/** Orders that may close by themselves: delivered long enough ago (the fulfilment module's daily job completes them). */
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';

/** Ids of orders still `delivered` whose delivery was recorded before `cutoff`, oldest first. */
export async function findOrdersDeliveredBefore(db: DbOrTrx, cutoff: Date, limit: number): Promise<string[]> {
  const result = await sql<{ id: string }>`
    SELECT o.id FROM orders o
    WHERE o.status = 'delivered'
      AND (SELECT max(t.at) FROM order_timeline t WHERE t.order_id = o.id AND t.to_status = 'delivered') < ${cutoff}
    ORDER BY o.updated_at LIMIT ${limit}
  `.execute(db);
  return result.rows.map((r) => r.id);
}

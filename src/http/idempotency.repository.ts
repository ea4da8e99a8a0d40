import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** Forgets Idempotency-Keys older than the TTL; a retry after that is treated as a new request. */
export async function deleteExpiredIdempotencyKeys(db: Db, ttlHours: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', sql<Date>`now() - make_interval(hours => ${ttlHours})`).executeTakeFirst();
  return Number(result.numDeletedRows);
}

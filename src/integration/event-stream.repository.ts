/** The live stream's read: relayed events after a position, in position order (positions commit in order). */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OutboxRow } from './event.js';

export async function eventsAfter(db: Db, position: number, types: readonly string[], limit: number): Promise<(OutboxRow & { position: number })[]> {
  const rows = await sql<OutboxRow & { position: number }>`
    SELECT id, event_id, type, aggregate_type, aggregate_id, aggregate_version, payload, created_at, position
    FROM outbox_events WHERE position > ${position} AND type = ANY(${types}::text[])
    ORDER BY position LIMIT ${limit}
  `.execute(db);
  return rows.rows;
}

export async function lastPosition(db: Db): Promise<number> {
  const row = await sql<{ position: number }>`SELECT position FROM relay_state`.execute(db);
  return row.rows[0]?.position ?? 0;
}

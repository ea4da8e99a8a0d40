/**
 * The live stream's read: events after a key in the relay's order ((tx, id) below the snapshot's xmin, ADR 0010),
 * each aggregate's in id order.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OutboxRow } from './event.js';
import type { RelayKey } from './relay-order.js';

export interface StreamRead {
  /** The events of `types` to send, each aggregate's in id order. */
  events: OutboxRow[];
  /**
   * Each event's own key when the events are in the relay's order (nearly always): a client may resume after any
   * of them. Null when an aggregate's events had to be put back in id order: then only `upTo` is a place to resume.
   */
  keys: RelayKey[] | null;
  /** Where the next read starts: every event up to it was read (sent, or of another type). */
  upTo: RelayKey;
  /** Whether the read stopped at `limit`. */
  full: boolean;
}

/**
 * The next events after `after` that can be read for good, up to `limit` of any type. The read ends before the first
 * event whose aggregate has an earlier event (by id) still after the read's end (readSinkEvents says why that can
 * happen): the stream cannot hold an event back as a sink's round does, so it stops there and the next read starts
 * with it. When that is the first event, the caller reads again with a larger limit, or later.
 */
export async function eventsAfter(db: Db, after: RelayKey, types: readonly string[], limit: number): Promise<StreamRead> {
  const rows = await sql<OutboxRow & { tx: string; wanted: boolean; blocked: boolean }>`
    WITH span AS MATERIALIZED (
      SELECT id, tx, event_id, type, aggregate_type, aggregate_id, aggregate_version, payload, created_at
      FROM outbox_events
      WHERE (tx, id) > (${after.tx}::xid8, ${after.id}::bigint) AND tx < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY tx, id LIMIT ${limit}
    ),
    last AS (SELECT tx AS end_tx, id AS end_id FROM span ORDER BY tx DESC, id DESC LIMIT 1)
    SELECT e.id, e.tx, e.event_id, e.type, e.aggregate_type, e.aggregate_id, e.aggregate_version, e.payload, e.created_at,
      e.type = ANY(${types}::text[]) AS wanted,
      EXISTS (SELECT 1 FROM outbox_events x
              WHERE x.aggregate_type = e.aggregate_type AND x.aggregate_id = e.aggregate_id AND x.tx >= last.end_tx
                AND x.id < e.id AND (x.tx, x.id) > (last.end_tx, last.end_id)) AS blocked
    FROM span e CROSS JOIN last
    ORDER BY e.tx, e.id
  `.execute(db);
  const read = rows.rows.slice(0, readEnd(rows.rows));
  const last = read.at(-1);
  const wanted = read.filter((r) => r.wanted);
  const events = wanted.map(({ tx: _tx, wanted: _w, blocked: _b, ...e }) => ({ ...e, id: Number(e.id) }));
  // Each aggregate's events in id order, in the places its events had in the read.
  const places = new Map<string, number[]>();
  events.forEach((e, i) => {
    const k = `${e.aggregate_type}\u0000${e.aggregate_id}`;
    places.set(k, [...(places.get(k) ?? []), i]);
  });
  const ordered = [...events];
  for (const at of places.values()) {
    const byId = at.map((i) => events[i]!).sort((a, b) => a.id - b.id);
    at.forEach((i, n) => { ordered[i] = byId[n]!; });
  }
  const inOrder = ordered.every((e, i) => e === events[i]);
  return {
    events: ordered, keys: inOrder ? wanted.map((r) => ({ tx: r.tx, id: Number(r.id) })) : null,
    upTo: last ? { tx: last.tx, id: Number(last.id) } : after, full: rows.rows.length >= limit,
  };
}

/**
 * How many rows of the read can be sent: up to the first blocked one (an earlier event of its aggregate lies past the
 * span), and then, since the read ends there, up to the first row whose aggregate has an earlier event among the rows
 * cut off — repeated until no row left has one (each pass only moves the end back).
 */
export function readEnd(rows: readonly { id: string | number; aggregate_type: string; aggregate_id: string; blocked: boolean }[]): number {
  let end = rows.findIndex((r) => r.blocked);
  if (end < 0) return rows.length;
  for (let moved = true; moved;) {
    moved = false;
    const firstAfter = new Map<string, number>();
    for (let i = end; i < rows.length; i++) {
      const r = rows[i]!;
      const k = `${r.aggregate_type}\u0000${r.aggregate_id}`;
      firstAfter.set(k, Math.min(firstAfter.get(k) ?? Infinity, Number(r.id)));
    }
    for (let i = 0; i < end; i++) {
      const r = rows[i]!;
      if ((firstAfter.get(`${r.aggregate_type}\u0000${r.aggregate_id}`) ?? Infinity) < Number(r.id)) {
        end = i;
        moved = true;
        break;
      }
    }
  }
  return end;
}

/** Where a stream that starts now starts: after every event whose transaction has ended. */
export async function streamStart(db: Db): Promise<RelayKey> {
  const row = await sql<{ tx: string }>`SELECT pg_snapshot_xmin(pg_current_snapshot()) AS tx`.execute(db);
  return { tx: row.rows[0]!.tx, id: 0 };
}

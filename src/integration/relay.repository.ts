/**
 * The outbox relay's SQL, but for the sinks' cursors (sink-cursor.repository.ts): the retry path for deliveries held
 * back as rows (claim, leased; settle, logged), sinks, and clean up. Nothing numbers events: sinks read them in the
 * relay's order ((tx, id), ADR 0010).
 * Several servers run all of it at once: rows are claimed with FOR UPDATE SKIP LOCKED, and a claimed delivery is
 * leased, so a server killed mid-delivery only delays it.
 */
import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.js';
import type { OutboxRow } from './event.js';

export type SinkKind = 'webhook' | 'nats' | 'notifications' | 'connectors';

export interface ClaimedDelivery {
  id: number;
  sink: string;
  kind: SinkKind;
  attempts: number;
  createdAt: Date;
  event: OutboxRow;
  webhook: { url: string; secrets: string[] } | null;
}

/**
 * The retry path: deliveries held back from the cursor path (a failed attempt, the events waiting behind it, a replay).
 * Leases up to `limit` due deliveries: pending, not leased by a live server, of an active sink, and the earliest
 * pending one of their aggregate for their sink (version 3 of an order never goes before version 2); with each, the
 * pending deliveries that follow it for the same aggregate and sink, to be sent one after the other in outbox order
 * (an order's three capture events then take one round, not three).
 */
export async function claimDeliveries(db: Db, limit: number, leaseMs: number, sinks: readonly string[] | null): Promise<ClaimedDelivery[]> {
  const result = await sql<{
    id: number; sink: string; kind: SinkKind; attempts: number; created_at: Date; url: string | null; secrets: string[] | null;
    outbox_id: number; event_id: string; type: string; aggregate_type: string; aggregate_id: string; aggregate_version: number;
    payload: unknown; occurred_at: Date;
  }>`
    WITH heads AS (
      SELECT d.id, d.sink, d.aggregate_type, d.aggregate_id, d.outbox_id FROM event_deliveries d JOIN event_sinks s ON s.sink = d.sink AND s.active
      WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.leased_until IS NULL OR d.leased_until < now())
        AND (${sinks === null} OR d.sink = ANY(${sinks ?? []}::text[]))
        AND NOT EXISTS (
          SELECT 1 FROM event_deliveries e
          WHERE e.sink = d.sink AND e.aggregate_type = d.aggregate_type AND e.aggregate_id = d.aggregate_id
            AND e.status = 'pending' AND e.outbox_id < d.outbox_id)
        -- Nor an earlier event of its aggregate that the sink's cursor has not passed yet (ADR 0010): it comes first.
        AND NOT EXISTS (
          SELECT 1 FROM outbox_events x
          WHERE x.aggregate_type = d.aggregate_type AND x.aggregate_id = d.aggregate_id AND x.tx >= s.after_tx
            AND x.id < d.outbox_id AND (x.tx, x.id) > (s.after_tx, s.after_id))
      ORDER BY d.next_attempt_at, d.outbox_id
      LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED
    ),
    followers AS (
      SELECT f.id FROM event_deliveries f JOIN heads h ON f.sink = h.sink AND f.aggregate_type = h.aggregate_type
        AND f.aggregate_id = h.aggregate_id AND f.outbox_id > h.outbox_id
      WHERE f.status = 'pending'
      ORDER BY f.outbox_id
      LIMIT ${limit * 4}
      FOR UPDATE OF f SKIP LOCKED
    ),
    due AS (SELECT id FROM heads UNION ALL SELECT id FROM followers)
    UPDATE event_deliveries d SET leased_until = now() + ${`${leaseMs} milliseconds`}::interval, attempts = d.attempts + 1
    FROM due, outbox_events o, event_sinks s LEFT JOIN webhook_subscriptions w ON w.id = s.subscription_id
    WHERE d.id = due.id AND o.id = d.outbox_id AND s.sink = d.sink
    RETURNING d.id, d.sink, s.kind, d.attempts, d.created_at, w.url,
      CASE WHEN w.id IS NULL THEN NULL
           WHEN w.previous_secret IS NOT NULL AND w.previous_secret_expires_at > now() THEN ARRAY[w.secret, w.previous_secret]
           ELSE ARRAY[w.secret] END AS secrets,
      o.id AS outbox_id, o.event_id, o.type, o.aggregate_type, o.aggregate_id, o.aggregate_version, o.payload, o.created_at AS occurred_at
  `.execute(db);
  return result.rows.sort((a, b) => a.outbox_id - b.outbox_id).map((r) => ({
    id: r.id, sink: r.sink, kind: r.kind, attempts: r.attempts, createdAt: r.created_at,
    webhook: r.url && r.secrets ? { url: r.url, secrets: r.secrets } : null,
    event: {
      id: r.outbox_id, event_id: r.event_id, type: r.type, aggregate_type: r.aggregate_type, aggregate_id: r.aggregate_id,
      aggregate_version: r.aggregate_version, payload: r.payload, created_at: r.occurred_at,
    },
  }));
}

export interface AttemptOutcome {
  deliveryId: number;
  /** The event that was sent: a coalesced delivery may have moved on to a newer one meanwhile, then it stays pending. */
  outboxId: number;
  delivered: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
  /** When to try again after a failure (ignored when delivered); null = give up (the delivery is failed). */
  retryAt: Date | null;
}

/** Records each attempt in the delivery log and moves its delivery on: delivered, due again later, or failed. */
export async function settleDeliveries(db: Db, outcomes: readonly AttemptOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await sql`
    WITH o AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb) AS x("deliveryId" bigint, "outboxId" bigint,
        delivered boolean, "statusCode" int, "latencyMs" int, error text, "responseExcerpt" text, "retryAt" timestamptz)
    ),
    log AS (
      INSERT INTO delivery_attempts (delivery_id, outcome, status_code, latency_ms, error, response_excerpt)
      SELECT "deliveryId", CASE WHEN delivered THEN 'delivered' ELSE 'failed' END, "statusCode", "latencyMs", error, "responseExcerpt"
      FROM o ORDER BY "deliveryId"
    )
    UPDATE event_deliveries d SET
      leased_until = NULL,
      status = CASE WHEN d.outbox_id <> o."outboxId" THEN 'pending'
                    WHEN o.delivered THEN 'delivered' WHEN o."retryAt" IS NULL THEN 'failed' ELSE 'pending' END,
      delivered_at = CASE WHEN o.delivered AND d.outbox_id = o."outboxId" THEN now() END,
      next_attempt_at = CASE WHEN d.outbox_id <> o."outboxId" THEN now() WHEN o.delivered THEN d.next_attempt_at ELSE coalesce(o."retryAt", d.next_attempt_at) END,
      last_error = CASE WHEN o.delivered THEN NULL ELSE o.error END
    FROM o WHERE d.id = o."deliveryId"
  `.execute(db);
}

/** Gives back leases of deliveries claimed but not attempted (they followed one that failed): no attempt counted. */
export async function releaseDeliveries(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`UPDATE event_deliveries SET leased_until = NULL, attempts = attempts - 1 WHERE id = ANY(${ids}::bigint[])`.execute(db);
}

/**
 * Registers (or updates) a sink, e.g. NATS by a server started with NATS_URL. A new sink starts now: after every
 * event whose transaction had ended (the events written before it are not for it); a known one keeps its cursor.
 */
export async function upsertSink(db: DbOrTrx, sink: { sink: string; kind: 'nats' | 'notifications' | 'connectors'; eventTypes: string[] }): Promise<void> {
  await sql`
    INSERT INTO event_sinks (sink, kind, event_types, after_tx, after_id)
    VALUES (${sink.sink}, ${sink.kind}, ${sink.eventTypes}::text[], pg_snapshot_xmin(pg_current_snapshot()), 0)
    ON CONFLICT (sink) DO UPDATE SET event_types = excluded.event_types, active = true
  `.execute(db);
}

/**
 * Keeps the outbox small: deletes deliveries settled (delivered or failed) and round logs from before `before`, then
 * events written before `before` that every sink's cursor has passed (inactive sinks' too) and no delivery row still
 * needs. In batches, so no statement holds locks long.
 */
export async function cleanupEvents(db: Db, before: Date, batch = 5_000): Promise<{ deliveries: number; events: number }> {
  const inBatches = async (statement: () => Promise<{ numAffectedRows?: bigint }>) => {
    let total = 0;
    for (;;) {
      const n = Number((await statement()).numAffectedRows ?? 0);
      total += n;
      if (n < batch) return total;
    }
  };
  const deliveries = await inBatches(() => sql`
    DELETE FROM event_deliveries WHERE id IN (
      SELECT id FROM event_deliveries WHERE status <> 'pending' AND coalesce(delivered_at, next_attempt_at) < ${before} LIMIT ${batch})
  `.execute(db));
  await inBatches(() => sql`
    DELETE FROM delivery_rounds WHERE id IN (SELECT id FROM delivery_rounds WHERE delivered_at < ${before} LIMIT ${batch})
  `.execute(db));
  const events = await inBatches(() => sql`
    DELETE FROM outbox_events WHERE id IN (
      SELECT o.id FROM outbox_events o
      WHERE o.created_at < ${before} AND o.tx < pg_snapshot_xmin(pg_current_snapshot())
        AND NOT EXISTS (SELECT 1 FROM event_sinks s WHERE (s.after_tx, s.after_id) < (o.tx, o.id))
        AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.outbox_id = o.id)
      LIMIT ${batch})
  `.execute(db));
  return { deliveries, events };
}

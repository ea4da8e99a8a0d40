/**
 * The relay's cursor path (ADR 0008): each sink reads the events after its position (the dispatcher's
 * commit-ordered numbering), a batch a round, and moves its position once per round. A delivery that succeeds writes
 * nothing of its own; only an attempt that failed, and the later events of its aggregate that must wait behind it,
 * become rows of event_deliveries (the retry path of relay.repository.ts). One relay at a time moves a sink's cursor:
 * it leases the sink, and the round's end moves the cursor only while the lease is still its own.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OutboxRow } from './event.js';
import type { SinkKind } from './relay.repository.js';

export interface LeasedSink {
  sink: string;
  kind: SinkKind;
  /** Every event up to this position is handled for the sink. */
  position: number;
  /** The relay's position when leased: the round reads up to here at most. */
  head: number;
  token: string;
  eventTypes: string[];
  webhook: { url: string; secrets: string[] } | null;
}

/**
 * Leases the active sinks (of `sinks`, or all) that have events after their position and no live lease: theirs for
 * `leaseMs`. A sink leased by another relay is skipped, never waited for.
 */
export async function leaseSinks(db: Db, sinks: readonly string[] | null, leaseMs: number): Promise<LeasedSink[]> {
  const result = await sql<{
    sink: string; kind: SinkKind; position: string; head: string; lease_token: string; event_types: string[]; url: string | null; secrets: string[] | null;
  }>`
    WITH due AS (
      SELECT s.sink, r.position AS head, w.url,
        CASE WHEN w.id IS NULL THEN NULL
             WHEN w.previous_secret IS NOT NULL AND w.previous_secret_expires_at > now() THEN ARRAY[w.secret, w.previous_secret]
             ELSE ARRAY[w.secret] END AS secrets
      FROM event_sinks s CROSS JOIN relay_state r LEFT JOIN webhook_subscriptions w ON w.id = s.subscription_id
      WHERE s.active AND s.position < r.position AND (s.leased_until IS NULL OR s.leased_until < now())
        AND (${sinks === null} OR s.sink = ANY(${sinks ?? []}::text[]))
      FOR UPDATE OF s SKIP LOCKED
    )
    UPDATE event_sinks s SET leased_until = now() + ${`${leaseMs} milliseconds`}::interval, lease_token = gen_random_uuid()
    FROM due WHERE s.sink = due.sink
    RETURNING s.sink, s.kind, s.position, due.head, s.lease_token, s.event_types, due.url, due.secrets
  `.execute(db);
  return result.rows.map((r) => ({
    sink: r.sink, kind: r.kind, position: Number(r.position), head: Number(r.head), token: r.lease_token, eventTypes: r.event_types,
    webhook: r.url && r.secrets ? { url: r.url, secrets: r.secrets } : null,
  }));
}

export interface CursorEvent extends OutboxRow {
  position: number;
  /** The sink has a pending delivery of this event's aggregate: the event must wait behind it (a row), not be sent. */
  blocked: boolean;
}

/** The events in positions (after, upTo] of the types the sink wants, in position order. */
export async function readSinkEvents(db: Db, sink: LeasedSink, upTo: number): Promise<CursorEvent[]> {
  const result = await sql<CursorEvent>`
    SELECT o.id, o.event_id, o.type, o.aggregate_type, o.aggregate_id, o.aggregate_version, o.payload, o.created_at, o.position,
      EXISTS (SELECT 1 FROM event_deliveries d
              WHERE d.sink = ${sink.sink} AND d.aggregate_type = o.aggregate_type AND d.aggregate_id = o.aggregate_id
                AND d.status = 'pending') AS blocked
    FROM outbox_events o
    WHERE o.position > ${sink.position} AND o.position <= ${upTo}
      AND EXISTS (SELECT 1 FROM unnest(${sink.eventTypes}::text[]) AS p(pattern)
        WHERE p.pattern IN ('*', o.type) OR (p.pattern LIKE '%.*' AND starts_with(o.type, left(p.pattern, -1))))
    ORDER BY o.position
  `.execute(db);
  return result.rows.map((r) => ({ ...r, position: Number(r.position) }));
}

/** An event of the round that becomes a row: attempted and failed, or waiting behind a pending one of its aggregate. */
export interface HeldEvent {
  outboxId: number;
  attempted: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
  /** When to try again; null after a failed attempt = given up (the row is failed). */
  retryAt: Date | null;
}

export interface RoundEnd {
  sink: string;
  token: string;
  /** The cursor's new position: every event up to it is delivered, or held as a row. */
  position: number;
  held: readonly HeldEvent[];
  /** What the round delivered, for a webhook's delivery log (one row per round): in delivery order. */
  log: { outboxId: number; statusCode: number; latencyMs: number }[] | null;
}

/**
 * Ends a round in one statement: moves the cursor and gives back the lease, writes the held events as deliveries
 * (availability ones coalesced: one pending row per sink and (channel, SKU), moved only to a newer version) with
 * the failed attempts in the log, and the round's log row. Nothing is written when the lease is no longer this
 * relay's (it ran out and another relay took the sink): that relay sends the round's events again, with the same
 * ids. Returns whether the cursor moved.
 */
export async function endRound(db: Db, end: RoundEnd): Promise<boolean> {
  const log = end.log ?? [];
  const result = await sql<{ moved: boolean }>`
    WITH s AS (
      UPDATE event_sinks SET position = ${end.position}, leased_until = NULL, lease_token = NULL
      WHERE sink = ${end.sink} AND lease_token = ${end.token}::uuid
      RETURNING sink
    ),
    x AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(end.held)}::jsonb) AS x("outboxId" bigint, attempted boolean,
        "statusCode" int, "latencyMs" int, error text, "responseExcerpt" text, "retryAt" timestamptz)
    ),
    held AS (
      SELECT s.sink, o.id, o.event_id, o.type, o.aggregate_type, o.aggregate_id, o.aggregate_version, x.*
      FROM x JOIN outbox_events o ON o.id = x."outboxId" CROSS JOIN s
    ),
    plain AS (
      INSERT INTO event_deliveries (sink, outbox_id, event_id, type, aggregate_type, aggregate_id, aggregate_version, status, attempts, next_attempt_at, last_error)
      SELECT sink, id, event_id, type, aggregate_type, aggregate_id, aggregate_version,
        CASE WHEN attempted AND "retryAt" IS NULL THEN 'failed' ELSE 'pending' END, attempted::int, coalesce("retryAt", now()), error
      FROM held WHERE type <> 'inventory.availability_changed' ORDER BY id
      RETURNING id, outbox_id
    ),
    latest AS (
      INSERT INTO event_deliveries AS d (sink, outbox_id, event_id, type, aggregate_type, aggregate_id, aggregate_version, status, attempts, next_attempt_at, last_error, coalesced)
      SELECT DISTINCT ON (aggregate_id) sink, id, event_id, type, aggregate_type, aggregate_id, aggregate_version,
        CASE WHEN attempted AND "retryAt" IS NULL THEN 'failed' ELSE 'pending' END, attempted::int, coalesce("retryAt", now()), error, true
      FROM held WHERE type = 'inventory.availability_changed'
      ORDER BY aggregate_id, aggregate_version DESC
      ON CONFLICT (sink, aggregate_type, aggregate_id) WHERE status = 'pending' AND coalesced
      DO UPDATE SET outbox_id = excluded.outbox_id, event_id = excluded.event_id, aggregate_version = excluded.aggregate_version
      WHERE d.aggregate_version < excluded.aggregate_version
      RETURNING id, outbox_id
    ),
    attempts AS (
      INSERT INTO delivery_attempts (delivery_id, outcome, status_code, latency_ms, error, response_excerpt)
      SELECT i.id, 'failed', x."statusCode", x."latencyMs", x.error, x."responseExcerpt"
      FROM (SELECT * FROM plain UNION ALL SELECT * FROM latest) i JOIN x ON x."outboxId" = i.outbox_id
      WHERE x.attempted ORDER BY i.id
    ),
    round AS (
      INSERT INTO delivery_rounds (sink, outbox_ids, status_codes, latencies_ms)
      SELECT sink, ${log.map((l) => l.outboxId)}::bigint[], ${log.map((l) => l.statusCode)}::int[], ${log.map((l) => l.latencyMs)}::int[]
      FROM s WHERE ${log.length > 0}
    )
    SELECT EXISTS (SELECT 1 FROM s) AS moved
  `.execute(db);
  return result.rows[0]?.moved ?? false;
}

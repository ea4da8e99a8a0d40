/**
 * The relay's cursor path (ADR 0008, 0010): each sink reads the events after its cursor in the relay's order
 * ((tx, id) below the snapshot's xmin, relay-order.ts), a batch a round, and moves its cursor once per round. A
 * delivery that succeeds writes nothing of its own; only an attempt that failed, and the later events of its
 * aggregate that must wait behind it, become rows of event_deliveries (the retry path of relay.repository.ts). One
 * relay at a time moves a sink's cursor: it leases the sink, and the round's end moves the cursor only while the
 * lease is still its own.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OutboxRow } from './event.js';
import type { RelayKey } from './relay-order.js';
import type { SinkKind } from './relay.repository.js';

export interface LeasedSink {
  sink: string;
  kind: SinkKind;
  /** Every event up to this key is handled for the sink. */
  after: RelayKey;
  token: string;
  eventTypes: string[];
  webhook: { url: string; secrets: string[] } | null;
}

/**
 * Leases the active sinks (of `sinks`, or all) that have events to read after their cursor and no live lease: theirs
 * for `leaseMs`. A sink leased by another relay is skipped, never waited for.
 */
export async function leaseSinks(db: Db, sinks: readonly string[] | null, leaseMs: number): Promise<LeasedSink[]> {
  const result = await sql<{
    sink: string; kind: SinkKind; after_tx: string; after_id: number; lease_token: string; event_types: string[]; url: string | null; secrets: string[] | null;
  }>`
    WITH due AS (
      SELECT s.sink, w.url,
        CASE WHEN w.id IS NULL THEN NULL
             WHEN w.previous_secret IS NOT NULL AND w.previous_secret_expires_at > now() THEN ARRAY[w.secret, w.previous_secret]
             ELSE ARRAY[w.secret] END AS secrets
      FROM event_sinks s LEFT JOIN webhook_subscriptions w ON w.id = s.subscription_id
      WHERE s.active AND (s.leased_until IS NULL OR s.leased_until < now())
        AND (${sinks === null} OR s.sink = ANY(${sinks ?? []}::text[]))
        AND EXISTS (SELECT 1 FROM outbox_events o
                    WHERE (o.tx, o.id) > (s.after_tx, s.after_id) AND o.tx < pg_snapshot_xmin(pg_current_snapshot()))
      FOR UPDATE OF s SKIP LOCKED
    )
    UPDATE event_sinks s SET leased_until = now() + ${`${leaseMs} milliseconds`}::interval, lease_token = gen_random_uuid()
    FROM due WHERE s.sink = due.sink
    RETURNING s.sink, s.kind, s.after_tx, s.after_id, s.lease_token, s.event_types, due.url, due.secrets
  `.execute(db);
  return result.rows.map((r) => ({
    sink: r.sink, kind: r.kind, after: { tx: r.after_tx, id: Number(r.after_id) }, token: r.lease_token, eventTypes: r.event_types,
    webhook: r.url && r.secrets ? { url: r.url, secrets: r.secrets } : null,
  }));
}

export interface CursorEvent extends OutboxRow {
  /**
   * The sink has a pending delivery of this event's aggregate, or an earlier event of its aggregate is still ahead
   * of the round's end in the relay's order: the event must wait behind it (a row), not be sent.
   */
  blocked: boolean;
}

export interface SinkRead {
  /** The events of the types the sink wants, in the relay's order. */
  events: CursorEvent[];
  /** The last key the read covered (of any type), or null when nothing was there to read. */
  upTo: RelayKey | null;
  /** Events of any type the read covered: `limit` means there may be more. */
  covered: number;
}

/**
 * The next `limit` events after the sink's cursor that can be read for good (their transaction is below this
 * statement's snapshot's xmin), of the types the sink wants. An event is blocked when an earlier event of its
 * aggregate (by id: the aggregate's writers hold its row lock, so its ids follow its commits) is still after the
 * read's end: its transaction took its id before that earlier writer's, and the earlier event cannot be read yet, or
 * lies past this batch. Such an earlier event committed before this one was written, so it is visible whenever this
 * one is: the check cannot miss it.
 */
export async function readSinkEvents(db: Db, sink: LeasedSink, limit: number): Promise<SinkRead> {
  const result = await sql<CursorEvent & { end_tx: string; end_id: number; covered: number; tx: string }>`
    WITH span AS MATERIALIZED (
      SELECT o.id, o.tx, o.event_id, o.type, o.aggregate_type, o.aggregate_id, o.aggregate_version, o.payload, o.created_at
      FROM outbox_events o
      WHERE (o.tx, o.id) > (${sink.after.tx}::xid8, ${sink.after.id}::bigint) AND o.tx < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY o.tx, o.id
      LIMIT ${limit}
    ),
    last AS (SELECT tx AS end_tx, id AS end_id, (SELECT count(*) FROM span)::int AS covered FROM span ORDER BY tx DESC, id DESC LIMIT 1)
    SELECT e.id, e.event_id, e.type, e.aggregate_type, e.aggregate_id, e.aggregate_version, e.payload, e.created_at, e.tx,
      last.end_tx, last.end_id, last.covered,
      EXISTS (SELECT 1 FROM event_deliveries d
              WHERE d.sink = ${sink.sink} AND d.aggregate_type = e.aggregate_type AND d.aggregate_id = e.aggregate_id
                AND d.status = 'pending')
      OR EXISTS (SELECT 1 FROM outbox_events x
                 WHERE x.aggregate_type = e.aggregate_type AND x.aggregate_id = e.aggregate_id AND x.tx >= last.end_tx
                   AND x.id < e.id AND (x.tx, x.id) > (last.end_tx, last.end_id)) AS blocked
    FROM last LEFT JOIN span e ON EXISTS (SELECT 1 FROM unnest(${sink.eventTypes}::text[]) AS p(pattern)
        WHERE p.pattern IN ('*', e.type) OR (p.pattern LIKE '%.*' AND starts_with(e.type, left(p.pattern, -1))))
    ORDER BY e.tx, e.id
  `.execute(db);
  const first = result.rows[0];
  if (!first) return { events: [], upTo: null, covered: 0 };
  const events = result.rows.filter((r) => r.id !== null).map((r) => ({
    id: Number(r.id), event_id: r.event_id, type: r.type, aggregate_type: r.aggregate_type, aggregate_id: r.aggregate_id,
    aggregate_version: r.aggregate_version, payload: r.payload, created_at: r.created_at, blocked: r.blocked,
  }));
  return { events, upTo: { tx: first.end_tx, id: Number(first.end_id) }, covered: first.covered };
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
  /** The cursor's new key: every event up to it is delivered, or held as a row. */
  to: RelayKey;
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
      UPDATE event_sinks SET after_tx = ${end.to.tx}::xid8, after_id = ${end.to.id}, leased_until = NULL, lease_token = NULL
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

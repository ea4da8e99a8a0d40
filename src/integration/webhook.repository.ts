/** Webhook subscriptions, their sinks, their delivery log, and replays. */
import { sql } from 'kysely';
import type { Db, DbOrTrx, Trx } from '../db/database.js';
import type { WebhookSubscription } from './webhook.js';

export const sinkOf = (subscriptionId: string) => `webhook:${subscriptionId}`;

interface Row {
  id: string; url: string; event_types: string[]; description: string | null; status: 'active' | 'disabled';
  disabled_reason: string | null; disabled_at: Date | null; version: number; created_at: Date; updated_at: Date;
}

export const toSubscription = (r: Row): WebhookSubscription => ({
  id: r.id, url: r.url, eventTypes: r.event_types, description: r.description, status: r.status,
  disabledReason: r.disabled_reason, disabledAt: r.disabled_at?.toISOString() ?? null, version: r.version,
  createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
});

const columns = ['id', 'url', 'event_types', 'description', 'status', 'disabled_reason', 'disabled_at', 'version', 'created_at', 'updated_at'] as const;

export async function findSubscription(db: DbOrTrx, id: string): Promise<Row | undefined> {
  return db.selectFrom('webhook_subscriptions').select(columns).where('id', '=', id).executeTakeFirst() as Promise<Row | undefined>;
}

export async function listSubscriptions(db: DbOrTrx, afterId: string | undefined, limit: number): Promise<Row[]> {
  let q = db.selectFrom('webhook_subscriptions').select(columns).orderBy('id').limit(limit);
  if (afterId) q = q.where('id', '>', afterId);
  return q.execute() as Promise<Row[]>;
}

export async function insertSubscription(trx: Trx, s: { id: string; url: string; eventTypes: string[]; description: string | null; secret: string }): Promise<Row> {
  const row = await trx.insertInto('webhook_subscriptions')
    .values({ id: s.id, url: s.url, event_types: s.eventTypes, description: s.description, secret: s.secret })
    .returning(columns).executeTakeFirstOrThrow();
  // The endpoint gets the events written from now on: its cursor starts after every event whose transaction has ended.
  await trx.insertInto('event_sinks').values({
    sink: sinkOf(s.id), kind: 'webhook', subscription_id: s.id, event_types: s.eventTypes,
    after_tx: sql<string>`pg_snapshot_xmin(pg_current_snapshot())`, after_id: 0,
  }).execute();
  return row as Row;
}

export async function updateSubscription(trx: Trx, id: string, patch: { url?: string; eventTypes?: string[]; description?: string | null; reactivate?: boolean; disable?: string }, expectedVersion?: number): Promise<Row | undefined> {
  let q = trx.updateTable('webhook_subscriptions').set({
    ...(patch.url !== undefined && { url: patch.url }),
    ...(patch.eventTypes !== undefined && { event_types: patch.eventTypes }),
    ...(patch.description !== undefined && { description: patch.description }),
    ...(patch.reactivate && { status: 'active', disabled_reason: null, disabled_at: null }),
    // Paused by hand: an endpoint already disabled keeps its first reason and time.
    ...(patch.disable !== undefined && {
      status: 'disabled', disabled_reason: sql`coalesce(disabled_reason, ${patch.disable})`, disabled_at: sql`coalesce(disabled_at, now())`,
    }),
    version: sql`version + 1`, updated_at: sql`now()`,
  }).where('id', '=', id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  const row = await q.returning(columns).executeTakeFirst() as Row | undefined;
  if (row) {
    await trx.updateTable('event_sinks').set({ event_types: row.event_types, active: row.status === 'active' }).where('subscription_id', '=', id).execute();
    // A re-enabled endpoint gets what waited for it now, not at the end of its last backoff.
    if (patch.reactivate) await sql`UPDATE event_deliveries SET next_attempt_at = now() WHERE sink = ${sinkOf(id)} AND status = 'pending'`.execute(trx);
  }
  return row;
}

export async function rotateSecret(trx: Trx, id: string, secret: string, previousValidHours: number): Promise<Row | undefined> {
  return trx.updateTable('webhook_subscriptions').set({
    previous_secret: sql`secret`, previous_secret_expires_at: sql`now() + make_interval(hours => ${previousValidHours})`,
    secret, version: sql`version + 1`, updated_at: sql`now()`,
  }).where('id', '=', id).returning(columns).executeTakeFirst() as Promise<Row | undefined>;
}

export async function deleteSubscription(trx: Trx, id: string): Promise<boolean> {
  const r = await trx.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Disables an endpoint whose deliveries failed for days: the reason is recorded, its sink stops (deliveries wait), and
 * an `integration.webhook_disabled` event tells the team.
 */
export async function disableSubscription(db: Db, sink: string, reason: string): Promise<void> {
  await sql`
    WITH s AS (
      UPDATE webhook_subscriptions w SET status = 'disabled', disabled_reason = ${reason}, disabled_at = now(),
        version = w.version + 1, updated_at = now()
      FROM event_sinks k WHERE k.sink = ${sink} AND w.id = k.subscription_id AND w.status = 'active'
      RETURNING w.id, w.url, w.version
    ),
    k AS (UPDATE event_sinks SET active = false WHERE sink = ${sink})
    INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
    SELECT 'integration.webhook_disabled', 'webhook_subscription', s.id::text, s.version,
           jsonb_build_object('subscriptionId', s.id, 'url', s.url, 'reason', ${reason}::text) FROM s
  `.execute(db);
}

/**
 * The delivery log of an endpoint, newest first: each event with its state and attempts. Two sources share one id
 * space (ADR 0008): deliveries held as rows (a failed attempt, what waited behind it, a replay) with every attempt,
 * and the rounds of the cursor path, one row per round, whose events were delivered at their first attempt (entry
 * id = the round's id × 1024 + the event's index in it).
 */
export async function listDeliveries(db: DbOrTrx, subscriptionId: string, beforeId: number | undefined, limit: number) {
  const sink = sinkOf(subscriptionId);
  const before = beforeId ?? null;
  const rows = await sql<{
    id: number; eventId: string; type: string; aggregateType: string; aggregateId: string; aggregateVersion: number;
    status: 'pending' | 'delivered' | 'failed'; attempts: number; nextAttemptAt: Date; lastError: string | null; createdAt: Date; deliveredAt: Date | null;
    log: { at: string; outcome: string; statusCode: number | null; latencyMs: number; error: string | null; responseExcerpt: string | null }[];
  }>`
    (SELECT d.id, d.event_id AS "eventId", d.type, d.aggregate_type AS "aggregateType", d.aggregate_id AS "aggregateId",
      d.aggregate_version AS "aggregateVersion", d.status, d.attempts, d.next_attempt_at AS "nextAttemptAt",
      d.last_error AS "lastError", d.created_at AS "createdAt", d.delivered_at AS "deliveredAt",
      (SELECT coalesce(json_agg(json_build_object('at', a.attempted_at, 'outcome', a.outcome, 'statusCode', a.status_code,
          'latencyMs', a.latency_ms, 'error', a.error, 'responseExcerpt', a.response_excerpt) ORDER BY a.id), '[]')
       FROM delivery_attempts a WHERE a.delivery_id = d.id) AS log
    FROM event_deliveries d
    WHERE d.sink = ${sink} AND (${before}::bigint IS NULL OR d.id < ${before}::bigint)
    ORDER BY d.id DESC LIMIT ${limit})
    UNION ALL
    (SELECT e.id, o.event_id, o.type, o.aggregate_type, o.aggregate_id, o.aggregate_version, 'delivered', 1, e.delivered_at,
      NULL, e.delivered_at, e.delivered_at,
      json_build_array(json_build_object('at', e.delivered_at, 'outcome', 'delivered', 'statusCode', e.status_code,
        'latencyMs', e.latency_ms, 'error', NULL, 'responseExcerpt', NULL))
    FROM (
      SELECT r.id * 1024 + u.i - 1 AS id, r.delivered_at, u.outbox_id, u.status_code, u.latency_ms
      -- Each round has an entry at least: the newest entries are in the newest rounds.
      FROM (SELECT * FROM delivery_rounds WHERE sink = ${sink} AND (${before}::bigint IS NULL OR id * 1024 < ${before}::bigint)
            ORDER BY id DESC LIMIT ${limit}) r
      CROSS JOIN LATERAL unnest(r.outbox_ids, r.status_codes, r.latencies_ms) WITH ORDINALITY AS u(outbox_id, status_code, latency_ms, i)
    ) e JOIN outbox_events o ON o.id = e.outbox_id
    WHERE ${before}::bigint IS NULL OR e.id < ${before}::bigint
    ORDER BY e.id DESC LIMIT ${limit})
    ORDER BY id DESC LIMIT ${limit}
  `.execute(db);
  return rows.rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/**
 * Queues events again for one endpoint: one event by id, or every event it subscribes to in a time range (those still
 * in the outbox that its cursor has passed; the others are on their way). A replayed event keeps its id, so the
 * receiver's de-duplication holds.
 */
export async function replayEvents(trx: Trx, subscriptionId: string, sel: { eventId?: string; from?: string; to?: string }): Promise<number> {
  const r = await sql`
    INSERT INTO event_deliveries (sink, outbox_id, event_id, type, aggregate_type, aggregate_id, aggregate_version)
    SELECT s.sink, o.id, o.event_id, o.type, o.aggregate_type, o.aggregate_id, o.aggregate_version
    FROM outbox_events o JOIN event_sinks s ON s.subscription_id = ${subscriptionId}
    WHERE (o.tx, o.id) <= (s.after_tx, s.after_id)
      AND (${sel.eventId ?? null}::uuid IS NULL OR o.event_id = ${sel.eventId ?? null}::uuid)
      AND (${sel.from ?? null}::timestamptz IS NULL OR o.created_at >= ${sel.from ?? null}::timestamptz)
      AND (${sel.to ?? null}::timestamptz IS NULL OR o.created_at < ${sel.to ?? null}::timestamptz)
      AND EXISTS (SELECT 1 FROM unnest(s.event_types) AS p(pattern)
        WHERE p.pattern IN ('*', o.type) OR (p.pattern LIKE '%.*' AND starts_with(o.type, left(p.pattern, -1))))
    ORDER BY o.id
  `.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** The connector module's SQL: connectors, their log (and health read from it), held orders, the last stock pushes. */
import { sql, type Selectable } from 'kysely';
import { Batcher } from '../db/batcher.js';
import type { Db, DbOrTrx, Trx } from '../db/database.js';
import type { ConnectorHeldOrders, ConnectorLog, Connectors } from '../db/types.js';
import type { ConnectorKind } from './connector.js';

export type ConnectorRow = Selectable<Connectors>;

export async function findConnector(db: DbOrTrx, channelId: string): Promise<ConnectorRow | undefined> {
  return db.selectFrom('connectors').selectAll().where('channel_id', '=', channelId).executeTakeFirst();
}

export async function lockConnector(trx: Trx, channelId: string): Promise<ConnectorRow | undefined> {
  return trx.selectFrom('connectors').selectAll().where('channel_id', '=', channelId).forUpdate().executeTakeFirst();
}

export async function saveConnectorRow(trx: Trx, row: {
  channelId: string; kind: ConnectorKind; settings: Record<string, unknown>; secrets: Buffer | null; secretNames: string[]; active: boolean;
}): Promise<{ row: ConnectorRow; created: boolean }> {
  const result = await sql<ConnectorRow & { created: boolean }>`
    INSERT INTO connectors (channel_id, kind, settings, secrets, secret_names, active)
    VALUES (${row.channelId}, ${row.kind}, ${JSON.stringify(row.settings)}::jsonb, ${row.secrets}, ${row.secretNames}::text[], ${row.active})
    ON CONFLICT (channel_id) DO UPDATE SET kind = excluded.kind, settings = excluded.settings, secrets = excluded.secrets,
      secret_names = excluded.secret_names, active = excluded.active, version = connectors.version + 1, updated_at = now()
    RETURNING *, (xmax = 0) AS created
  `.execute(trx);
  const { created, ...saved } = result.rows[0] as ConnectorRow & { created: boolean };
  return { row: saved, created };
}

export interface LogEntry {
  channelId: string;
  direction: 'inbound' | 'outbound';
  topic: string;
  outcome: 'ok' | 'duplicate' | 'held' | 'ignored' | 'rejected' | 'failed';
  statusCode?: number | null;
  externalRef?: string | null;
  orderId?: string | null;
  lagMs?: number | null;
  message?: string | null;
  details?: unknown;
}

/**
 * Writes log entries; an inbound order that became an Ordo order also closes its open hold, if it had one (the
 * channel sent it again, or someone retried it, after the SKU was added) — in the same statement.
 */
export async function writeLog(db: DbOrTrx, entries: readonly LogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({
    channel_id: e.channelId, direction: e.direction, topic: e.topic.slice(0, 100), outcome: e.outcome, status_code: e.statusCode ?? null,
    external_ref: e.externalRef?.slice(0, 128) ?? null, order_id: e.orderId ?? null,
    lag_ms: e.lagMs === undefined || e.lagMs === null ? null : Math.max(0, Math.round(e.lagMs)),
    message: e.message?.slice(0, 2000) ?? null, details: e.details === undefined ? null : JSON.stringify(e.details),
  }));
  await sql`
    WITH e AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(channel_id uuid, direction text, topic text, outcome text,
        status_code int, external_ref text, order_id uuid, lag_ms bigint, message text, details text)
    ),
    logged AS (
      INSERT INTO connector_log (channel_id, direction, topic, outcome, status_code, external_ref, order_id, lag_ms, message, details)
      SELECT channel_id, direction, topic, outcome, status_code, external_ref, order_id, lag_ms, message, details::jsonb FROM e
    )
    UPDATE connector_held_orders h SET status = 'captured', order_id = e.order_id, updated_at = now()
    FROM e WHERE e.direction = 'inbound' AND e.outcome IN ('ok', 'duplicate') AND e.order_id IS NOT NULL
      AND h.channel_id = e.channel_id AND h.external_ref = e.external_ref AND h.status = 'held'
  `.execute(db);
}

interface PendingLog {
  entries: LogEntry[];
  settled: Promise<void>;
}
const logWriters = new WeakMap<Db, { batcher: Batcher<readonly LogEntry[], void>; pending: PendingLog | undefined }>();

/**
 * One log entry, written together with the others of this turn of the event loop and those of concurrent requests:
 * a capture batch answers its orders at once, and their entries go out as one group (the batcher would otherwise
 * send the first of them alone, being idle), in one statement with the groups that queued behind the write before
 * it. Answers once it is written.
 */
export function logEntry(db: Db, entry: LogEntry): Promise<void> {
  let writer = logWriters.get(db);
  if (!writer) {
    const batcher = new Batcher<readonly LogEntry[], void>(async (groups) => {
      await writeLog(db, groups.flat());
      return groups.map(() => undefined);
    }, { maxBatch: 16, maxInFlight: 2 });
    writer = { batcher, pending: undefined };
    logWriters.set(db, writer);
  }
  const w = writer;
  if (!w.pending) {
    const entries: LogEntry[] = [];
    w.pending = {
      entries,
      settled: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        w.pending = undefined;
        return w.batcher.submit(entries);
      }),
    };
  }
  w.pending.entries.push(entry);
  return w.pending.settled;
}

export async function readHealth(db: DbOrTrx, channelId: string) {
  const r = await sql<{
    success_at: Date | null; lag_ms: number | null; error_at: Date | null; error: string | null; held: number;
  }>`
    SELECT s.at AS success_at, s.lag_ms, f.at AS error_at, f.message AS error,
      (SELECT count(*)::int FROM connector_held_orders WHERE channel_id = ${channelId} AND status = 'held') AS held
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (SELECT at, lag_ms FROM connector_log WHERE channel_id = ${channelId} AND outcome IN ('ok', 'duplicate')
      ORDER BY id DESC LIMIT 1) s ON true
    LEFT JOIN LATERAL (SELECT at, message FROM connector_log WHERE channel_id = ${channelId} AND outcome IN ('rejected', 'failed')
      ORDER BY id DESC LIMIT 1) f ON true
  `.execute(db);
  const h = r.rows[0];
  return {
    lastSuccessAt: h?.success_at?.toISOString() ?? null, lagMs: h?.lag_ms ?? null,
    lastErrorAt: h?.error_at?.toISOString() ?? null, lastError: h?.error ?? null, heldOrders: h?.held ?? 0,
  };
}

export async function listLog(db: Db, channelId: string, f: { beforeId?: number; outcome?: string; limit: number }): Promise<Selectable<ConnectorLog>[]> {
  let q = db.selectFrom('connector_log').selectAll().where('channel_id', '=', channelId).orderBy('id', 'desc').limit(f.limit);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome);
  return q.execute();
}

export type HeldRow = Selectable<ConnectorHeldOrders>;

/** Keeps an order the channel sent that cannot be captured yet; the same order sent again refreshes its one open hold. */
export async function holdOrder(db: DbOrTrx, h: { id: string; channelId: string; externalRef: string; topic: string; payload: unknown; reasonCode: string; reason: string }): Promise<HeldRow> {
  const r = await sql<HeldRow>`
    INSERT INTO connector_held_orders (id, channel_id, external_ref, topic, payload, reason_code, reason)
    VALUES (${h.id}, ${h.channelId}, ${h.externalRef}, ${h.topic}, ${JSON.stringify(h.payload)}::jsonb, ${h.reasonCode}, ${h.reason})
    ON CONFLICT (channel_id, external_ref) WHERE status = 'held' DO UPDATE SET payload = excluded.payload, topic = excluded.topic,
      reason_code = excluded.reason_code, reason = excluded.reason, attempts = connector_held_orders.attempts + 1, updated_at = now()
    RETURNING *
  `.execute(db);
  return r.rows[0] as HeldRow;
}

export async function findHeld(db: DbOrTrx, channelId: string, id: string): Promise<HeldRow | undefined> {
  return db.selectFrom('connector_held_orders').selectAll().where('channel_id', '=', channelId).where('id', '=', id).executeTakeFirst();
}

export async function listHeld(db: Db, channelId: string, f: { status?: string; afterId?: string; limit: number }): Promise<HeldRow[]> {
  let q = db.selectFrom('connector_held_orders').selectAll().where('channel_id', '=', channelId).orderBy('id').limit(f.limit);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.afterId !== undefined) q = q.where('id', '>', f.afterId);
  return q.execute();
}

export async function discardHeld(db: DbOrTrx, channelId: string, externalRef: string): Promise<void> {
  await db.updateTable('connector_held_orders').set({ status: 'discarded', updated_at: sql`now()` })
    .where('channel_id', '=', channelId).where('external_ref', '=', externalRef).where('status', '=', 'held').execute();
}

/**
 * The Ordo order a channel's external reference became, if any. Reads the order module's table: capture's
 * de-duplication key (channel, external_ref) is the contract between a channel and its orders.
 */
export async function findChannelOrder(db: DbOrTrx, channelId: string, externalRef: string): Promise<{ id: string; status: string } | undefined> {
  return db.selectFrom('orders').select(['id', 'status']).where('channel_id', '=', channelId).where('external_ref', '=', externalRef).executeTakeFirst();
}

/** The Ordo order an order event names, with its channel and the channel's reference. */
export async function findOrderChannel(db: DbOrTrx, orderId: string): Promise<{ channelId: string; externalRef: string } | undefined> {
  const row = await db.selectFrom('orders').select(['channel_id', 'external_ref']).where('id', '=', orderId).executeTakeFirst();
  return row && { channelId: row.channel_id, externalRef: row.external_ref };
}

/** The channel's line ids the inbound order carried (kept in its log entry), by Ordo SKU code. */
export async function channelLinesOf(db: DbOrTrx, orderId: string): Promise<Record<string, string>> {
  const row = await sql<{ lines: Record<string, string> | null }>`
    SELECT details -> 'channelLines' AS lines FROM connector_log
    WHERE order_id = ${orderId} AND direction = 'inbound' AND details ? 'channelLines' ORDER BY id DESC LIMIT 1
  `.execute(db);
  return row.rows[0]?.lines ?? {};
}

/** Order lines with their SKU codes, for a fulfilment push. */
export async function orderLineSkus(db: DbOrTrx, lineIds: readonly string[]): Promise<Map<string, string>> {
  if (lineIds.length === 0) return new Map();
  const rows = await sql<{ id: string; code: string }>`
    SELECT l.id, s.code FROM order_lines l JOIN skus s ON s.id = l.sku_id WHERE l.id = ANY(${lineIds}::uuid[])
  `.execute(db);
  return new Map(rows.rows.map((r) => [r.id, r.code]));
}

/** The version of the last number pushed for (channel, SKU), or null. */
export async function lastPushedVersion(db: DbOrTrx, channelId: string, skuId: string): Promise<number | null> {
  const row = await db.selectFrom('connector_stock_pushes').select('version').where('channel_id', '=', channelId).where('sku_id', '=', skuId).executeTakeFirst();
  return row?.version ?? null;
}

/** Records a pushed number; never moves back to an older version. */
export async function recordPush(db: DbOrTrx, p: { channelId: string; skuId: string; version: number; available: number }): Promise<void> {
  await sql`
    INSERT INTO connector_stock_pushes (channel_id, sku_id, version, available) VALUES (${p.channelId}, ${p.skuId}, ${p.version}, ${p.available})
    ON CONFLICT (channel_id, sku_id) DO UPDATE SET version = excluded.version, available = excluded.available, pushed_at = now()
    WHERE connector_stock_pushes.version < excluded.version
  `.execute(db);
}

/** Channels by code with their connectors: one query. */
function connectorsByChannelCodes(db: DbOrTrx, codes: readonly string[]) {
  return db.selectFrom('channels').innerJoin('connectors', 'connectors.channel_id', 'channels.id')
    .select(['channels.id', 'channels.code', 'channels.currency', 'channels.active as channelActive', 'connectors.kind', 'connectors.settings',
      'connectors.secrets', 'connectors.active'])
    .where('channels.code', '=', sql<string>`ANY(${[...codes]}::text[])`).execute();
}
export type ConnectorByCode = Awaited<ReturnType<typeof connectorsByChannelCodes>>[number];

const lookupBatchers = new WeakMap<Db, Batcher<string, ConnectorByCode | undefined>>();

/**
 * A channel by code with its connector, for a webhook or an order handed in: the lookups of concurrent requests are
 * one query (read fresh each time: a connector changed or switched off takes effect at once, in every process).
 */
export function findConnectorByChannelCode(db: Db, code: string): Promise<ConnectorByCode | undefined> {
  let batcher = lookupBatchers.get(db);
  if (!batcher) {
    batcher = new Batcher<string, ConnectorByCode | undefined>(async (codes) => {
      const found = new Map((await connectorsByChannelCodes(db, [...new Set(codes)])).map((row) => [row.code, row]));
      return codes.map((code) => found.get(code));
    }, { maxBatch: 64, maxInFlight: 1 });
    lookupBatchers.set(db, batcher);
  }
  return batcher.submit(code);
}

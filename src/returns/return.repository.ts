/** All SQL of returns, their lines and the channels' return policies. */
import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { notFound } from '../shared/errors.js';
import type { Return, ReturnPolicy } from './returns.js';
import type { ReturnStatus } from './return-status.js';

export async function loadReturns(db: DbOrTrx, ids: readonly string[]): Promise<Return[]> {
  if (ids.length === 0) return [];
  const result = await sql<{ r: Return }>`
    SELECT json_build_object(
      'id', r.id, 'number', r.number, 'orderId', r.order_id, 'orderNumber', o.number, 'status', r.status,
      'reasonCode', r.reason_code, 'note', r.note, 'decidedNote', r.decided_note, 'location', loc.code,
      'lines', (SELECT coalesce(json_agg(json_build_object(
          'id', rl.id, 'lineId', rl.order_line_id, 'lineNo', ol.line_no, 'sku', k.code, 'quantity', rl.quantity,
          'reasonCode', rl.reason_code, 'received', rl.received, 'restocked', rl.restocked, 'quarantined', rl.quarantined,
          'writtenOff', rl.written_off) ORDER BY ol.line_no), '[]')
        FROM return_lines rl JOIN order_lines ol ON ol.id = rl.order_line_id JOIN skus k ON k.id = rl.sku_id WHERE rl.return_id = r.id),
      'refundId', (SELECT p.id FROM payments p WHERE p.return_id = r.id AND p.kind = 'refund' AND p.status <> 'failed' ORDER BY p.created_at DESC LIMIT 1),
      'createdBy', r.created_by, 'createdAt', r.created_at, 'updatedAt', r.updated_at, 'version', r.version) AS r
    FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS wanted(id, n)
    JOIN returns r ON r.id = wanted.id JOIN orders o ON o.id = r.order_id LEFT JOIN locations loc ON loc.id = r.location_id
    ORDER BY wanted.n`.execute(db);
  return result.rows.map(({ r }) => ({ ...r, createdAt: new Date(r.createdAt).toISOString(), updatedAt: new Date(r.updatedAt).toISOString() }));
}

export async function loadReturn(db: DbOrTrx, id: string): Promise<Return> {
  const [r] = await loadReturns(db, [id]);
  if (!r) throw notFound('return', id);
  return r;
}

export interface ReturnRow { id: string; number: string; orderId: string; status: ReturnStatus; locationId: string | null; version: number }

/** Locks a return (after its order, the lock order of every order command). */
export async function lockReturn(trx: Trx, id: string): Promise<ReturnRow> {
  const row = await trx.selectFrom('returns')
    .select(['id', 'number', 'order_id as orderId', 'status', 'location_id as locationId', 'version'])
    .where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound('return', id);
  return { ...row, status: row.status as ReturnStatus };
}

export async function returnOrderId(db: DbOrTrx, id: string): Promise<string> {
  const row = await db.selectFrom('returns').select('order_id').where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('return', id);
  return row.order_id;
}

export async function returnLinesOf(db: DbOrTrx, returnId: string) {
  return db.selectFrom('return_lines')
    .select(['id', 'order_line_id as lineId', 'sku_id as skuId', 'quantity', 'received', 'restocked', 'quarantined', 'written_off as writtenOff'])
    .where('return_id', '=', returnId).execute();
}

export async function insertReturn(trx: Trx, r: { id: string; orderId: string; reasonCode: string; note: string | null; createdBy: string;
  lines: readonly { id: string; lineId: string; skuId: string; quantity: number; reasonCode: string }[] }): Promise<void> {
  await trx.insertInto('returns').values({
    id: r.id, number: sql<string>`'R-' || lpad(nextval('return_number_seq')::text, 6, '0')`, order_id: r.orderId, status: 'requested',
    reason_code: r.reasonCode, note: r.note, created_by: r.createdBy,
  }).execute();
  await trx.insertInto('return_lines').values(r.lines.map((l) => ({
    id: l.id, return_id: r.id, order_line_id: l.lineId, sku_id: l.skuId, quantity: l.quantity, reason_code: l.reasonCode,
  }))).execute();
}

export async function setReturnStatus(trx: Trx, id: string, status: ReturnStatus, extra: { locationId?: string; decidedNote?: string | null } = {}): Promise<void> {
  await trx.updateTable('returns').set({
    status, version: sql<number>`version + 1`, updated_at: sql<Date>`now()`,
    ...(extra.locationId !== undefined && { location_id: extra.locationId }),
    ...(extra.decidedNote !== undefined && { decided_note: extra.decidedNote }),
  }).where('id', '=', id).execute();
}

export async function writeReturnLines(trx: Trx, lines: readonly { id: string; received: number; restocked: number; quarantined: number; writtenOff: number }[]): Promise<void> {
  await sql`
    UPDATE return_lines rl SET received = x.received, restocked = x.restocked, quarantined = x.quarantined, written_off = x."writtenOff"
    FROM jsonb_to_recordset(${JSON.stringify(lines)}::jsonb) AS x(id uuid, received int, restocked int, quarantined int, "writtenOff" int)
    WHERE rl.id = x.id`.execute(trx);
}

/** Units of each order line in returns still on their way (requested or approved), other than `except`. */
export async function unitsOnTheirWay(db: DbOrTrx, orderId: string): Promise<Map<string, number>> {
  const rows = await sql<{ lineId: string; units: number }>`
    SELECT rl.order_line_id AS "lineId", sum(rl.quantity)::int AS units
    FROM return_lines rl JOIN returns r ON r.id = rl.return_id
    WHERE r.order_id = ${orderId} AND r.status IN ('requested', 'approved')
    GROUP BY 1`.execute(db);
  return new Map(rows.rows.map((r) => [r.lineId, Number(r.units)]));
}

/** When the order's goods reached the customer: the last delivery, or the last shipment if none was delivered. */
export async function handedOverAt(db: DbOrTrx, orderId: string): Promise<Date | null> {
  const row = await sql<{ at: Date | null }>`SELECT max(coalesce(delivered_at, shipped_at)) AS at FROM shipments WHERE order_id = ${orderId}`.execute(db);
  return row.rows[0]?.at ?? null;
}

export async function policyOf(db: DbOrTrx, channelId: string): Promise<ReturnPolicy> {
  const row = await sql<ReturnPolicy>`
    SELECT ch.id AS "channelId", ch.return_window_days AS "windowDays", coalesce(p.restocking_fee_bps, 0) AS "restockingFeeBps",
           coalesce(p.refund_shipping, false) AS "refundShipping",
           coalesce((SELECT array_agg(k.code ORDER BY k.code) FROM skus k WHERE k.id = ANY(p.non_returnable_skus)), '{}') AS "nonReturnableSkus"
    FROM channels ch LEFT JOIN return_policies p ON p.channel_id = ch.id
    WHERE ch.id = ${channelId}`.execute(db);
  const policy = row.rows[0];
  if (!policy) throw notFound('channel', channelId);
  return policy;
}

export async function nonReturnableSkuIds(db: DbOrTrx, channelId: string): Promise<Set<string>> {
  const row = await db.selectFrom('return_policies').select('non_returnable_skus').where('channel_id', '=', channelId).executeTakeFirst();
  return new Set(row?.non_returnable_skus ?? []);
}

export async function upsertPolicy(trx: Trx, channelId: string, p: { restockingFeeBps?: number; refundShipping?: boolean; skuIds?: string[] }): Promise<void> {
  const values = {
    ...(p.restockingFeeBps !== undefined && { restocking_fee_bps: p.restockingFeeBps }),
    ...(p.refundShipping !== undefined && { refund_shipping: p.refundShipping }),
    ...(p.skuIds !== undefined && { non_returnable_skus: p.skuIds }),
  };
  await trx.insertInto('return_policies').values({ channel_id: channelId, ...values })
    .onConflict((oc) => oc.column('channel_id').doUpdateSet({ ...values, updated_at: sql<Date>`now()` })).execute();
}

export async function listReturnIds(db: DbOrTrx, f: { order?: string; status?: string; beforeId?: string; limit: number }): Promise<string[]> {
  let q = db.selectFrom('returns').select('id').orderBy('id', 'desc').limit(f.limit);
  if (f.order !== undefined) q = q.where('order_id', '=', f.order);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return (await q.execute()).map((r) => r.id);
}

/**
 * SQL of fulfilment orders: creating them with their lines, locking them, moving their status with the event in the
 * same statement, and the views. Lock order, as everywhere: the order (order module) first, then its fulfilment
 * orders, then stock rows (inventory module).
 */
import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { AppError, notFound } from '../shared/errors.js';
import type { FulfillmentOrder } from './fulfillment-order.js';
import { fulfillmentStatuses, fulfillmentTransitions, type FulfillmentStatus } from './fulfillment-status.js';

export interface FulfillmentLineState { lineId: string; quantity: number; shipped: number }
export interface FulfillmentOrderState {
  id: string; number: string; orderId: string; locationId: string; locationCode: string; kind: 'ship' | 'pickup';
  status: FulfillmentStatus; version: number; pickupCode: string | null; pickupAttempts: number; readyAt: Date | null;
  lines: FulfillmentLineState[];
}

const stateSelect = sql`
  SELECT f.id, f.number, f.order_id AS "orderId", f.location_id AS "locationId", l.code AS "locationCode", f.kind, f.status,
    f.version, f.pickup_code AS "pickupCode", f.pickup_attempts AS "pickupAttempts", f.ready_at AS "readyAt",
    (SELECT coalesce(json_agg(json_build_object('lineId', x.line_id, 'quantity', x.quantity, 'shipped', x.shipped) ORDER BY x.line_id), '[]')
       FROM fulfillment_order_lines x WHERE x.fulfillment_order_id = f.id) AS lines
  FROM fulfillment_orders f JOIN locations l ON l.id = f.location_id`;

/** Locks one fulfilment order (FOR UPDATE) with its lines; a 404 when there is none. */
export async function lockFulfillmentOrder(trx: Trx, id: string): Promise<FulfillmentOrderState> {
  const result = await sql<FulfillmentOrderState>`${stateSelect} WHERE f.id = ${id} FOR UPDATE OF f`.execute(trx);
  const row = result.rows[0];
  if (!row) throw notFound('fulfillment order', id);
  return row;
}

/** Which order a fulfilment order belongs to (read before the order is locked, so locks are taken order first). */
export async function orderIdOf(db: DbOrTrx, fulfillmentOrderId: string): Promise<string> {
  const row = await db.selectFrom('fulfillment_orders').select('order_id').where('id', '=', fulfillmentOrderId).executeTakeFirst();
  if (!row) throw notFound('fulfillment order', fulfillmentOrderId);
  return row.order_id;
}

/** Locks the open fulfilment orders of an order, in id order. */
export async function lockOpenFulfillmentOrders(trx: Trx, orderId: string): Promise<FulfillmentOrderState[]> {
  const result = await sql<FulfillmentOrderState>`
    ${stateSelect} WHERE f.order_id = ${orderId} AND f.status IN ('requested', 'accepted', 'picking', 'packed', 'ready_for_pickup')
    ORDER BY f.id FOR UPDATE OF f
  `.execute(trx);
  return result.rows;
}

export async function countFulfillmentOrders(trx: Trx, orderId: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM fulfillment_orders WHERE order_id = ${orderId}`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

export async function insertFulfillmentOrder(trx: Trx, f: { id: string; number: string; orderId: string; locationId: string; kind: 'ship' | 'pickup' }): Promise<void> {
  await trx.insertInto('fulfillment_orders').values({ id: f.id, number: f.number, order_id: f.orderId, location_id: f.locationId, kind: f.kind }).execute();
}

/** Sets the quantities of a fulfilment order's lines (inserting new ones); the CHECK keeps shipped ≤ quantity. */
export async function writeFulfillmentLines(trx: Trx, fulfillmentOrderId: string, lines: readonly { lineId: string; quantity: number }[]): Promise<void> {
  if (lines.length === 0) return;
  await sql`
    INSERT INTO fulfillment_order_lines (fulfillment_order_id, line_id, quantity)
    SELECT ${fulfillmentOrderId}::uuid, x.line_id, x.quantity
    FROM jsonb_to_recordset(${JSON.stringify(lines.map((l) => ({ line_id: l.lineId, quantity: l.quantity })))}::jsonb) AS x(line_id uuid, quantity int)
    ON CONFLICT (fulfillment_order_id, line_id) DO UPDATE SET quantity = excluded.quantity
  `.execute(trx);
}

/** Counts shipped units on a fulfilment order's lines. */
export async function addShippedUnits(trx: Trx, fulfillmentOrderId: string, lines: readonly { lineId: string; quantity: number }[]): Promise<void> {
  if (lines.length === 0) return;
  await sql`
    UPDATE fulfillment_order_lines f SET shipped = f.shipped + x.quantity
    FROM jsonb_to_recordset(${JSON.stringify(lines.map((l) => ({ line_id: l.lineId, quantity: l.quantity })))}::jsonb) AS x(line_id uuid, quantity int)
    WHERE f.fulfillment_order_id = ${fulfillmentOrderId} AND f.line_id = x.line_id
  `.execute(trx);
}

const allowedFrom = (to: FulfillmentStatus) => fulfillmentStatuses.filter((from) => (fulfillmentTransitions[from] as readonly string[]).includes(to));

/** The past-tense event of each status a fulfilment order reaches. */
export const fulfillmentStatusEvents: Record<FulfillmentStatus, string> = {
  requested: 'fulfillment.requested',
  accepted: 'fulfillment.accepted',
  picking: 'fulfillment.picking_started',
  packed: 'fulfillment.packed',
  ready_for_pickup: 'fulfillment.ready_for_pickup',
  shipped: 'fulfillment.shipped',
  picked_up: 'fulfillment.picked_up',
  rejected: 'fulfillment.rejected',
  cancelled: 'fulfillment.cancelled',
};

/**
 * Moves a fulfilment order to `to` if its table allows it from its current status, bumping its version and writing
 * the event in the same statement; otherwise a 409 naming the current status and where it may go.
 */
export async function transitionFulfillmentOrder(trx: Trx, id: string, to: FulfillmentStatus, opts: {
  reason?: string; pickupCode?: string; readyAt?: Date; payload?: Record<string, unknown>;
} = {}): Promise<FulfillmentStatus> {
  const result = await sql<{ from: FulfillmentStatus }>`
    WITH prev AS (SELECT id, status FROM fulfillment_orders WHERE id = ${id} FOR UPDATE),
    moved AS (
      UPDATE fulfillment_orders f SET status = ${to}, version = f.version + 1, updated_at = now(),
        reason = coalesce(${opts.reason ?? null}::text, f.reason), pickup_code = coalesce(${opts.pickupCode ?? null}::text, f.pickup_code),
        ready_at = coalesce(${opts.readyAt ?? null}::timestamptz, f.ready_at)
      FROM prev WHERE f.id = prev.id AND prev.status = ANY(${allowedFrom(to)}::text[])
      RETURNING f.*, prev.status AS from_status
    ),
    event AS (
      INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
      SELECT ${fulfillmentStatusEvents[to]}, 'fulfillment_order', m.id::text, m.version,
        jsonb_build_object('fulfillmentOrderId', m.id, 'number', m.number, 'orderId', m.order_id, 'orderNumber', o.number,
          'location', l.code, 'kind', m.kind, 'from', m.from_status, 'to', m.status) || ${JSON.stringify(opts.payload ?? {})}::jsonb
      FROM moved m JOIN orders o ON o.id = m.order_id JOIN locations l ON l.id = m.location_id
    )
    SELECT from_status AS from FROM moved
  `.execute(trx);
  const row = result.rows[0];
  if (row) return row.from;
  const current = await trx.selectFrom('fulfillment_orders').select(['status', 'number']).where('id', '=', id).executeTakeFirst();
  if (!current) throw notFound('fulfillment order', id);
  const from = current.status as FulfillmentStatus;
  throw new AppError('invalid_state', `fulfillment order ${current.number} is ${from}; it can move to ${fulfillmentTransitions[from].join(', ') || 'nothing (final)'}, not to ${to}`, {
    currentStatus: from, allowed: fulfillmentTransitions[from], requested: to,
  });
}

/** Writes an event of a fulfilment order that is not a status change, bumping its version. */
export async function publishFulfillmentEvent(trx: Trx, type: string, id: string, payload: Record<string, unknown>): Promise<void> {
  await sql`
    WITH bumped AS (UPDATE fulfillment_orders SET version = version + 1, updated_at = now() WHERE id = ${id} RETURNING *)
    INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
    SELECT ${type}, 'fulfillment_order', b.id::text, b.version,
      jsonb_build_object('fulfillmentOrderId', b.id, 'number', b.number, 'orderId', b.order_id, 'orderNumber', o.number,
        'location', l.code, 'kind', b.kind, 'from', b.status, 'to', b.status) || ${JSON.stringify(payload)}::jsonb
    FROM bumped b JOIN orders o ON o.id = b.order_id JOIN locations l ON l.id = b.location_id
  `.execute(trx);
}

/** Counts a refused hand-over (outside the refused command's transaction, which rolls back). */
export async function countPickupAttempt(db: DbOrTrx, id: string): Promise<number> {
  const row = await db.updateTable('fulfillment_orders').set((eb) => ({ pickup_attempts: eb('pickup_attempts', '+', 1) }))
    .where('id', '=', id).returning('pickup_attempts').executeTakeFirst();
  return row?.pickup_attempts ?? 0;
}

// ---- views ------------------------------------------------------------------------------------------------------------

interface ViewRow { fo: FulfillmentOrder }

const viewSelect = sql`
  SELECT json_build_object(
    'id', f.id, 'number', f.number, 'orderId', f.order_id, 'orderNumber', o.number, 'location', loc.code, 'kind', f.kind,
    'status', f.status, 'version', f.version, 'readyAt', f.ready_at, 'pickupAttempts', f.pickup_attempts, 'reason', f.reason,
    'createdAt', f.created_at, 'updatedAt', f.updated_at,
    'lines', (SELECT coalesce(json_agg(json_build_object('lineId', x.line_id, 'lineNo', ol.line_no, 'sku', k.code, 'name', k.name,
        'quantity', x.quantity, 'shipped', x.shipped, 'open', x.quantity - x.shipped) ORDER BY ol.line_no), '[]')
      FROM fulfillment_order_lines x JOIN order_lines ol ON ol.id = x.line_id JOIN skus k ON k.id = ol.sku_id
      WHERE x.fulfillment_order_id = f.id AND x.quantity > 0)
  ) AS fo
  FROM fulfillment_orders f JOIN orders o ON o.id = f.order_id JOIN locations loc ON loc.id = f.location_id`;

const iso = (v: string | null) => (v ? new Date(v).toISOString() : null);
const toView = (r: ViewRow): FulfillmentOrder => ({
  ...r.fo, readyAt: iso(r.fo.readyAt), createdAt: iso(r.fo.createdAt) as string, updatedAt: iso(r.fo.updatedAt) as string,
});

export async function loadFulfillmentOrder(db: DbOrTrx, id: string): Promise<FulfillmentOrder> {
  const result = await sql<ViewRow>`${viewSelect} WHERE f.id = ${id}`.execute(db);
  const row = result.rows[0];
  if (!row) throw notFound('fulfillment order', id);
  return toView(row);
}

export async function listFulfillmentOrders(db: DbOrTrx, q: {
  location?: string; status?: readonly FulfillmentStatus[]; orderId?: string; afterId?: string; limit: number;
}): Promise<FulfillmentOrder[]> {
  const result = await sql<ViewRow>`${viewSelect}
    WHERE (${q.location ?? null}::text IS NULL OR loc.code = ${q.location ?? null})
      AND (${q.status ?? null}::text[] IS NULL OR f.status = ANY(${q.status ?? null}::text[]))
      AND (${q.orderId ?? null}::uuid IS NULL OR f.order_id = ${q.orderId ?? null})
      AND (${q.afterId ?? null}::uuid IS NULL OR f.id > ${q.afterId ?? null}::uuid)
    ORDER BY f.id LIMIT ${q.limit}
  `.execute(db);
  return result.rows.map(toView);
}

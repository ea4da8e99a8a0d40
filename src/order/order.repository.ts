/** SQL for orders: loading the order view, status transitions with their timeline row and event, timeline reads. */
import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Order } from './order.js';
import { canTransition, orderStatuses, transitions, type OrderStatus } from './order-status.js';

/** Loads full order views (lines, holds, flags) in one statement, in the order of `ids`. */
export async function loadOrders(db: DbOrTrx, ids: readonly string[]): Promise<Order[]> {
  if (ids.length === 0) return [];
  const result = await sql<{ order: Order }>`
    SELECT json_build_object(
      'id', o.id, 'number', o.number, 'channel', ch.code, 'externalRef', o.external_ref, 'status', o.status,
      'customer', json_build_object('id', c.id, 'name', c.name, 'email', c.email, 'phone', c.phone),
      'currency', o.currency,
      'totals', json_build_object('subtotalMinor', o.subtotal_minor, 'discountMinor', o.discount_minor,
                                  'shippingMinor', o.shipping_minor, 'taxMinor', o.tax_minor, 'totalMinor', o.total_minor),
      'payment', CASE WHEN o.payment_method IS NULL THEN NULL
                      ELSE json_build_object('method', o.payment_method, 'authorizedMinor', o.payment_authorized_minor) END,
      'deliveryMethod', o.delivery_method, 'pickupLocation', pl.code,
      'shippingAddress', o.shipping_address, 'billingAddress', o.billing_address, 'buyerRemark', o.buyer_remark,
      'purchaseOrderNumber', o.purchase_order_number, 'enteredBy', o.entered_by,
      'lines', (SELECT coalesce(json_agg(json_build_object(
          'id', l.id, 'lineNo', l.line_no, 'sku', k.code, 'skuId', l.sku_id, 'location', ll.code, 'quantity', l.quantity,
          'allocated', l.allocated, 'shipped', l.shipped, 'cancelled', l.cancelled, 'returned', l.returned,
          'backordered', l.backordered, 'unitPriceMinor', l.unit_price_minor, 'discountMinor', l.discount_minor,
          'taxMinor', l.tax_minor,
          'totalMinor', l.unit_price_minor * (l.quantity - l.cancelled) - l.discount_minor + l.tax_minor)
          ORDER BY l.line_no), '[]')
        FROM order_lines l JOIN skus k ON k.id = l.sku_id LEFT JOIN locations ll ON ll.id = l.location_id
        WHERE l.order_id = o.id),
      'holds', (SELECT coalesce(json_agg(json_build_object(
          'id', h.id, 'reasonCode', h.reason_code, 'rule', r.code, 'note', h.note, 'status', h.status,
          'createdAt', h.created_at, 'decidedAt', h.decided_at, 'decidedBy', h.decided_by) ORDER BY h.created_at, h.id), '[]')
        FROM order_holds h LEFT JOIN review_rules r ON r.id = h.rule_id WHERE h.order_id = o.id),
      'flags', (SELECT coalesce(json_agg(f.reason_code ORDER BY f.reason_code), '[]') FROM order_flags f WHERE f.order_id = o.id),
      'trackingToken', o.tracking_token, 'mergedInto', o.merged_into_id, 'splitFrom', o.split_from_id,
      'placedAt', o.placed_at, 'updatedAt', o.updated_at, 'version', o.version
    ) AS order
    FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS wanted(id, n)
    JOIN orders o ON o.id = wanted.id
    JOIN channels ch ON ch.id = o.channel_id
    JOIN customers c ON c.id = o.customer_id
    LEFT JOIN locations pl ON pl.id = o.pickup_location_id
    ORDER BY wanted.n
  `.execute(db);
  return result.rows.map((r) => ({ ...r.order, placedAt: iso(r.order.placedAt), updatedAt: iso(r.order.updatedAt),
    holds: r.order.holds.map((h) => ({ ...h, createdAt: iso(h.createdAt), decidedAt: h.decidedAt ? iso(h.decidedAt) : null })) }));
}

// json_build_object renders timestamptz as '2026-11-24T04:30:00.123+00:00'; the API speaks ISO 8601 in UTC with Z.
const iso = (value: string) => new Date(value).toISOString();

export async function loadOrder(db: DbOrTrx, id: string): Promise<Order> {
  const [order] = await loadOrders(db, [id]);
  if (!order) throw notFound('order', id);
  return order;
}

/** The past-tense event each status change publishes. */
export const statusEvents = {
  received: 'order.received',
  on_hold: 'order.held',
  confirmed: 'order.confirmed',
  allocated: 'order.allocated',
  in_fulfillment: 'order.released_to_fulfillment',
  partially_shipped: 'order.partially_shipped',
  shipped: 'order.shipped',
  delivered: 'order.delivered',
  completed: 'order.completed',
  cancelled: 'order.cancelled',
} as const satisfies Record<OrderStatus, string>;

const allowedFrom = (to: OrderStatus) => orderStatuses.filter((from) => canTransition(from, to));

export interface TimelineEntry {
  type: string;
  message: string;
  details?: Record<string, unknown>;
  fromStatus?: OrderStatus | null;
  toStatus?: OrderStatus | null;
}

/**
 * Moves an order to `to` if the transition table allows it from its current status, writing the timeline row and the
 * event in the same statement. Otherwise a 409 naming the current status and the ones it may move to.
 */
export async function transitionOrder(trx: Trx, orderId: string, to: OrderStatus, actor: string, entry: Omit<TimelineEntry, 'fromStatus' | 'toStatus'>): Promise<OrderStatus> {
  const result = await sql<{ from: OrderStatus; version: number }>`
    WITH prev AS (SELECT id, status FROM orders WHERE id = ${orderId} FOR UPDATE),
    moved AS (
      UPDATE orders o SET status = ${to}, version = o.version + 1, updated_at = now()
      FROM prev WHERE o.id = prev.id AND prev.status = ANY(${allowedFrom(to)}::text[])
      RETURNING o.id, prev.status AS from, o.version
    ),
    timeline AS (
      INSERT INTO order_timeline (order_id, actor, type, from_status, to_status, message, details)
      SELECT id, ${actor}, ${entry.type}, moved.from, ${to}, ${entry.message}, ${JSON.stringify(entry.details ?? {})}::jsonb FROM moved
    ),
    event AS (
      INSERT INTO outbox_events (type, aggregate_type, aggregate_id, payload)
      SELECT ${statusEvents[to]}, 'order', id::text,
             jsonb_build_object('orderId', id, 'from', moved.from, 'to', ${to}::text, 'version', version) FROM moved
    )
    SELECT moved.from, moved.version FROM moved
  `.execute(trx);
  const row = result.rows[0];
  if (row) return row.from;
  const current = await trx.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirst();
  if (!current) throw notFound('order', orderId);
  const from = current.status;
  throw new AppError('invalid_state', `the order is ${from}; it can move to ${transitions[from].join(', ') || 'nothing (final)'}, not to ${to}`, {
    currentStatus: from, allowed: transitions[from], requested: to,
  });
}

/** Adds timeline rows (and, with `event`, an outbox event each) for changes that are not status changes. */
export async function addTimeline(trx: Trx, orderId: string, actor: string, entries: readonly (TimelineEntry & { event?: string })[]): Promise<void> {
  if (entries.length === 0) return;
  await sql`
    WITH e AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(entries.map((x) => ({ ...x, details: x.details ?? {} })))}::jsonb)
        AS x(type text, message text, details jsonb, "fromStatus" text, "toStatus" text, event text)
    ),
    t AS (
      INSERT INTO order_timeline (order_id, actor, type, from_status, to_status, message, details)
      SELECT ${orderId}::uuid, ${actor}, type, "fromStatus", "toStatus", message, details FROM e
    )
    INSERT INTO outbox_events (type, aggregate_type, aggregate_id, payload)
    SELECT event, 'order', ${orderId}, jsonb_build_object('orderId', ${orderId}::text) || details FROM e WHERE event IS NOT NULL
  `.execute(trx);
}

export async function listTimeline(db: DbOrTrx, orderId: string) {
  return db.selectFrom('order_timeline')
    .select(['id', 'at', 'actor', 'type', 'from_status as fromStatus', 'to_status as toStatus', 'message', 'details'])
    .where('order_id', '=', orderId).orderBy('id').execute();
}

/**
 * All SQL of an order after capture: locking it with its lines (the one model, `OrderState`), writing lines,
 * totals, details and status, the timeline and the outbox; loading the order view. Capture writes its orders in one
 * statement of its own (capture.repository.ts).
 *
 * Lock order, the same on every path: order rows (in id order), their lines, then reservations, then stock rows
 * (inside the inventory module). Capture takes them in that order too, so order commands never deadlock with each
 * other or with capture.
 */
import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { AppError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Address, Order, Totals } from './order.js';
import { signatureOf, type Charges, type LineState, type OrderState } from './order-state.js';
import { canTransition, orderStatuses, transitions, type OrderStatus } from './order-status.js';

/**
 * Locks orders (FOR UPDATE, in id order) and then their lines, and returns them as `OrderState`, in id order. Two
 * statements on purpose: under READ COMMITTED a statement that waited for a lock still reads other rows as of its
 * start, so lines read in the locking statement could predate the command we waited for; the second statement sees
 * everything committed before the locks were ours.
 */
export async function lockOrders(trx: Trx, ids: readonly string[]): Promise<OrderState[]> {
  const orders = await sql<Omit<OrderState, 'lines' | 'totals'> & Totals>`
    SELECT o.id, o.number, o.status, o.version, o.channel_id AS "channelId", ch.presale_days AS "presaleDays",
      ch.allow_backorder AS "allowBackorder", o.customer_id AS "customerId", o.currency, o.delivery_method AS "deliveryMethod",
      o.pickup_location_id AS "pickupLocationId", o.external_ref AS "externalRef", o.placed_at AS "placedAt",
      o.subtotal_minor AS "subtotalMinor", o.discount_minor AS "discountMinor", o.shipping_minor AS "shippingMinor",
      o.tax_minor AS "taxMinor", o.total_minor AS "totalMinor", o.shipping_tax_minor AS "shippingTaxMinor",
      o.unallocated_discount_minor AS "unallocatedDiscountMinor", o.shipping_address AS "shippingAddress",
      o.billing_address AS "billingAddress", o.buyer_remark AS "buyerRemark"
    FROM orders o JOIN channels ch ON ch.id = o.channel_id
    WHERE o.id = ANY(${ids}::uuid[]) ORDER BY o.id FOR UPDATE OF o
  `.execute(trx);
  const lines = await sql<LineState>`
    SELECT l.id, l.order_id AS "orderId", l.line_no AS "lineNo", l.sku_id AS "skuId", k.code AS sku, l.location_id AS "locationId",
      l.quantity, l.allocated, l.shipped, l.cancelled, l.returned, l.backordered, l.unit_price_minor AS "unitPriceMinor",
      l.discount_minor AS "discountMinor", l.order_discount_minor AS "orderDiscountMinor", l.tax_minor AS "taxMinor",
      l.split_from_line_no AS "splitFromLineNo"
    FROM order_lines l JOIN skus k ON k.id = l.sku_id
    WHERE l.order_id = ANY(${ids}::uuid[]) ORDER BY l.order_id, l.line_no FOR UPDATE OF l
  `.execute(trx);
  return orders.rows.map(({ subtotalMinor, discountMinor, shippingMinor, taxMinor, totalMinor, ...o }) => ({
    ...o,
    totals: { subtotalMinor, discountMinor, shippingMinor, taxMinor, totalMinor },
    lines: lines.rows.filter((l) => l.orderId === o.id),
  }));
}

/** Locks one order with its lines; a 404 when there is none. */
export async function lockOrder(trx: Trx, id: string): Promise<OrderState> {
  const [order] = await lockOrders(trx, [id]);
  if (!order) throw notFound('order', id);
  return order;
}

/**
 * Writes lines as they now are: inserts new ones and sets every counter and amount of existing ones, in one
 * statement. The only way line counters change after capture; the table's CHECKs refuse any result that breaks
 * "every unit is in exactly one state", and the order row lock (held by every caller) serialises the writers.
 */
export async function writeLines(trx: Trx, lines: readonly LineState[]): Promise<void> {
  if (lines.length === 0) return;
  await sql`
    INSERT INTO order_lines (id, order_id, line_no, sku_id, location_id, quantity, allocated, shipped, cancelled, returned,
      backordered, unit_price_minor, discount_minor, order_discount_minor, tax_minor, split_from_line_no)
    SELECT * FROM jsonb_to_recordset(${JSON.stringify(lines.map((l) => ({
      id: l.id, order_id: l.orderId, line_no: l.lineNo, sku_id: l.skuId, location_id: l.locationId, quantity: l.quantity,
      allocated: l.allocated, shipped: l.shipped, cancelled: l.cancelled, returned: l.returned, backordered: l.backordered,
      unit_price_minor: l.unitPriceMinor, discount_minor: l.discountMinor, order_discount_minor: l.orderDiscountMinor, tax_minor: l.taxMinor,
      split_from_line_no: l.splitFromLineNo ?? null,
    })))}::jsonb) AS x(id uuid, order_id uuid, line_no int, sku_id uuid, location_id uuid, quantity int, allocated int,
      shipped int, cancelled int, returned int, backordered int, unit_price_minor bigint, discount_minor bigint,
      order_discount_minor bigint, tax_minor bigint, split_from_line_no int)
    ON CONFLICT (id) DO UPDATE SET location_id = excluded.location_id, quantity = excluded.quantity,
      allocated = excluded.allocated, shipped = excluded.shipped, cancelled = excluded.cancelled, returned = excluded.returned,
      backordered = excluded.backordered, discount_minor = excluded.discount_minor,
      order_discount_minor = excluded.order_discount_minor, tax_minor = excluded.tax_minor,
      -- A line becomes a part when it is split after capture (re-sourcing, a backorder fill); a part stays one.
      split_from_line_no = coalesce(excluded.split_from_line_no, order_lines.split_from_line_no)
  `.execute(trx);
}

/** Removes lines (a split that moved every unit of a line: it lives on, whole, in the new order). */
export async function deleteLines(trx: Trx, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await trx.deleteFrom('order_lines').where('id', 'in', ids).execute();
}

/** Writes an order's totals, the money no line holds and its items signature, and bumps its version; returns the new version. */
export async function writeOrderTotals(trx: Trx, orderId: string, totals: Totals, charges: Charges, lines: readonly LineState[]): Promise<number> {
  const row = await trx.updateTable('orders').set({
    subtotal_minor: totals.subtotalMinor, discount_minor: totals.discountMinor, shipping_minor: totals.shippingMinor,
    tax_minor: totals.taxMinor, total_minor: totals.totalMinor, shipping_tax_minor: charges.shippingTaxMinor,
    unallocated_discount_minor: charges.unallocatedDiscountMinor,
    items_signature: signatureOf(lines), version: sql`version + 1`, updated_at: sql`now()`,
  }).where('id', '=', orderId).returning('version').executeTakeFirstOrThrow();
  return row.version;
}

/** Bumps the order's version and updated_at for changes that are not a status change (those go through transitionOrder). */
export async function touchOrder(trx: Trx, orderId: string): Promise<void> {
  await sql`UPDATE orders SET version = version + 1, updated_at = now() WHERE id = ${orderId}`.execute(trx);
}

/** Writes the addresses, the remark and the search text; bumps the version and returns it. */
export async function writeOrderDetails(trx: Trx, orderId: string, d: {
  shippingAddress: Address | null; billingAddress: Address | null; buyerRemark: string | null; searchText: string;
}): Promise<number> {
  const row = await trx.updateTable('orders').set({
    shipping_address: d.shippingAddress ? JSON.stringify(d.shippingAddress) : null,
    billing_address: d.billingAddress ? JSON.stringify(d.billingAddress) : null,
    buyer_remark: d.buyerRemark, search_text: d.searchText, version: sql`version + 1`, updated_at: sql`now()`,
  }).where('id', '=', orderId).returning('version').executeTakeFirstOrThrow();
  return row.version;
}

/** What the order's search text is built from besides its addresses: its customer and external reference. */
export async function searchFactsOf(trx: Trx, orderId: string): Promise<{ name: string; email: string | null; phone: string | null; company: string | null; externalRef: string }> {
  return trx.selectFrom('orders').innerJoin('customers', 'customers.id', 'orders.customer_id')
    .select(['customers.name', 'customers.email', 'customers.phone', 'customers.company', 'orders.external_ref as externalRef'])
    .where('orders.id', '=', orderId).executeTakeFirstOrThrow();
}

/** Marks orders as merged into `targetId`. */
export async function markMerged(trx: Trx, ids: readonly string[], targetId: string): Promise<void> {
  await trx.updateTable('orders').set({ merged_into_id: targetId }).where('id', 'in', ids).execute();
}

/** The next split number of an order: W100123-2, -3… (the original row is locked, so two splits cannot pick the same). */
export async function nextSplitNumber(trx: Trx, orderId: string): Promise<number> {
  return (await sql<{ n: number }>`SELECT count(*)::int + 2 AS n FROM orders WHERE split_from_id = ${orderId}`.execute(trx)).rows[0]?.n ?? 2;
}

/**
 * Inserts the order split off `fromId`: the same channel, customer, addresses and currency, its own number, external
 * reference, totals and tracking token. The payment authorisation stays with the original: it is the provider's, per order.
 */
export async function insertSplitOrder(trx: Trx, fromId: string, o: {
  id: string; number: string; n: number; status: OrderStatus; totals: Totals; trackingToken: string; itemsSignature: string;
}): Promise<void> {
  await sql`
    INSERT INTO orders (id, number, channel_id, external_ref, customer_id, status, currency, subtotal_minor, discount_minor,
      shipping_minor, tax_minor, total_minor, payment_method, payment_authorized_minor, delivery_method, pickup_location_id,
      shipping_address, billing_address, buyer_remark, purchase_order_number, entered_by, search_text, tracking_token,
      items_signature, split_from_id, placed_at, promised_delivery_date)
    SELECT ${o.id}, ${o.number}, channel_id, external_ref || '/' || ${o.n}, customer_id, ${o.status}, currency, ${o.totals.subtotalMinor},
      ${o.totals.discountMinor}, ${o.totals.shippingMinor}, ${o.totals.taxMinor}, ${o.totals.totalMinor},
      payment_method, 0, delivery_method, pickup_location_id, shipping_address, billing_address, buyer_remark, purchase_order_number,
      entered_by, search_text, ${o.trackingToken}, ${o.itemsSignature}, id, placed_at, promised_delivery_date
    FROM orders WHERE id = ${fromId}
  `.execute(trx);
}

export async function markShipmentsDelivered(trx: Trx, orderId: string, deliveredAt: Date): Promise<void> {
  await sql`UPDATE shipments SET delivered_at = ${deliveredAt}, status = 'delivered', status_at = ${deliveredAt}, version = version + 1 WHERE order_id = ${orderId} AND delivered_at IS NULL`.execute(trx);
}

/** Writes an order event at the order's current version (the order is locked by the command writing it). */
export async function publishOrderEvent(trx: Trx, type: string, orderId: string, payload: Record<string, unknown>): Promise<void> {
  await sql`
    INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
    SELECT ${type}, 'order', ${orderId}, o.version, ${JSON.stringify({ orderId, ...payload })}::jsonb FROM orders o WHERE o.id = ${orderId}
  `.execute(trx);
}

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
          'orderDiscountMinor', l.order_discount_minor, 'taxMinor', l.tax_minor,
          'totalMinor', l.unit_price_minor * (l.quantity - l.cancelled) - l.discount_minor - l.order_discount_minor + l.tax_minor,
          'splitFromLineNo', l.split_from_line_no)
          ORDER BY l.line_no), '[]')
        FROM order_lines l JOIN skus k ON k.id = l.sku_id LEFT JOIN locations ll ON ll.id = l.location_id
        WHERE l.order_id = o.id),
      'holds', (SELECT coalesce(json_agg(json_build_object(
          'id', h.id, 'reasonCode', h.reason_code, 'rule', r.code, 'note', h.note, 'status', h.status,
          'createdAt', h.created_at, 'decidedAt', h.decided_at, 'decidedBy', h.decided_by) ORDER BY h.created_at, h.id), '[]')
        FROM order_holds h LEFT JOIN review_rules r ON r.id = h.rule_id WHERE h.order_id = o.id),
      'flags', (SELECT coalesce(json_agg(f.reason_code ORDER BY f.reason_code), '[]') FROM order_flags f WHERE f.order_id = o.id),
      'trackingToken', o.tracking_token, 'mergedInto', o.merged_into_id, 'splitFrom', o.split_from_id,
      'placedAt', o.placed_at, 'updatedAt', o.updated_at, 'version', o.version,
      'sourcing', (SELECT d.explanation->>'summary' FROM sourcing_decisions d WHERE d.order_id = o.id ORDER BY d.seq DESC LIMIT 1),
      'promisedDeliveryDate', o.promised_delivery_date
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
      INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
      SELECT ${statusEvents[to]}, 'order', id::text, version,
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
    INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
    SELECT event, 'order', ${orderId}, (SELECT version FROM orders WHERE id = ${orderId}::uuid),
           jsonb_build_object('orderId', ${orderId}::text) || details FROM e WHERE event IS NOT NULL
  `.execute(trx);
}

export async function listTimeline(db: DbOrTrx, orderId: string) {
  return db.selectFrom('order_timeline')
    .select(['id', 'at', 'actor', 'type', 'from_status as fromStatus', 'to_status as toStatus', 'message', 'details'])
    .where('order_id', '=', orderId).orderBy('id').execute();
}

/** The orders of order lines, by line id: what the availability explanation names as holding a reservation. */
export async function ordersOfLines(db: DbOrTrx, lineIds: readonly string[]): Promise<Map<string, { id: string; number: string }>> {
  const ids = lineIds.filter(isUuid);
  if (ids.length === 0) return new Map();
  const rows = await sql<{ lineId: string; id: string; number: string }>`
    SELECT l.id::text AS "lineId", o.id, o.number FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.id = ANY(${ids}::uuid[])`.execute(db);
  return new Map(rows.rows.map((r) => [r.lineId, { id: r.id, number: r.number }]));
}

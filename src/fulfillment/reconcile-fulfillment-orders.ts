/**
 * Keeping an order's fulfilment orders in step with its lines: the one place they are created, grown, shrunk and
 * closed. Called when the order is released to the warehouse (`create`), and by the order module's hook after every
 * command that may take units back or move the order out of the warehouse (cancel, recall, a hold decided).
 *
 * The rule: while the order is in the warehouse (in_fulfillment, partially_shipped, on_hold from there, shipped), each
 * open fulfilment order holds at most the units its location still has reserved for each line; one left with nothing
 * open is shipped (when some of it shipped) or cancelled. An order back before the warehouse (allocated, confirmed) or
 * cancelled has no open fulfilment order. Releasing adds the reserved units no open fulfilment order holds yet, to
 * the open one of their location or to a new one (one open per order and location).
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import { addTimeline, lockOrder, openUnits, type OrderState } from '../order/index.js';
import { newId } from '../shared/ids.js';
import {
  countFulfillmentOrders, insertFulfillmentOrder, lockOpenFulfillmentOrders, publishFulfillmentEvent, transitionFulfillmentOrder,
  writeFulfillmentLines,
} from './fulfillment-order.repository.js';

const inWarehouse = new Set(['in_fulfillment', 'partially_shipped', 'on_hold', 'shipped', 'delivered', 'completed']);

export async function reconcileFulfillmentOrders(trx: Trx, orderId: string, actor: string, opts: { create: boolean; reason: string }): Promise<void> {
  const order = await lockOrder(trx, orderId);
  const open = await lockOpenFulfillmentOrders(trx, orderId);
  const keepOpen = inWarehouse.has(order.status);
  const byLine = new Map(order.lines.map((l) => [l.id, l]));

  for (const fo of open) {
    const changes: { lineId: string; sku: string; quantity: { from: number; to: number } }[] = [];
    for (const fl of fo.lines) {
      const line = byLine.get(fl.lineId);
      const reserved = keepOpen && line && line.locationId === fo.locationId ? line.allocated : 0;
      if (fl.quantity - fl.shipped > reserved) {
        changes.push({ lineId: fl.lineId, sku: line?.sku ?? '?', quantity: { from: fl.quantity, to: fl.shipped + reserved } });
      }
    }
    if (changes.length === 0) continue;
    await writeFulfillmentLines(trx, fo.id, changes.map((c) => ({ lineId: c.lineId, quantity: c.quantity.to })));
    const left = fo.lines.map((fl) => changes.find((c) => c.lineId === fl.lineId)?.quantity.to ?? fl.quantity)
      .reduce((a, q, i) => a + q - (fo.lines[i]?.shipped ?? 0), 0);
    if (left > 0) {
      await publishFulfillmentEvent(trx, 'fulfillment.changed', fo.id, { lines: changes });
    } else if (fo.lines.some((fl) => fl.shipped > 0) && fo.status !== 'ready_for_pickup') {
      await transitionFulfillmentOrder(trx, fo.id, 'shipped');
    } else {
      await transitionFulfillmentOrder(trx, fo.id, 'cancelled', { reason: opts.reason, payload: { reason: opts.reason } });
      await addTimeline(trx, orderId, actor, [{ type: 'fulfillment_cancelled', message: `Fulfilment order ${fo.number} at ${fo.locationCode} withdrawn: ${opts.reason}`, details: { fulfillmentOrderId: fo.id } }]);
    }
  }
  if (opts.create && (order.status === 'in_fulfillment' || order.status === 'partially_shipped')) await createMissing(trx, order, actor);
}

/** Adds the reserved units no open fulfilment order holds yet. */
async function createMissing(trx: Trx, order: OrderState, actor: string): Promise<void> {
  // Re-read the open ones: the shrinking above may have closed some.
  const current = await lockOpenFulfillmentOrders(trx, order.id);
  const byLocation = new Map<string, { lineId: string; add: number }[]>();
  for (const line of order.lines) {
    if (!line.locationId || line.allocated <= 0 || openUnits(line) <= 0) continue;
    const held = current.filter((f) => f.locationId === line.locationId)
      .reduce((a, f) => a + f.lines.filter((x) => x.lineId === line.id).reduce((b, x) => b + x.quantity - x.shipped, 0), 0);
    const add = line.allocated - held;
    if (add > 0) byLocation.set(line.locationId, [...(byLocation.get(line.locationId) ?? []), { lineId: line.id, add }]);
  }
  let n = await countFulfillmentOrders(trx, order.id);
  for (const [locationId, adds] of [...byLocation].sort(([a], [b]) => a.localeCompare(b))) {
    const existing = current.find((f) => f.locationId === locationId);
    if (existing) {
      const lines = adds.map((a) => {
        const fl = existing.lines.find((x) => x.lineId === a.lineId);
        return { lineId: a.lineId, from: fl?.quantity ?? 0, to: (fl?.quantity ?? 0) + a.add };
      });
      await writeFulfillmentLines(trx, existing.id, lines.map((l) => ({ lineId: l.lineId, quantity: l.to })));
      const skus = new Map(order.lines.map((l) => [l.id, l.sku]));
      await publishFulfillmentEvent(trx, 'fulfillment.changed', existing.id, {
        lines: lines.map((l) => ({ lineId: l.lineId, sku: skus.get(l.lineId) ?? '?', quantity: { from: l.from, to: l.to } })),
      });
      continue;
    }
    n += 1;
    const id = newId();
    const number = `${order.number}-F${n}`;
    const kind = order.deliveryMethod === 'pickup' && order.pickupLocationId === locationId ? 'pickup' : 'ship';
    await insertFulfillmentOrder(trx, { id, number, orderId: order.id, locationId, kind });
    await writeFulfillmentLines(trx, id, adds.map((a) => ({ lineId: a.lineId, quantity: a.add })));
    await publishRequested(trx, id);
    await addTimeline(trx, order.id, actor, [{ type: 'fulfillment_requested', message: `Fulfilment order ${number} sent to its location (${kind})`, details: { fulfillmentOrderId: id, number } }]);
  }
}

/** `fulfillment.requested`: everything a WMS or a store needs to pick and ship, in one event (no read back needed). */
async function publishRequested(trx: Trx, id: string): Promise<void> {
  await sql`
    INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
    SELECT 'fulfillment.requested', 'fulfillment_order', f.id::text, f.version,
      jsonb_build_object('fulfillmentOrderId', f.id, 'number', f.number, 'orderId', f.order_id, 'orderNumber', o.number,
        'location', l.code, 'kind', f.kind, 'from', NULL, 'to', f.status,
        'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object('lineId', x.line_id, 'lineNo', ol.line_no, 'sku', k.code, 'name', k.name,
            'quantity', x.quantity) ORDER BY ol.line_no), '[]'::jsonb)
          FROM fulfillment_order_lines x JOIN order_lines ol ON ol.id = x.line_id JOIN skus k ON k.id = ol.sku_id
          WHERE x.fulfillment_order_id = f.id AND x.quantity > 0),
        'shipTo', CASE WHEN f.kind = 'ship' THEN o.shipping_address ELSE NULL END,
        'buyerRemark', o.buyer_remark, 'carrierHint', NULL)
    FROM fulfillment_orders f JOIN orders o ON o.id = f.order_id JOIN locations l ON l.id = f.location_id
    WHERE f.id = ${id}
  `.execute(trx);
}

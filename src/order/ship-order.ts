/**
 * Shipping some or all reserved units of an order handed to the warehouse: the reservations are committed (on hand and
 * reserved both go down, a 'shipment' row in the ledger), the lines count the units shipped, and the order becomes
 * partially shipped or shipped. The parcel itself — its carrier, service, fulfilment order and tracking — is the
 * fulfilment module's (src/fulfillment/ship-fulfillment-order.ts), which calls this in the same transaction; the
 * order-level route `POST /v1/orders/{id}/ship` lives there too.
 */
import type { Trx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { moveLineStock } from './line-stock.js';
import { addTimeline, touchOrder, transitionOrder, writeLines } from './order.repository.js';
import { lockOrder } from './order.repository.js';
import { openUnits, pickLines, requireStatus, type OrderState } from './order-state.js';
import type { OrderStatus } from './order-status.js';

export interface ShipUnits {
  /** The shipment's id: the ledger's reference for the committed stock. */
  shipmentId: string;
  lines: readonly { lineId: string; quantity: number }[];
  carrier: string | null;
  trackingNumber: string | null;
}

export interface ShippedUnits {
  /** The order as it was locked, before the units shipped. */
  before: OrderState;
  lines: { lineId: string; quantity: number }[];
  status: OrderStatus;
}

/**
 * Ships units of a locked (or to-be-locked) order. Refuses, with the numbers, a status the warehouse does not hold and
 * more units than a line has reserved.
 */
export async function shipOrderUnits(trx: Trx, orderId: string, input: ShipUnits, actor: string): Promise<ShippedUnits> {
  const order = await lockOrder(trx, orderId);
  // Only the warehouse ships, and it has the order only once it was released to it.
  requireStatus(order, 'it can ship', ['in_fulfillment', 'partially_shipped']);
  const picked = pickLines(order, input.lines);
  const over = picked.filter((p) => p.quantity > p.line.allocated);
  if (over.length > 0) {
    throw new AppError('invalid_state', `cannot ship more than a line has reserved: ${over.map((p) => `line ${p.line.lineNo} has ${p.line.allocated} allocated, not ${p.quantity}`).join('; ')}`, {
      lines: over.map((p) => ({ index: p.index, lineId: p.line.id, requested: p.quantity, allocated: p.line.allocated })),
    });
  }
  const { shipmentId, carrier, trackingNumber } = input;
  for (const p of picked) {
    await moveLineStock(trx, p.line.id, 'commit', p.quantity, { actor, ref: { type: 'shipment', id: shipmentId } });
  }
  await writeLines(trx, picked.map((p) => ({ ...p.line, shipped: p.line.shipped + p.quantity, allocated: p.line.allocated - p.quantity })));
  const lines = picked.map((p) => ({ lineId: p.line.id, quantity: p.quantity }));
  await addTimeline(trx, orderId, actor, [{
    type: 'shipment_created',
    message: `Shipped ${picked.map((p) => `${p.quantity} of line ${p.line.lineNo}`).join(', ')}${carrier ? ` with ${carrier}` : ''}${trackingNumber ? ` (${trackingNumber})` : ''}`,
    details: { shipmentId, carrier, trackingNumber, lines },
    event: 'order.shipment_created',
  }]);

  const everything = order.lines.every((l) => openUnits(l) === (picked.find((p) => p.line.id === l.id)?.quantity ?? 0));
  let status: OrderStatus = order.status;
  if (everything) {
    await transitionOrder(trx, orderId, 'shipped', actor, { type: 'status_changed', message: 'Every unit shipped', details: { shipmentId } });
    status = 'shipped';
  } else if (order.status === 'in_fulfillment') {
    await transitionOrder(trx, orderId, 'partially_shipped', actor, { type: 'status_changed', message: 'First parcel shipped', details: { shipmentId } });
    status = 'partially_shipped';
  } else {
    await touchOrder(trx, orderId);
  }
  return { before: order, lines, status };
}

/**
 * Shipping some or all reserved units of an order handed to the warehouse: the reservations are committed (on hand and
 * reserved both go down, a 'shipment' row in the ledger), the lines count the units shipped, a shipment records the
 * parcel, and the order becomes partially shipped or shipped.
 */
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import { findCarrierByRef } from '../fulfillment/index.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { Id, Nullable, Timestamp } from '../http/schemas.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { moveLineStock } from './line-stock.js';
import { LineUnits, Order } from './order.js';
import { addTimeline, insertShipment, loadOrder, lockOrder, touchOrder, transitionOrder, writeLines } from './order.repository.js';
import { openUnits, pickLines, requireStatus } from './order-state.js';

export const ShipOrderRequest = Type.Object({
  lines: Type.Array(LineUnits, { minItems: 1, maxItems: 500 }),
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Carrier code or id (GET /v1/carriers)' })),
  trackingNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
}, { additionalProperties: false });
export type ShipOrderRequest = Static<typeof ShipOrderRequest>;

export const Shipment = Type.Object({
  id: Id,
  orderId: Id,
  carrier: Nullable(Type.String()),
  trackingNumber: Nullable(Type.String()),
  lines: Type.Array(Type.Object({ lineId: Id, quantity: Type.Integer() })),
  shippedAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
});
export type Shipment = Static<typeof Shipment>;

export const ShipOrderResult = Type.Object({ shipment: Shipment, order: Order });
export type ShipOrderResult = Static<typeof ShipOrderResult>;

async function carrierCode(trx: Trx, ref: string | undefined): Promise<string | null> {
  if (ref === undefined) return null;
  const row = await findCarrierByRef(trx, ref);
  if (!row) throw new AppError('not_found', `unknown carrier "${ref}"; see GET /v1/carriers`, { entity: 'carrier', id: ref });
  if (!row.active) throw new AppError('invalid_state', `carrier ${row.code} is inactive; activate it or ship with another`);
  return row.code;
}

export async function shipOrder(trx: Trx, orderId: string, input: ShipOrderRequest, ctx: CommandContext): Promise<CommandResult<ShipOrderResult>> {
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
  const carrier = await carrierCode(trx, input.carrier);

  const shipmentId = newId();
  for (const p of picked) {
    await moveLineStock(trx, p.line.id, 'commit', p.quantity, { actor: ctx.actorName, ref: { type: 'shipment', id: shipmentId } });
  }
  await writeLines(trx, picked.map((p) => ({ ...p.line, shipped: p.line.shipped + p.quantity, allocated: p.line.allocated - p.quantity })));
  const lines = picked.map((p) => ({ lineId: p.line.id, quantity: p.quantity }));
  const shippedAt = await insertShipment(trx, { id: shipmentId, orderId, carrier, trackingNumber: input.trackingNumber ?? null, lines });

  const units = lines.reduce((a, l) => a + l.quantity, 0);
  const details = { shipmentId, carrier, trackingNumber: input.trackingNumber ?? null, lines };
  await addTimeline(trx, orderId, ctx.actorName, [{
    type: 'shipment_created',
    message: `Shipped ${picked.map((p) => `${p.quantity} of line ${p.line.lineNo}`).join(', ')}${carrier ? ` with ${carrier}` : ''}${input.trackingNumber ? ` (${input.trackingNumber})` : ''}`,
    details,
    event: 'order.shipment_created',
  }]);

  const everything = order.lines.every((l) => openUnits(l) === (picked.find((p) => p.line.id === l.id)?.quantity ?? 0));
  if (everything) {
    await transitionOrder(trx, orderId, 'shipped', ctx.actorName, { type: 'status_changed', message: 'Every unit shipped', details: { shipmentId } });
  } else if (order.status === 'in_fulfillment') {
    await transitionOrder(trx, orderId, 'partially_shipped', ctx.actorName, { type: 'status_changed', message: 'First parcel shipped', details: { shipmentId } });
  } else {
    await touchOrder(trx, orderId);
  }
  const shipment: Shipment = {
    id: shipmentId, orderId, carrier, trackingNumber: input.trackingNumber ?? null, lines, shippedAt: shippedAt.toISOString(), deliveredAt: null,
  };
  return {
    created: true,
    value: { shipment, order: await loadOrder(trx, orderId) },
    audit: { action: 'order.shipped', entityType: 'order', entityId: orderId, details: { shipmentId, units } },
  };
}

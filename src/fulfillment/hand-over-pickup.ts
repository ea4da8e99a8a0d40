/**
 * Handing a pickup order over at the store: the customer shows the code sent with the ready-for-pickup notice. A
 * wrong code is refused (`pickup_code_mismatch`) and counted on the fulfilment order (the route counts it outside the
 * refused transaction). The right one ships every open unit (stock committed, as a parcel would) as a pickup shipment
 * delivered on the spot, and the order is delivered.
 */
import { timingSafeEqual } from 'node:crypto';
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { deliverOrder, lockOrder, shipOrderUnits } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { FulfillmentOrder, HandOverRequest } from './fulfillment-order.js';
import { addShippedUnits, loadFulfillmentOrder, lockFulfillmentOrder, orderIdOf, transitionFulfillmentOrder } from './fulfillment-order.repository.js';
import { canFulfillmentTransition, fulfillmentTransitions } from './fulfillment-status.js';
import { insertShipment } from './shipment.repository.js';

const sameCode = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function handOverPickup(trx: Trx, id: string, input: HandOverRequest, ctx: CommandContext): Promise<CommandResult<FulfillmentOrder>> {
  const orderId = await orderIdOf(trx, id);
  await lockOrder(trx, orderId);
  const fo = await lockFulfillmentOrder(trx, id);
  if (fo.kind !== 'pickup' || !canFulfillmentTransition(fo.status, 'picked_up')) {
    throw new AppError('invalid_state', fo.kind !== 'pickup'
      ? `fulfillment order ${fo.number} ships by carrier; nothing to hand over`
      : `fulfillment order ${fo.number} is ${fo.status}; only one ready for pickup is handed over`, {
      currentStatus: fo.status, allowed: fulfillmentTransitions[fo.status], kind: fo.kind,
    });
  }
  if (!fo.pickupCode || !sameCode(input.pickupCode.trim(), fo.pickupCode)) {
    throw new AppError('pickup_code_mismatch', `the pickup code does not match fulfillment order ${fo.number}; ask the customer for the code in their ready-for-pickup message`, {
      fulfillmentOrderId: fo.id, attempts: fo.pickupAttempts + 1,
    });
  }
  const lines = fo.lines.filter((l) => l.quantity > l.shipped).map((l) => ({ lineId: l.lineId, quantity: l.quantity - l.shipped }));
  const shipmentId = newId();
  const shipped = await shipOrderUnits(trx, orderId, { shipmentId, lines, carrier: null, trackingNumber: null }, ctx.actorName);
  const now = new Date();
  await insertShipment(trx, {
    id: shipmentId, orderId, fulfillmentOrderId: fo.id, kind: 'pickup', carrier: null, service: null, trackingNumber: null,
    parcels: 1, weightGrams: null, lines, location: fo.locationCode, deliveredAt: now,
  });
  await addShippedUnits(trx, fo.id, lines);
  await transitionFulfillmentOrder(trx, fo.id, 'picked_up');
  if (shipped.status === 'shipped') await deliverOrder(trx, orderId, { deliveredAt: now.toISOString() }, ctx);
  return {
    created: false,
    value: await loadFulfillmentOrder(trx, id),
    audit: { action: 'fulfillment.picked_up', entityType: 'fulfillment_order', entityId: id, details: { shipmentId } },
  };
}

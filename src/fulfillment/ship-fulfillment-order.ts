/**
 * Recording a parcel: all or part of a fulfilment order leaves with a carrier. In one transaction the order module
 * commits the stock and counts the units shipped (`shipOrderUnits`: on hand and reserved go down, a 'shipment' movement
 * per line, the order partially shipped or shipped), the shipment is recorded with its carrier, service, tracking
 * number, parcels and weight, and the fulfilment order counts the units (shipped once all of them are).
 *
 * Refused, with the numbers: more units than the fulfilment order still holds (which is also what a second shipment
 * of the same units is), an unknown carrier or service, a fulfilment order that is closed or a pickup.
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { loadOrder, lockOrder, shipOrderUnits, type Order } from '../order/index.js';
import { AppError, invalidField } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { findCarrierByRef } from './carrier.repository.js';
import type { CreateShipmentRequest, FulfillmentOrder, Shipment, ShipOrderRequest } from './fulfillment-order.js';
import {
  addShippedUnits, loadFulfillmentOrder, lockFulfillmentOrder, lockOpenFulfillmentOrders, orderIdOf, transitionFulfillmentOrder,
  type FulfillmentOrderState,
} from './fulfillment-order.repository.js';
import { canFulfillmentTransition, fulfillmentTransitions } from './fulfillment-status.js';
import { reconcileFulfillmentOrders } from './reconcile-fulfillment-orders.js';
import { findShipment, insertShipment, toShipment } from './shipment.repository.js';

interface Parcel { carrier?: string; service?: string; trackingNumber?: string; parcels?: number; weightGrams?: number }

/** The carrier's code and the service's code, checked against the carriers table. */
async function resolveCarrier(trx: Trx, p: Parcel): Promise<{ carrier: string | null; service: string | null }> {
  if (p.carrier === undefined) {
    if (p.service !== undefined) throw invalidField('/body/service', 'a service needs its carrier: send `carrier` too');
    return { carrier: null, service: null };
  }
  const row = await findCarrierByRef(trx, p.carrier);
  if (!row) throw new AppError('not_found', `unknown carrier "${p.carrier}"; see GET /v1/carriers`, { entity: 'carrier', id: p.carrier });
  if (!row.active) throw new AppError('invalid_state', `carrier ${row.code} is inactive; activate it or ship with another`);
  if (p.service === undefined) return { carrier: row.code, service: null };
  // The carrier's active services (carrier_services rows; a deactivated one ships nothing new).
  const services = row.services.filter((s) => s.active);
  if (!services.some((s) => s.code === p.service)) {
    throw new AppError('not_found', `carrier ${row.code} has no service "${p.service}"; its services: ${services.map((s) => s.code).join(', ') || 'none'}`, {
      entity: 'carrier_service', id: p.service, carrier: row.code, services: services.map((s) => s.code),
    });
  }
  return { carrier: row.code, service: p.service };
}

const stillOpen = (fo: FulfillmentOrderState, lineId: string): number =>
  fo.lines.filter((l) => l.lineId === lineId).reduce((a, l) => a + l.quantity - l.shipped, 0);

/** Counts the shipped units on each fulfilment order and closes the ones with nothing left. */
async function countOn(trx: Trx, shipped: Map<FulfillmentOrderState, { lineId: string; quantity: number }[]>): Promise<void> {
  for (const [fo, lines] of shipped) {
    await addShippedUnits(trx, fo.id, lines);
    const left = fo.lines.reduce((a, l) => a + l.quantity - l.shipped, 0) - lines.reduce((a, l) => a + l.quantity, 0);
    if (left === 0) await transitionFulfillmentOrder(trx, fo.id, 'shipped');
  }
}

export interface ShipFulfillmentResult { shipment: Shipment; fulfillmentOrder: FulfillmentOrder }

export async function shipFulfillmentOrder(trx: Trx, input: CreateShipmentRequest, ctx: CommandContext): Promise<CommandResult<ShipFulfillmentResult>> {
  const orderId = await orderIdOf(trx, input.fulfillmentOrderId);
  await lockOrder(trx, orderId);
  const fo = await lockFulfillmentOrder(trx, input.fulfillmentOrderId);
  if (fo.kind === 'pickup') {
    throw new AppError('invalid_state', `fulfillment order ${fo.number} is collected by the customer at ${fo.locationCode}: mark it ready for pickup and hand it over, no shipment`, { kind: fo.kind });
  }
  if (!canFulfillmentTransition(fo.status, 'shipped')) {
    throw new AppError('invalid_state', `fulfillment order ${fo.number} is ${fo.status}; nothing more ships from it`, {
      currentStatus: fo.status, allowed: fulfillmentTransitions[fo.status],
    });
  }
  const lines = input.lines ?? fo.lines.filter((l) => l.quantity > l.shipped).map((l) => ({ lineId: l.lineId, quantity: l.quantity - l.shipped }));
  const over = lines.map((l, index) => ({ index, lineId: l.lineId, requested: l.quantity, open: stillOpen(fo, l.lineId) })).filter((l) => l.requested > l.open);
  if (over.length > 0 || lines.length === 0) {
    throw new AppError('ship_exceeds_open', lines.length === 0
      ? `fulfillment order ${fo.number} has no units left to ship`
      : `cannot ship more than fulfillment order ${fo.number} still holds: ${over.map((o) => `line ${o.lineId} has ${o.open} open, not ${o.requested}`).join('; ')}`, {
      fulfillmentOrderId: fo.id, lines: over,
    });
  }
  const { carrier, service } = await resolveCarrier(trx, input);
  const shipmentId = newId();
  const trackingNumber = input.trackingNumber ?? null;
  await shipOrderUnits(trx, orderId, { shipmentId, lines, carrier, trackingNumber }, ctx.actorName);
  await insertShipment(trx, {
    id: shipmentId, orderId, fulfillmentOrderId: fo.id, kind: 'parcel', carrier, service, trackingNumber,
    parcels: input.parcels ?? 1, weightGrams: input.weightGrams ?? null, lines, location: fo.locationCode, deliveredAt: null,
  });
  await countOn(trx, new Map([[fo, lines]]));
  const row = await findShipment(trx, shipmentId);
  return {
    created: true,
    value: { shipment: toShipment(row as NonNullable<typeof row>), fulfillmentOrder: await loadFulfillmentOrder(trx, fo.id) },
    audit: { action: 'shipment.created', entityType: 'shipment', entityId: shipmentId, details: { fulfillmentOrderId: fo.id, lines } },
  };
}

/**
 * `POST /v1/orders/{id}/ship`, the order-level shortcut kept from before fulfilment orders: the units may come from
 * several fulfilment orders (one parcel recorded for them all, `fulfillmentOrderId` null then); each fulfilment order
 * counts its own units.
 */
export async function shipOrder(trx: Trx, orderId: string, input: ShipOrderRequest, ctx: CommandContext): Promise<CommandResult<{ shipment: Shipment; order: Order }>> {
  await lockOrder(trx, orderId);
  // An order put in the warehouse without fulfilment orders (written by `ordo seed --orders`, or released before
  // they existed) gets them now; for every other order this changes nothing.
  await reconcileFulfillmentOrders(trx, orderId, ctx.actorName, { create: true, reason: 'shipped from the order' });
  const { carrier, service } = await resolveCarrier(trx, input);
  const shipmentId = newId();
  const trackingNumber = input.trackingNumber ?? null;
  const shipped = await shipOrderUnits(trx, orderId, { shipmentId, lines: input.lines, carrier, trackingNumber }, ctx.actorName);
  const open = await lockOpenFulfillmentOrders(trx, orderId);
  const byFo = new Map<FulfillmentOrderState, { lineId: string; quantity: number }[]>();
  for (const l of shipped.lines) {
    const line = shipped.before.lines.find((x) => x.id === l.lineId);
    const fo = open.find((f) => f.locationId === line?.locationId && stillOpen(f, l.lineId) >= l.quantity);
    if (!fo) {
      throw new AppError('invalid_state', `line ${line?.lineNo ?? l.lineId} has no fulfilment order holding ${l.quantity} open unit(s); release the order to the warehouse again`, { lineId: l.lineId });
    }
    byFo.set(fo, [...(byFo.get(fo) ?? []), l]);
  }
  const [only] = byFo.keys();
  await insertShipment(trx, {
    id: shipmentId, orderId, fulfillmentOrderId: byFo.size === 1 && only ? only.id : null, kind: 'parcel', carrier, service, trackingNumber,
    parcels: input.parcels ?? 1, weightGrams: input.weightGrams ?? null, lines: shipped.lines,
    location: byFo.size === 1 && only ? only.locationCode : null, deliveredAt: null,
  });
  await countOn(trx, byFo);
  const row = await findShipment(trx, shipmentId);
  return {
    created: true,
    value: { shipment: toShipment(row as NonNullable<typeof row>), order: await loadOrder(trx, orderId) },
    audit: { action: 'order.shipped', entityType: 'order', entityId: orderId, details: { shipmentId, units: shipped.lines.reduce((a, l) => a + l.quantity, 0) } },
  };
}

/**
 * A tracking event from a carrier or a WMS (`POST /v1/shipments/{id}/events`), idempotent by the sender's event id.
 * The parcel moves along its table (fulfillment-status.ts); an event older than the latest one is kept in the history
 * without moving it (carriers send late); one the parcel cannot take (in transit after delivered, anything dated before
 * it shipped) is refused as out of order. Delivered: the order is delivered once every parcel is. An exception puts a
 * `carrier_exception` hold on the order for a person — in the warehouse (a hold stops its other parcels) or shipped
 * (every parcel left: the hold is the operator's to-do) — and notifies the team (the `shipment.exception` template).
 * A held shipped order whose parcels are all delivered meanwhile is delivered when its hold is released
 * (`deliverIfEveryParcelDelivered`, through the order module's hook).
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { addTimeline, canTransition, deliverOrder, lockOrder, placeHold } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import type { ShipmentWithEvents, TrackingEventRequest } from './fulfillment-order.js';
import { canTrack, shipmentTransitions } from './fulfillment-status.js';
import {
  everyShipmentDelivered, findShipment, lastDeliveredAt, findTrackingEvent, insertTrackingEvent, latestAppliedAt, loadShipment, lockShipment, moveShipment,
} from './shipment.repository.js';

/** Clocks of carriers and Ordo disagree by a few minutes; more than that is a mistake in the event. */
const SKEW_MS = 5 * 60_000;

export async function recordTrackingEvent(trx: Trx, shipmentId: string, input: TrackingEventRequest, ctx: CommandContext): Promise<CommandResult<ShipmentWithEvents>> {
  const found = await findShipment(trx, shipmentId);
  if (!found) throw new AppError('not_found', `no shipment ${shipmentId}; post tracking events to the shipment Ordo answered when the parcel was recorded`, { entity: 'shipment', id: shipmentId });
  const order = await lockOrder(trx, found.order_id);
  const shipment = await lockShipment(trx, shipmentId);

  const seen = await findTrackingEvent(trx, shipmentId, input.eventId);
  if (seen) {
    if (seen.type !== input.type) {
      throw new AppError('conflict', `event ${input.eventId} was already recorded for this shipment as ${seen.type}, not ${input.type}; a new event needs a new eventId`, {
        eventId: input.eventId, recorded: seen.type, sent: input.type,
      });
    }
    return { created: false, value: await loadShipment(trx, shipmentId), audit: null };
  }
  const occurredAt = new Date(input.occurredAt);
  if (occurredAt.getTime() > Date.now() + SKEW_MS) {
    throw new AppError('validation_failed', 'occurredAt is in the future', { errors: [{ path: '/body/occurredAt', message: 'in the future' }] });
  }
  if (occurredAt.getTime() < shipment.shipped_at.getTime() - SKEW_MS) {
    throw new AppError('tracking_out_of_order', `a ${input.type} event at ${occurredAt.toISOString()} is before the parcel shipped (${shipment.shipped_at.toISOString()})`, {
      shipmentId, eventType: input.type, occurredAt: occurredAt.toISOString(), shippedAt: shipment.shipped_at.toISOString(),
    });
  }
  if (!canTrack(shipment.status, input.type)) {
    throw new AppError('tracking_out_of_order', `the parcel is ${shipment.status}; it can take ${shipmentTransitions[shipment.status].join(', ') || 'no more events (final)'}, not ${input.type}`, {
      shipmentId, currentStatus: shipment.status, allowed: shipmentTransitions[shipment.status], requested: input.type,
    });
  }
  const latest = await latestAppliedAt(trx, shipmentId);
  const applied = latest === null || occurredAt.getTime() >= latest.getTime();
  await insertTrackingEvent(trx, {
    shipmentId, externalId: input.eventId, type: input.type, occurredAt, location: input.location ?? null, description: input.description ?? null, applied,
  });
  if (applied) {
    await moveShipment(trx, shipmentId, input.type, occurredAt, {
      shipmentId, orderId: shipment.order_id, fulfillmentOrderId: shipment.fulfillment_order_id, carrier: shipment.carrier_code,
      service: shipment.service_code, trackingNumber: shipment.tracking_number, from: shipment.status, to: input.type,
      eventId: input.eventId, occurredAt: occurredAt.toISOString(), location: input.location ?? null, description: input.description ?? null,
    });
    const parcel = `${shipment.carrier_code ?? 'parcel'}${shipment.tracking_number ? ` ${shipment.tracking_number}` : ''}`;
    if (input.type === 'delivered' && order.status === 'shipped' && await everyShipmentDelivered(trx, order.id)) {
      await deliverOrder(trx, order.id, { deliveredAt: occurredAt.toISOString() }, ctx);
    } else if (input.type === 'delivered' && order.status === 'on_hold' && await everyShipmentDelivered(trx, order.id)) {
      await addTimeline(trx, order.id, ctx.actorName, [{
        type: 'delivered_while_held', message: `${parcel} delivered: every parcel is delivered; the order is delivered when its hold is released`,
        details: { shipmentId, eventId: input.eventId, deliveredAt: occurredAt.toISOString() },
      }]);
    } else if (input.type === 'exception') {
      const note = `carrier exception on ${parcel}: ${input.description ?? 'no description'}`;
      if (canTransition(order.status, 'on_hold') || order.status === 'on_hold') {
        try {
          await placeHold(trx, order.id, { reasonCode: 'carrier_exception', note }, ctx);
        } catch (e) {
          // One open carrier_exception hold is enough: the person looking at it sees every parcel.
          if (!(e instanceof AppError && e.code === 'already_exists')) throw e;
        }
      } else {
        // Delivered (or closed) already: nothing to hold, the team is told (shipment.exception) and the timeline says so.
        await addTimeline(trx, order.id, ctx.actorName, [{ type: 'carrier_exception', message: note, details: { shipmentId, eventId: input.eventId } }]);
      }
    }
  }
  return {
    created: true,
    value: await loadShipment(trx, shipmentId),
    audit: { action: `shipment.${input.type}`, entityType: 'shipment', entityId: shipmentId, details: { eventId: input.eventId, applied } },
  };
}

/**
 * A held order that went back to shipped (its hold released) while every parcel of it was delivered is delivered,
 * as of the last parcel's delivery. Called by the order module's hook after every hold decision.
 */
export async function deliverIfEveryParcelDelivered(trx: Trx, orderId: string, actor: string): Promise<void> {
  const order = await lockOrder(trx, orderId);
  if (order.status !== 'shipped' || !await everyShipmentDelivered(trx, orderId)) return;
  const at = await lastDeliveredAt(trx, orderId);
  if (!at) return;
  await deliverOrder(trx, orderId, { deliveredAt: at.toISOString() }, { requestId: 'hook', actorId: actor, actorName: actor, attempt: 1, idempotency: null });
}

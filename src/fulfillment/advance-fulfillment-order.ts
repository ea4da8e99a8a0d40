/**
 * The location's steps on a fulfilment order: accept, start picking, pack, and (at a pickup store) put it on the shelf
 * for the customer with a pickup code. Each is one conditional status change with its event; the table
 * (fulfillment-status.ts) refuses a step out of turn with the current status.
 */
import { randomInt } from 'node:crypto';
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { addTimeline } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import type { FulfillmentOrder, Note } from './fulfillment-order.js';
import { loadFulfillmentOrder, lockFulfillmentOrder, transitionFulfillmentOrder } from './fulfillment-order.repository.js';

export type Step = 'accepted' | 'picking' | 'packed';
const stepNames: Record<Step, string> = { accepted: 'accepted', picking: 'picking started', packed: 'packed' };

export async function advanceFulfillmentOrder(trx: Trx, id: string, to: Step, input: Note, ctx: CommandContext): Promise<CommandResult<FulfillmentOrder>> {
  const fo = await lockFulfillmentOrder(trx, id);
  await transitionFulfillmentOrder(trx, id, to);
  await addTimeline(trx, fo.orderId, ctx.actorName, [{
    type: `fulfillment_${to}`, message: `Fulfilment order ${fo.number} at ${fo.locationCode}: ${stepNames[to]}${input.note ? ` (${input.note})` : ''}`,
    details: { fulfillmentOrderId: id, note: input.note ?? null },
  }]);
  return {
    created: false,
    value: await loadFulfillmentOrder(trx, id),
    audit: { action: `fulfillment.${to}`, entityType: 'fulfillment_order', entityId: id },
  };
}

/** A six-digit code: what the customer shows at the store. */
export const newPickupCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** A packed pickup order goes on the shelf: the customer gets its pickup code (fulfillment.ready_for_pickup). */
export async function markReadyForPickup(trx: Trx, id: string, input: Note, ctx: CommandContext, settings: { pickupExpiryDays: number }): Promise<CommandResult<FulfillmentOrder>> {
  const fo = await lockFulfillmentOrder(trx, id);
  if (fo.kind !== 'pickup') {
    throw new AppError('invalid_state', `fulfillment order ${fo.number} is shipped by a carrier, not collected at the store; record a shipment instead`, { kind: fo.kind });
  }
  const code = newPickupCode();
  const readyAt = new Date();
  const collectBy = new Date(readyAt.getTime() + settings.pickupExpiryDays * 86_400_000);
  await transitionFulfillmentOrder(trx, id, 'ready_for_pickup', {
    pickupCode: code, readyAt, payload: { pickupCode: code, readyAt: readyAt.toISOString(), collectBy: collectBy.toISOString() },
  });
  await addTimeline(trx, fo.orderId, ctx.actorName, [{
    type: 'ready_for_pickup', message: `Ready for pickup at ${fo.locationCode} until ${collectBy.toISOString().slice(0, 10)}${input.note ? ` (${input.note})` : ''}`,
    details: { fulfillmentOrderId: id, collectBy: collectBy.toISOString() },
  }]);
  return {
    created: false,
    value: await loadFulfillmentOrder(trx, id),
    audit: { action: 'fulfillment.ready_for_pickup', entityType: 'fulfillment_order', entityId: id },
  };
}

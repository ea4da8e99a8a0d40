/**
 * Holds: a person's decision on an order the review rules (or a colleague) stopped. Releasing the last open hold lets
 * the order go on (confirmed, and allocated when every unit is reserved; an order whose every remaining unit has
 * shipped — held for a carrier exception — goes back to shipped, and the fulfilment module's hook delivers it when
 * every parcel was delivered meanwhile); rejecting one cancels what is still open.
 */
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { AppError } from '../shared/errors.js';
import { cancelWholeOrder } from './cancel-order.js';
import { decideHold, listOpenHolds } from './hold.repository.js';
import type { Order } from './order.js';
import { addTimeline, loadOrder, lockOrder, transitionOrder } from './order.repository.js';
import { everyUnitShipped, fullyAllocated, requireStatus, withNote } from './order-state.js';
import { heldReturn } from './order-status.js';

export const HoldDecision = Type.Object({
  note: Type.Optional(Type.String({ maxLength: 2000, description: 'Why; shown in the timeline' })),
}, { additionalProperties: false });
export type HoldDecision = Static<typeof HoldDecision>;

export async function releaseHold(trx: Trx, orderId: string, holdId: string, input: HoldDecision, ctx: CommandContext): Promise<CommandResult<Order>> {
  const order = await lockOrder(trx, orderId);
  requireStatus(order, 'its holds can be decided', ['on_hold']);
  const hold = await decideHold(trx, orderId, holdId, 'released', ctx.actorName);
  const details = { holdId, reasonCode: hold.reasonCode, note: input.note ?? null };
  await addTimeline(trx, orderId, ctx.actorName, [{
    type: 'hold_released', message: withNote(`Hold ${hold.reasonCode} released`, input.note), details, event: 'order.hold_released',
  }]);
  if (hold.openLeft === 0 && everyUnitShipped(order.lines)) {
    // Every parcel had left when it was held: nothing goes back to the warehouse.
    await transitionOrder(trx, orderId, heldReturn.shipped, ctx.actorName, { type: 'status_changed', message: 'Every hold released; every parcel had left', details });
  } else if (hold.openLeft === 0) {
    await transitionOrder(trx, orderId, 'confirmed', ctx.actorName, { type: 'status_changed', message: 'Every hold released', details });
    // Reservations were kept while the order waited, so it usually has everything it needs to go straight on.
    if (fullyAllocated(order.lines)) {
      await transitionOrder(trx, orderId, 'allocated', ctx.actorName, { type: 'status_changed', message: 'Every line reserved' });
    }
  }
  return {
    created: false,
    value: await loadOrder(trx, orderId),
    audit: { action: 'order.hold_released', entityType: 'order', entityId: orderId, details },
  };
}

export async function rejectHold(trx: Trx, orderId: string, holdId: string, input: HoldDecision, ctx: CommandContext): Promise<CommandResult<Order>> {
  const order = await lockOrder(trx, orderId);
  requireStatus(order, 'its holds can be decided', ['on_hold']);
  if (everyUnitShipped(order.lines)) {
    // Rejecting cancels what is open; a held order whose every parcel left has nothing to cancel.
    throw new AppError('invalid_state', `order ${order.number} has shipped every unit; there is nothing to cancel: release the hold once the parcel is sorted out (returns take back what the customer sends)`, {
      currentStatus: order.status, allowed: ['release'],
    });
  }
  const hold = await decideHold(trx, orderId, holdId, 'rejected', ctx.actorName);
  const details = { holdId, reasonCode: hold.reasonCode, note: input.note ?? null };
  await addTimeline(trx, orderId, ctx.actorName, [{
    type: 'hold_rejected', message: withNote(`Hold ${hold.reasonCode} rejected`, input.note), details, event: 'order.hold_rejected',
  }]);
  await cancelWholeOrder(trx, order, ctx.actorName, withNote(`hold ${hold.reasonCode} rejected`, input.note), details);
  return {
    created: false,
    value: await loadOrder(trx, orderId),
    audit: { action: 'order.hold_rejected', entityType: 'order', entityId: orderId, details },
  };
}

/** Many orders' holds decided at once (the review queue): which orders, and optionally only holds of one reason. */
export const BulkHoldDecision = Type.Object({
  orderIds: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 200, uniqueItems: true, description: 'Up to 200 orders, each on hold' }),
  reasonCode: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only holds of this reason (default: every open hold of each order)' })),
  note: Type.Optional(Type.String({ maxLength: 2000, description: 'Why; shown in each order\'s timeline' })),
}, { additionalProperties: false });
export type BulkHoldDecision = Static<typeof BulkHoldDecision>;

/** The order's open holds (of one reason, if given), oldest first; none is a client error naming the order. */
async function openHoldsOf(trx: Trx, order: { id: string; number: string }, reasonCode: string | undefined): Promise<{ id: string; reasonCode: string }[]> {
  const holds = await listOpenHolds(trx, order.id, reasonCode);
  if (holds.length === 0) {
    throw new AppError('invalid_state', `order ${order.number} has no open hold${reasonCode === undefined ? '' : ` of reason ${reasonCode}`}`, {
      entity: 'hold', reasonCode: reasonCode ?? null,
    });
  }
  return holds;
}

/**
 * Releases every open hold of an order (or those of one reason), one after another as a person would: the last
 * one lets the order go on. For the bulk decision of the review queue; each order is decided on its own.
 */
export async function releaseOpenHolds(trx: Trx, orderId: string, input: Omit<BulkHoldDecision, 'orderIds'>, ctx: CommandContext): Promise<Order> {
  const order = await lockOrder(trx, orderId);
  requireStatus(order, 'its holds can be decided', ['on_hold']);
  for (const hold of await openHoldsOf(trx, order, input.reasonCode)) {
    await releaseHold(trx, orderId, hold.id, { note: input.note }, ctx);
  }
  return loadOrder(trx, orderId);
}

/** Rejects an order's oldest open hold (of one reason, if given): the order is cancelled. */
export async function rejectOpenHold(trx: Trx, orderId: string, input: Omit<BulkHoldDecision, 'orderIds'>, ctx: CommandContext): Promise<Order> {
  const order = await lockOrder(trx, orderId);
  requireStatus(order, 'its holds can be decided', ['on_hold']);
  const [hold] = await openHoldsOf(trx, order, input.reasonCode);
  return (await rejectHold(trx, orderId, hold!.id, { note: input.note }, ctx)).value;
}

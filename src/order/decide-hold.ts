/**
 * Holds: a person's decision on an order the review rules (or a colleague) stopped. Releasing the last open hold lets
 * the order go on (confirmed, and allocated when every unit is reserved); rejecting one cancels the order.
 */
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { cancelWholeOrder } from './cancel-order.js';
import { decideHold } from './hold.repository.js';
import type { Order } from './order.js';
import { addTimeline, loadOrder, lockOrder, transitionOrder } from './order.repository.js';
import { fullyAllocated, requireStatus, withNote } from './order-state.js';

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
  if (hold.openLeft === 0) {
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

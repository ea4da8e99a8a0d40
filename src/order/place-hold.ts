/**
 * Putting an order on hold by hand: a colleague wants a person to look at it first. Possible until its last parcel
 * leaves (the transition table says from where): before the warehouse, or in it — a carrier exception, a payment
 * capture that failed — which stops the warehouse until the hold is released (the order then goes back through
 * confirmed and allocated, and is released to the warehouse again).
 */
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { insertHold } from './hold.repository.js';
import type { Order } from './order.js';
import { addTimeline, loadOrder, lockOrder, transitionOrder } from './order.repository.js';
import { withNote } from './order-state.js';

export const PlaceHold = Type.Object({
  reasonCode: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'snake_case, e.g. address_check; what the review queue filters on' }),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false });
export type PlaceHold = Static<typeof PlaceHold>;

export async function placeHold(trx: Trx, orderId: string, input: PlaceHold, ctx: CommandContext): Promise<CommandResult<Order>> {
  const order = await lockOrder(trx, orderId);
  const holdId = newId();
  if (!await insertHold(trx, { id: holdId, orderId, reasonCode: input.reasonCode, note: input.note ?? null })) {
    throw new AppError('already_exists', `the order already has an open hold for ${input.reasonCode}; add your note when you decide it`);
  }
  const entry = {
    type: 'hold_placed',
    message: withNote(`Held by hand: ${input.reasonCode}`, input.note),
    details: { holdId, reasonCode: input.reasonCode, note: input.note ?? null },
  };
  // A held order may get another reason to wait (a second hold); that is not a status change, just a timeline row.
  if (order.status === 'on_hold') await addTimeline(trx, orderId, ctx.actorName, [{ ...entry, event: 'order.hold_placed' }]);
  else await transitionOrder(trx, orderId, 'on_hold', ctx.actorName, entry);
  return {
    created: true,
    value: await loadOrder(trx, orderId),
    audit: { action: 'order.hold_placed', entityType: 'order', entityId: orderId, details: entry.details },
  };
}

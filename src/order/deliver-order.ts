/** The carrier delivered every parcel of a shipped order. */
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { AppError } from '../shared/errors.js';
import type { Order } from './order.js';
import { loadOrder, markShipmentsDelivered, transitionOrder } from './order.repository.js';

export const DeliverOrderRequest = Type.Object({
  deliveredAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the carrier delivered it; default now' })),
}, { additionalProperties: false });
export type DeliverOrderRequest = Static<typeof DeliverOrderRequest>;

export async function deliverOrder(trx: Trx, orderId: string, input: DeliverOrderRequest, ctx: CommandContext): Promise<CommandResult<Order>> {
  const deliveredAt = input.deliveredAt ? new Date(input.deliveredAt) : new Date();
  // A delivery reported for the future is a clock or typing mistake; a few minutes of skew between systems is not.
  if (deliveredAt.getTime() > Date.now() + 5 * 60_000) {
    throw new AppError('validation_failed', 'deliveredAt is in the future', { errors: [{ path: '/body/deliveredAt', message: 'in the future' }] });
  }
  // Only a fully shipped order can be delivered: a partial one still has parcels to come.
  await transitionOrder(trx, orderId, 'delivered', ctx.actorName, {
    type: 'status_changed', message: 'Delivered', details: { deliveredAt: deliveredAt.toISOString() },
  });
  await markShipmentsDelivered(trx, orderId, deliveredAt);
  return {
    created: false,
    value: await loadOrder(trx, orderId),
    audit: { action: 'order.delivered', entityType: 'order', entityId: orderId },
  };
}

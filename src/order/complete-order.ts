/** Closing a delivered order: nothing more is expected for it (returns are their own records). */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Order } from './order.js';
import { loadOrder, transitionOrder } from './order.repository.js';

export async function completeOrder(trx: Trx, orderId: string, ctx: CommandContext): Promise<CommandResult<Order>> {
  await transitionOrder(trx, orderId, 'completed', ctx.actorName, { type: 'status_changed', message: 'Completed' });
  return {
    created: false,
    value: await loadOrder(trx, orderId),
    audit: { action: 'order.completed', entityType: 'order', entityId: orderId },
  };
}

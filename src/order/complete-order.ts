/** Closing a delivered order: nothing more is expected for it (returns are their own records). */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandOutcome } from '../db/command.js';
import type { Order } from './order.js';
import { loadOrder, transitionOrder } from './order.repository.js';

export async function completeOrder(trx: Trx, orderId: string, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  await transitionOrder(trx, orderId, 'completed', ctx.actorName, { type: 'status_changed', message: 'Completed' });
  return {
    status: 200,
    body: await loadOrder(trx, orderId),
    audit: { action: 'order.completed', entityType: 'order', entityId: orderId },
  };
}

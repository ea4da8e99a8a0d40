/** Handing an allocated order to the warehouse: from here on it is picked, packed and shipped, no longer edited. */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Order } from './order.js';
import { loadOrder, transitionOrder } from './order.repository.js';

export async function releaseOrder(trx: Trx, orderId: string, ctx: CommandContext): Promise<CommandResult<Order>> {
  // The transition table allows this only from allocated: a warehouse gets an order only when every unit is reserved.
  await transitionOrder(trx, orderId, 'in_fulfillment', ctx.actorName, { type: 'status_changed', message: 'Released to the warehouse' });
  return {
    created: false,
    value: await loadOrder(trx, orderId),
    audit: { action: 'order.released_to_fulfillment', entityType: 'order', entityId: orderId },
  };
}

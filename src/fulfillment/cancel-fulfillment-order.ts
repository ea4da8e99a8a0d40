/**
 * Cancelling a fulfilment order: the customer no longer wants what this location was to send. Its open units are
 * cancelled on the order (reservations released, money follows; the order module's cancel), and the fulfilment order
 * is withdrawn (`fulfillment.cancelled`). Also what the pickup expiry does to an order not collected in time.
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { cancelOrder, lockOrder } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import type { CancelRequest, FulfillmentOrder } from './fulfillment-order.js';
import { loadFulfillmentOrder, lockFulfillmentOrder, orderIdOf } from './fulfillment-order.repository.js';
import { canFulfillmentTransition, fulfillmentTransitions } from './fulfillment-status.js';
import { reconcileFulfillmentOrders } from './reconcile-fulfillment-orders.js';

export async function cancelFulfillmentOrder(trx: Trx, id: string, input: CancelRequest, ctx: CommandContext): Promise<CommandResult<FulfillmentOrder>> {
  const orderId = await orderIdOf(trx, id);
  await lockOrder(trx, orderId);
  const fo = await lockFulfillmentOrder(trx, id);
  if (!canFulfillmentTransition(fo.status, 'cancelled')) {
    throw new AppError('invalid_state', `fulfillment order ${fo.number} is ${fo.status}; it can move to ${fulfillmentTransitions[fo.status].join(', ') || 'nothing (final)'}, not to cancelled`, {
      currentStatus: fo.status, allowed: fulfillmentTransitions[fo.status], requested: 'cancelled',
    });
  }
  const lines = fo.lines.filter((l) => l.quantity > l.shipped).map((l) => ({ lineId: l.lineId, quantity: l.quantity - l.shipped }));
  await cancelOrder(trx, orderId, { reason: input.reason, lines }, ctx);
  await reconcileFulfillmentOrders(trx, orderId, ctx.actorName, { create: false, reason: input.reason });
  return {
    created: false,
    value: await loadFulfillmentOrder(trx, id),
    audit: { action: 'fulfillment.cancelled', entityType: 'fulfillment_order', entityId: id, details: { reason: input.reason } },
  };
}

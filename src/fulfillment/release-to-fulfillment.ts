/**
 * Handing an allocated order to the warehouse (`POST /v1/orders/{id}/release`): the order moves to in_fulfillment
 * (order module) and each location holding its reserved units gets a fulfilment order with a `fulfillment.requested`
 * event, in one transaction.
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { loadOrder, releaseOrder, type Order } from '../order/index.js';
import { reconcileFulfillmentOrders } from './reconcile-fulfillment-orders.js';
import { deliverIfEveryParcelDelivered } from './track-shipment.js';

export async function releaseToFulfillment(trx: Trx, orderId: string, ctx: CommandContext): Promise<CommandResult<Order>> {
  const released = await releaseOrder(trx, orderId, ctx);
  await reconcileFulfillmentOrders(trx, orderId, ctx.actorName, { create: true, reason: 'released again' });
  return { ...released, value: await loadOrder(trx, orderId) };
}

/**
 * The order module's hook (app.ts): after a cancel, a recall or a hold decision, the fulfilment orders follow; a held
 * shipped order back to shipped whose every parcel was delivered meanwhile is delivered.
 */
export const fulfillmentHooks = {
  warehouseChanged: async (trx: Trx, orderId: string, actor: string) => {
    await reconcileFulfillmentOrders(trx, orderId, actor, { create: false, reason: 'the order changed: cancelled, taken back or held' });
    await deliverIfEveryParcelDelivered(trx, orderId, actor);
  },
};

/**
 * The backorder fill's hook (jobs.ts): units reserved for an order still in the warehouse (a partly shipped order whose
 * rest a location could not find) are handed to their location at once, as a release does.
 */
export const fulfillmentFillHooks = {
  afterFill: (trx: Trx, orderId: string, actor: string) =>
    reconcileFulfillmentOrders(trx, orderId, actor, { create: true, reason: 'backordered units reserved' }),
};

/**
 * A location rejects a fulfilment order (the goods are not there, or damaged): the shortfall is written off or
 * quarantined as the location says (inventory module), and every open unit goes back to be sourced again — today
 * through the order's recall (its reservations released, the units backordered, the order back to confirmed), so the
 * backorder fill reserves them wherever stock is free. The order's other fulfilment orders are withdrawn with it,
 * since the order is no longer in the warehouse; it is released again once every unit is reserved.
 *
 * Re-sourcing by the sourcing engine (issue #19 part 2, `resourceOrder`) belongs right after `recallOrder` below.
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { adjustStock, quarantineStock } from '../inventory/index.js';
import { lockOrder, recallOrder } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import type { FulfillmentOrder, RejectRequest } from './fulfillment-order.js';
import { lockFulfillmentOrder, loadFulfillmentOrder, orderIdOf, transitionFulfillmentOrder } from './fulfillment-order.repository.js';
import { canFulfillmentTransition, fulfillmentTransitions } from './fulfillment-status.js';
import { reconcileFulfillmentOrders } from './reconcile-fulfillment-orders.js';

export async function rejectFulfillmentOrder(trx: Trx, id: string, input: RejectRequest, ctx: CommandContext): Promise<CommandResult<FulfillmentOrder>> {
  const orderId = await orderIdOf(trx, id);
  const order = await lockOrder(trx, orderId);
  const fo = await lockFulfillmentOrder(trx, id);
  if (!canFulfillmentTransition(fo.status, 'rejected')) {
    throw new AppError('invalid_state', `fulfillment order ${fo.number} is ${fo.status}; it can move to ${fulfillmentTransitions[fo.status].join(', ') || 'nothing (final)'}, not to rejected`, {
      currentStatus: fo.status, allowed: fulfillmentTransitions[fo.status], requested: 'rejected',
    });
  }
  const skuOf = new Map(order.lines.map((l) => [l.id, l.sku]));
  const released = fo.lines.filter((l) => l.quantity > l.shipped).map((l) => ({ lineId: l.lineId, quantity: l.quantity - l.shipped }));
  const shortfall = input.shortfall ?? [];
  const seen = new Set<string>();
  shortfall.forEach((s, index) => {
    const open = released.find((r) => r.lineId === s.lineId)?.quantity ?? 0;
    if (seen.has(s.lineId)) throw new AppError('validation_failed', `line ${s.lineId} is listed twice in shortfall`, { errors: [{ path: `/body/shortfall/${index}/lineId`, message: 'repeated line' }] });
    seen.add(s.lineId);
    if (s.quantity > open) {
      throw new AppError('invalid_state', `the shortfall of line ${s.lineId} is ${s.quantity} but fulfillment order ${fo.number} holds ${open} open unit(s) of it`, {
        index, lineId: s.lineId, requested: s.quantity, open,
      });
    }
  });
  if (released.length === 0) throw new AppError('invalid_state', `fulfillment order ${fo.number} has no open units to hand back`);

  await transitionFulfillmentOrder(trx, id, 'rejected', {
    reason: input.reason,
    payload: {
      reason: input.reason, released,
      shortfall: shortfall.map((s) => ({ lineId: s.lineId, sku: skuOf.get(s.lineId) ?? '?', quantity: s.quantity, disposition: s.disposition })),
    },
  });
  // The units go back to be sourced again: reservations released first, so the stock record can then change.
  await recallOrder(trx, orderId, { reason: `rejected by ${fo.locationCode}: ${input.reason}`, lines: released }, ctx);

  const note = `fulfillment order ${fo.number} rejected: ${input.reason}`;
  const writeOff = shortfall.filter((s) => s.disposition === 'write_off');
  if (writeOff.length > 0) {
    await adjustStock(trx, { lines: writeOff.map((s) => ({ sku: skuOf.get(s.lineId) ?? '', location: fo.locationCode, delta: -s.quantity, reason: 'not_found', note })) }, ctx);
  }
  const quarantine = shortfall.filter((s) => s.disposition === 'quarantine');
  if (quarantine.length > 0) {
    await quarantineStock(trx, { lines: quarantine.map((s) => ({ sku: skuOf.get(s.lineId) ?? '', location: fo.locationCode, quantity: s.quantity, note })) }, ctx);
  }
  // The order left the warehouse (confirmed): its other open fulfilment orders are withdrawn.
  await reconcileFulfillmentOrders(trx, orderId, ctx.actorName, { create: false, reason: `${fo.number} was rejected; the order is sourced again` });
  return {
    created: false,
    value: await loadFulfillmentOrder(trx, id),
    audit: { action: 'fulfillment.rejected', entityType: 'fulfillment_order', entityId: id, details: { reason: input.reason, shortfall } },
  };
}

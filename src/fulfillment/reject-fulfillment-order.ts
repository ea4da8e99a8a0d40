/**
 * A location rejects a fulfilment order (the goods are not there, or damaged): the shortfall is written off or
 * quarantined as the location says (inventory module), and every open unit goes back to be sourced again.
 *
 * - Nothing of the order shipped yet (in_fulfillment): through the order's recall (its reservations released, the
 *   units backordered, the order back to confirmed), so the backorder fill reserves them wherever stock is free; the
 *   order's other fulfilment orders are withdrawn with it, and it is released again once every unit is reserved.
 * - Some of it shipped already (partially_shipped, or held from there): the shipped units stay shipped; the open ones
 *   are sourced again at once by the sourcing engine over the other locations (`resourceOrder`), and handed to the
 *   location that takes them (a new fulfilment order) while the order's other fulfilment orders go on. What no other
 *   location has waits for stock anywhere (backordered); the backorder fill reserves it and hands it over the same way.
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { adjustStock, quarantineStock } from '../inventory/index.js';
import { addTimeline, lockOrder, recallOrder, resourceOrder } from '../order/index.js';
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

  const shippedNow = fo.lines.filter((l) => l.shipped > 0).map((l) => ({ lineId: l.lineId, quantity: l.shipped }));
  await transitionFulfillmentOrder(trx, id, 'rejected', {
    reason: input.reason,
    payload: {
      reason: input.reason, released, shipped: shippedNow,
      shortfall: shortfall.map((s) => ({ lineId: s.lineId, sku: skuOf.get(s.lineId) ?? '?', quantity: s.quantity, disposition: s.disposition })),
    },
  });
  // The units go back to be sourced again: reservations released first, so the stock record can then change.
  const whole = order.status === 'in_fulfillment';
  const shipped = fo.lines.filter((l) => l.shipped > 0).map((l) => ({ lineId: l.lineId, quantity: l.shipped }));
  if (whole) {
    await recallOrder(trx, orderId, { reason: `rejected by ${fo.locationCode}: ${input.reason}`, lines: released }, ctx);
  } else {
    const reason = `${fo.number} rejected by ${fo.locationCode}: ${input.reason}`;
    if (shipped.length > 0) {
      await addTimeline(trx, orderId, ctx.actorName, [{
        type: 'units_not_found',
        message: `Not found at ${fo.locationCode}: ${released.map((r) => `${r.quantity} of line ${order.lines.find((l) => l.id === r.lineId)?.lineNo ?? '?'}`).join(', ')}; `
          + `the ${shipped.reduce((a, l) => a + l.quantity, 0)} unit(s) it shipped stay shipped, the rest is sourced again`,
        details: { lines: released.map((r) => ({ lineId: r.lineId, lineNo: order.lines.find((l) => l.id === r.lineId)?.lineNo ?? 0, quantity: r.quantity })), reason: input.reason },
        event: 'order.units_released',
      }]);
    }
    await resourceOrder(trx, orderId, [fo.locationId], reason, { lineIds: released.map((r) => r.lineId), actor: ctx.actorName, notThere: true });
  }

  const note = `fulfillment order ${fo.number} rejected: ${input.reason}`;
  const writeOff = shortfall.filter((s) => s.disposition === 'write_off');
  if (writeOff.length > 0) {
    await adjustStock(trx, { lines: writeOff.map((s) => ({ sku: skuOf.get(s.lineId) ?? '', location: fo.locationCode, delta: -s.quantity, reason: 'not_found', note })) }, ctx);
  }
  const quarantine = shortfall.filter((s) => s.disposition === 'quarantine');
  if (quarantine.length > 0) {
    await quarantineStock(trx, { lines: quarantine.map((s) => ({ sku: skuOf.get(s.lineId) ?? '', location: fo.locationCode, quantity: s.quantity, note })) }, ctx);
  }
  // Whole: the order left the warehouse (confirmed), its other open fulfilment orders are withdrawn. Partly shipped:
  // the units sourced again elsewhere go to their new location now; the other fulfilment orders go on.
  await reconcileFulfillmentOrders(trx, orderId, ctx.actorName, whole
    ? { create: false, reason: `${fo.number} was rejected; the order is sourced again` }
    : { create: true, reason: `${fo.number} was rejected; its open units are sourced again` });
  return {
    created: false,
    value: await loadFulfillmentOrder(trx, id),
    audit: { action: 'fulfillment.rejected', entityType: 'fulfillment_order', entityId: id, details: { reason: input.reason, shortfall } },
  };
}

/**
 * Merge (合单): open orders of one customer, to one address, become one shipment. The oldest order (by placed_at) is
 * the target; the open units of the others move into it as new lines (with their reservations, as in a split), and
 * the others are cancelled with merged_into_id pointing at the target.
 */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { AppError, notFound } from '../shared/errors.js';
import { formatMoney } from '../shared/money.js';
import { settleStatus } from './edit-order.js';
import { copyHoldsAndFlags } from './hold.repository.js';
import { moveUnits } from './move-units.js';
import type { Order } from './order.js';
import {
  addTimeline, loadOrder, lockOrders, markMerged, publishOrderEvent, transitionOrder, writeLines, writeOrderTotals,
} from './order.repository.js';
import { assertEditable, canonical, chargesOf, lineLabel, noCharges, openUnits, totalsOf, type OrderState } from './order-state.js';

/** What must be the same for orders to ship as one, in the order a mismatch is reported. */
const mustMatch: readonly [string, (o: OrderState) => string][] = [
  ['customer', (o) => o.customerId],
  ['channel', (o) => o.channelId],
  ['currency', (o) => o.currency],
  ['shipping address', (o) => canonical(o.shippingAddress)],
  ['delivery method', (o) => `${o.deliveryMethod}/${o.pickupLocationId ?? ''}`],
];

export async function mergeOrders(trx: Trx, orderIds: readonly string[], ctx: CommandContext): Promise<CommandResult<Order>> {
  const locked = await lockOrders(trx, orderIds);
  const orders = orderIds.map((id) => {
    const order = locked.find((o) => o.id === id);
    if (!order) throw notFound('order', id);
    return order;
  });
  for (const o of orders) assertEditable(o);
  const [target, ...others] = [...orders].sort((a, b) => a.placedAt.getTime() - b.placedAt.getTime() || a.id.localeCompare(b.id)) as [OrderState, ...OrderState[]];
  for (const o of orders) {
    for (const [what, key] of mustMatch) {
      if (key(o) !== key(target)) {
        throw new AppError('conflict', `order ${o.number} has another ${what} than ${target.number}; only orders of one customer, channel, currency, shipping address and delivery method can be merged`, {
          mismatch: what, orderId: o.id, number: o.number, target: target.number,
        });
      }
    }
  }

  const moves = others.flatMap((o) => o.lines.filter((l) => openUnits(l) > 0).map((from) => ({ from, quantity: openUnits(from) })));
  const firstLineNo = Math.max(0, ...target.lines.map((l) => l.lineNo)) + 1;
  const { sources, created } = await moveUnits(trx, moves, target, firstLineNo, 'cancel', ctx.actorName);
  await writeLines(trx, [...created, ...sources]);

  // Money is not lost: the moved lines keep their discounts and tax, and the target keeps its own shipping charge and
  // takes over those of the merged orders (their shipping, its tax, order discount no line took), so the one order
  // is worth what they were together. The merged orders are left at zero.
  const charges = [target, ...others].map(chargesOf).reduce((a, c) => ({
    shippingMinor: a.shippingMinor + c.shippingMinor, shippingTaxMinor: a.shippingTaxMinor + c.shippingTaxMinor,
    unallocatedDiscountMinor: a.unallocatedDiscountMinor + c.unallocatedDiscountMinor,
  }));
  const lines = [...target.lines, ...created];
  const after = totalsOf(lines, charges);
  const totals = after.totals;
  const version = await writeOrderTotals(trx, target.id, totals, after.charges, lines);
  await markMerged(trx, others.map((o) => o.id), target.id);
  for (const o of others) {
    const left = o.lines.map((l) => sources.find((s) => s.id === l.id) ?? l);
    await writeOrderTotals(trx, o.id, totalsOf(left, noCharges).totals, noCharges, left);
    await transitionOrder(trx, o.id, 'cancelled', ctx.actorName, {
      type: 'merged', message: `Merged into ${target.number}`, details: { mergedInto: target.id, number: target.number },
    });
  }

  const moved = moves.map((m, i) => ({ orderId: m.from.orderId, lineId: m.from.id, sku: m.from.sku, quantity: m.quantity, newLineId: created[i]?.id }));
  const merged = others.map((o) => ({ id: o.id, number: o.number }));
  await addTimeline(trx, target.id, ctx.actorName, [{
    type: 'merged',
    message: `Merged ${merged.map((m) => m.number).join(', ')} into this order: ${moves.map((m, i) => `${lineLabel(m.from)} × ${m.quantity} → line ${created[i]?.lineNo}`).join(', ') || 'no open lines'}; shipping ${formatMoney(target.totals.shippingMinor, target.currency)} → ${formatMoney(totals.shippingMinor, target.currency)}`,
    details: { merged, lines: moved, totals: { from: target.totals, to: totals } },
  }]);
  await publishOrderEvent(trx, 'order.merged', target.id, { version, mergedOrderIds: merged.map((m) => m.id), lines: moved, totals });
  await settleStatus(trx, target, lines, ctx.actorName);
  // A merged order waiting for review brings its holds along: merging must not be a way around review.
  const holds = await copyHoldsAndFlags(trx, others.map((o) => o.id), target.id);
  if (holds > 0 && target.status !== 'on_hold') {
    await transitionOrder(trx, target.id, 'on_hold', ctx.actorName, { type: 'status_changed', message: 'Held: a merged order was on hold' });
  }
  return {
    created: false,
    value: await loadOrder(trx, target.id),
    audit: { action: 'order.merged', entityType: 'order', entityId: target.id, details: { merged: merged.map((m) => m.id) } },
  };
}

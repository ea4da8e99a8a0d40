/** Changing an order's addresses or the buyer's remark while nothing has gone to the warehouse; search follows the shipping address. */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Address, Order } from './order.js';
import { addTimeline, loadOrder, publishOrderEvent, searchFactsOf, writeOrderDetails, type TimelineEntry } from './order.repository.js';
import { canonical } from './order-state.js';
import { orderSearchText } from './search-text.js';
import { lockEditableOrder } from './edit-order.js';

export interface OrderDetailsPatch {
  shippingAddress?: Address;
  billingAddress?: Address | null;
  buyerRemark?: string | null;
}

const describeAddress = (a: Address | null) =>
  a ? [a.name, a.company, a.line1, a.line2, `${a.postalCode} ${a.city}`, a.state, a.country].filter(Boolean).join(', ') : '(none)';
const fieldLabels = { shippingAddress: 'Shipping address', billingAddress: 'Billing address', buyerRemark: 'Buyer remark' } as const;

export async function changeOrderDetails(trx: Trx, orderId: string, patch: OrderDetailsPatch, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandResult<Order>> {
  const order = await lockEditableOrder(trx, orderId, expectedVersion);
  const entries: TimelineEntry[] = [];
  for (const field of ['shippingAddress', 'billingAddress', 'buyerRemark'] as const) {
    if (patch[field] === undefined) continue;
    const from = order[field] ?? null;
    const to = patch[field] ?? null;
    if (canonical(from) === canonical(to)) continue;
    const show = (v: typeof from) => (typeof v === 'string' ? JSON.stringify(v) : v === null && field === 'buyerRemark' ? '(none)' : describeAddress(v));
    entries.push({ type: 'details_changed', message: `${fieldLabels[field]} changed: ${show(from)} → ${show(to)}`, details: { field, from, to } });
  }
  // Nothing differs: nothing to write, and no version to burn.
  if (entries.length === 0) return { created: false, value: await loadOrder(trx, orderId), audit: null };

  const shippingAddress = patch.shippingAddress ?? order.shippingAddress;
  const facts = await searchFactsOf(trx, orderId);
  const version = await writeOrderDetails(trx, orderId, {
    shippingAddress,
    billingAddress: patch.billingAddress === undefined ? order.billingAddress : patch.billingAddress,
    buyerRemark: patch.buyerRemark === undefined ? order.buyerRemark : patch.buyerRemark,
    searchText: orderSearchText({ customer: facts, shippingAddress, externalRef: facts.externalRef }),
  });
  const fields = entries.map((e) => e.details?.field);
  await addTimeline(trx, orderId, ctx.actorName, entries);
  await publishOrderEvent(trx, 'order.changed', orderId, { version, change: 'details_changed', fields });
  return { created: false, value: await loadOrder(trx, orderId), audit: { action: 'order.details_changed', entityType: 'order', entityId: orderId, details: { fields } } };
}

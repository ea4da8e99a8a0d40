/**
 * The steps every order edit shares (details, line quantity, new line, cancelled line, split, merge): lock the order
 * at the version the caller saw while it may still change, and afterwards write the lines, totals, timeline and
 * event, and settle the status.
 */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { formatMoney } from '../shared/money.js';
import type { Order } from './order.js';
import {
  addTimeline, loadOrder, lockOrder, publishOrderEvent, transitionOrder, writeLines, writeOrderTotals, type TimelineEntry,
} from './order.repository.js';
import { assertEditable, assertVersion, chargesOf, settledStatus, totalsOf, type LineState, type OrderState } from './order-state.js';

/** The order, locked, if it exists, is at the version the caller saw (If-Match) and may still be changed. */
export async function lockEditableOrder(trx: Trx, id: string, expectedVersion?: number): Promise<OrderState> {
  const order = await lockOrder(trx, id);
  assertVersion(order, expectedVersion);
  assertEditable(order);
  return order;
}

/** Moves the order where its changed lines say (settledStatus), with a timeline row and event. */
export async function settleStatus(trx: Trx, order: Pick<OrderState, 'id' | 'status'>, lines: readonly LineState[], actor: string): Promise<void> {
  const to = settledStatus(order.status, lines);
  if (!to) return;
  const message = to === 'cancelled' ? 'Every unit cancelled' : to === 'allocated' ? 'Every line reserved' : 'Some units wait for stock';
  await transitionOrder(trx, order.id, to, actor, { type: 'status_changed', message });
}

/** The lines of `order` with `changed` ones replaced and new ones appended. */
export const withChanged = (order: Pick<OrderState, 'lines'>, changed: readonly LineState[]): LineState[] => {
  const byId = new Map(changed.map((l) => [l.id, l]));
  return [...order.lines.map((l) => byId.get(l.id) ?? l), ...changed.filter((l) => !order.lines.some((o) => o.id === l.id))];
};

/** Writes changed lines and the totals the order's lines now make; returns those lines, totals and the new version. */
export async function writeLineChanges(trx: Trx, order: OrderState, changed: readonly LineState[]) {
  const lines = withChanged(order, changed);
  const { totals, charges, clampedMinor } = totalsOf(lines, chargesOf(order));
  await writeLines(trx, changed);
  const version = await writeOrderTotals(trx, order.id, totals, charges, lines);
  return { lines, totals, clampedMinor, version };
}

/** The common tail of a line edit: lines, totals, timeline, event, status — then the order as it now is. */
export async function finishLineEdit(trx: Trx, order: OrderState, changed: readonly LineState[], entry: TimelineEntry, ctx: CommandContext, created: boolean): Promise<CommandResult<Order>> {
  const { lines, totals, clampedMinor, version } = await writeLineChanges(trx, order, changed);
  const totalsEntry: TimelineEntry = {
    type: 'totals_changed',
    message: `Total ${formatMoney(order.totals.totalMinor, order.currency)} → ${formatMoney(totals.totalMinor, order.currency)}`
      + (clampedMinor > 0 ? ` (order discount cut by ${formatMoney(clampedMinor, order.currency)}: it was more than the order)` : ''),
    details: { from: order.totals, to: totals, clampedDiscountMinor: clampedMinor },
  };
  await addTimeline(trx, order.id, ctx.actorName, totals.totalMinor === order.totals.totalMinor ? [entry] : [entry, totalsEntry]);
  await publishOrderEvent(trx, 'order.changed', order.id, { version, change: entry.type, ...entry.details, totals });
  await settleStatus(trx, order, lines, ctx.actorName);
  return { created, value: await loadOrder(trx, order.id), audit: { action: `order.${entry.type}`, entityType: 'order', entityId: order.id, details: entry.details } };
}

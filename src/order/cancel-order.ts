/**
 * Cancelling an order, wholly or some units of some lines, until its last parcel leaves. Reserved units give their
 * stock back (released, in the ledger); backordered or unassigned units had none and simply become cancelled. Each
 * line's money follows its remaining units (its discounts and tax kept by largest remainder, order-state.ts), so the
 * totals say what is still owed; refunding what was paid belongs to the payment module.
 *
 * In the warehouse (in_fulfillment, partially_shipped) only units not yet shipped can be cancelled: a customer's
 * cancellation before the parcel leaves. An order whose every remaining unit then has shipped is shipped.
 */
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { AppError } from '../shared/errors.js';
import { rejectOpenHolds } from './hold.repository.js';
import { writeLineChanges } from './edit-order.js';
import { byStockRow, releaseLineUnits } from './line-stock.js';
import { LineUnits, type Order } from './order.js';
import { addTimeline, loadOrder, lockOrder, transitionOrder, type TimelineEntry } from './order.repository.js';
import {
  activeUnits, everyUnitShipped, openUnits, pickLines, requireStatus, scaleLineMoney, settledStatus, takeUnits, type LineState, type OrderState,
} from './order-state.js';
import { editableStatuses, transitions, type OrderStatus } from './order-status.js';

export const CancelOrderRequest = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why; shown in the timeline' }),
  lines: Type.Optional(Type.Array(LineUnits, { minItems: 1, maxItems: 500, description: 'Cancel only these units; without it every unit not yet shipped is cancelled' })),
}, { additionalProperties: false });
export type CancelOrderRequest = Static<typeof CancelOrderRequest>;

/** Where cancelling is possible: before the warehouse, and in it for units not yet shipped. */
export const cancellableStatuses: readonly OrderStatus[] = [...editableStatuses, 'in_fulfillment', 'partially_shipped'];

interface CancelledLine {
  lineId: string;
  lineNo: number;
  quantity: number;
  released: number;
}

/** A line after `quantity` of its open units are cancelled: what had no stock goes first (takeUnits), money follows. */
function cancelUnits(line: LineState, quantity: number): { next: LineState; done: CancelledLine } {
  const taken = takeUnits(line, quantity);
  const next = { ...line, cancelled: line.cancelled + quantity, backordered: line.backordered - taken.backordered, allocated: line.allocated - taken.allocated };
  Object.assign(next, scaleLineMoney(line, activeUnits(line), activeUnits(next)));
  return { next, done: { lineId: line.id, lineNo: line.lineNo, quantity, released: taken.allocated } };
}

/**
 * Cancels units of a locked order: releases their stock, writes lines and totals, the timeline row and the status.
 * With `lines` undefined every open unit goes and open holds are closed (a cancelled order waits for nobody).
 */
async function cancelUnitsOf(
  trx: Trx, order: OrderState, wanted: readonly { line: LineState; quantity: number }[], actor: string, reason: string,
  opts: { whole: boolean; event?: string; details?: Record<string, unknown> },
): Promise<CancelledLine[]> {
  const results = wanted.filter((w) => w.quantity > 0).map((w) => cancelUnits(w.line, w.quantity));
  for (const r of [...results].sort((a, b) => byStockRow(a.next, b.next))) {
    await releaseLineUnits(trx, order.id, r.next.id, r.done.released, actor);
  }
  const { lines } = await writeLineChanges(trx, order, results.map((r) => r.next));

  const done = results.map((r) => r.done);
  const released = done.reduce((a, l) => a + l.released, 0);
  const closed = opts.whole ? await rejectOpenHolds(trx, order.id, actor) : [];
  const entries: (TimelineEntry & { event?: string })[] = [];
  if (done.length > 0) {
    entries.push({
      type: 'lines_cancelled',
      message: opts.whole ? `Cancelled ${describe(done)}; ${released} reserved unit(s) released` : `Cancelled ${describe(done)}: ${reason}`,
      details: { lines: done, reason },
      ...(opts.event ? { event: opts.event } : {}),
    });
  }
  entries.push(...closed.map((h) => ({
    type: 'hold_closed', message: `Hold ${h.reason_code} closed: the order is cancelled`, details: { holdId: h.id, reasonCode: h.reason_code },
  })));
  await addTimeline(trx, order.id, actor, entries);

  const to = settledStatus(order.status, lines);
  if (to) {
    const message = to === 'cancelled' ? (opts.whole ? `Cancelled: ${reason}` : `Every unit cancelled: ${reason}`)
      : to === 'shipped' ? `Every remaining unit shipped; the rest cancelled: ${reason}` : 'Every remaining unit reserved';
    await transitionOrder(trx, order.id, to, actor, { type: 'status_changed', message, details: { ...opts.details, reason } });
  }
  return done;
}

/**
 * Cancels every open unit of the order and closes its open holds. Used by the cancel route and by rejecting a hold.
 * The caller has locked the order and checked its status.
 */
export async function cancelWholeOrder(trx: Trx, order: OrderState, actor: string, reason: string, details: Record<string, unknown> = {}): Promise<void> {
  await cancelUnitsOf(trx, order, order.lines.map((line) => ({ line, quantity: openUnits(line) })), actor, reason, { whole: true, details });
}

const describe = (lines: readonly CancelledLine[]) => lines.map((l) => `${l.quantity} of line ${l.lineNo}`).join(', ');

export async function cancelOrder(trx: Trx, orderId: string, input: CancelOrderRequest, ctx: CommandContext): Promise<CommandResult<Order>> {
  const order = await lockOrder(trx, orderId);
  requireStatus(order, 'it can be cancelled', cancellableStatuses);
  if (everyUnitShipped(order.lines)) {
    // A held order whose every parcel left (a carrier exception): nothing is open to cancel.
    throw new AppError('invalid_state', `order ${order.number} has shipped every unit; there is nothing left to cancel (returns take back what the customer sends)`, {
      currentStatus: order.status, allowed: transitions[order.status],
    });
  }
  if (!input.lines) {
    await cancelWholeOrder(trx, order, ctx.actorName, input.reason);
    return outcome(trx, orderId, 'order.cancelled', { reason: input.reason });
  }
  const picked = pickLines(order, input.lines);
  const tooMany = picked.filter((p) => p.quantity > openUnits(p.line));
  if (tooMany.length > 0) {
    throw new AppError('invalid_state', `cannot cancel more than a line's open units: ${tooMany.map((p) => `line ${p.line.lineNo} has ${openUnits(p.line)}, not ${p.quantity}`).join('; ')}`, {
      lines: tooMany.map((p) => ({ index: p.index, lineId: p.line.id, requested: p.quantity, open: openUnits(p.line) })),
    });
  }
  const lines = await cancelUnitsOf(trx, order, picked, ctx.actorName, input.reason, { whole: false, event: 'order.lines_cancelled' });
  return outcome(trx, orderId, 'order.lines_cancelled', { reason: input.reason, lines });
}

async function outcome(trx: Trx, orderId: string, action: string, details: Record<string, unknown>): Promise<CommandResult<Order>> {
  return { created: false, value: await loadOrder(trx, orderId), audit: { action, entityType: 'order', entityId: orderId, details } };
}

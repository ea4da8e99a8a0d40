/**
 * Cancelling an order, wholly or some units of some lines, while nothing has gone to the warehouse yet. Reserved
 * units give their stock back (released, in the ledger); backordered units had none and simply become cancelled.
 * Money is not recomputed here: refunds and adjusted totals belong to the payment module.
 */
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandOutcome } from '../http/command.js';
import { Id } from '../http/schemas.js';
import { AppError } from '../shared/errors.js';
import {
  changeLineCounters, lockOrder, moveLineStock, openUnits, pickLines, requireStatus,
  type LineDelta, type LockedLine, type LockedOrder,
} from './lock-order.js';
import { chargesOf, lockOrders, scaleMinor, totalsOf, writeLines, writeOrderTotals } from './change-order.js';
import type { Order } from './order.js';
import { addTimeline, loadOrder, transitionOrder } from './order.repository.js';
import { editableStatuses } from './order-status.js';

export const CancelOrderRequest = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why; shown in the timeline' }),
  lines: Type.Optional(Type.Array(Type.Object({
    lineId: Id,
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 500, description: 'Cancel only these units; without it the whole order is cancelled' })),
}, { additionalProperties: false });
export type CancelOrderRequest = Static<typeof CancelOrderRequest>;

interface CancelledLine {
  lineId: string;
  lineNo: number;
  quantity: number;
  released: number;
}

/**
 * Cancels `quantity` open units of a line: units without stock go first (waiting for a location, then backordered),
 * so that what the customer keeps stays reserved and can ship soonest; then reserved units, whose stock is released.
 * The same order as the order edits take units away in (change-order.ts `takeUnits`).
 */
async function cancelUnits(trx: Trx, order: LockedOrder, line: LockedLine, quantity: number, actor: string): Promise<{ delta: LineDelta; done: CancelledLine }> {
  const waiting = line.quantity - line.allocated - line.shipped - line.cancelled - line.backordered;
  const fromWaiting = Math.min(quantity, waiting);
  const fromBackordered = Math.min(quantity - fromWaiting, line.backordered);
  const fromAllocated = quantity - fromWaiting - fromBackordered;
  await moveLineStock(trx, line.id, 'release', fromAllocated, { actor, ref: { type: 'order', id: order.id } });
  return {
    delta: { id: line.id, cancelled: quantity, backordered: -fromBackordered, allocated: -fromAllocated },
    done: { lineId: line.id, lineNo: line.lineNo, quantity, released: fromAllocated },
  };
}

/**
 * Cancels every open unit of the order and closes its open holds, then moves it to cancelled. Used by the cancel
 * route and by rejecting a hold. The caller has locked the order and checked its status.
 */
export async function cancelWholeOrder(trx: Trx, order: LockedOrder, actor: string, reason: string, details: Record<string, unknown> = {}): Promise<void> {
  const results: { delta: LineDelta; done: CancelledLine }[] = [];
  for (const line of order.lines) {
    const open = openUnits(line);
    if (open > 0) results.push(await cancelUnits(trx, order, line, open, actor));
  }
  await changeLineCounters(trx, results.map((r) => r.delta));
  // A cancelled order waits for nobody: holds still open would keep it in the review queue forever. They are closed
  // as rejected (the order did not go through), by whoever cancelled it.
  const closed = await sql<{ id: string; reason_code: string }>`
    UPDATE order_holds SET status = 'rejected', decided_at = now(), decided_by = ${actor}
    WHERE order_id = ${order.id} AND status = 'open' RETURNING id, reason_code
  `.execute(trx);
  const lines = results.map((r) => r.done);
  await addTimeline(trx, order.id, actor, [
    ...(lines.length > 0 ? [{
      type: 'lines_cancelled',
      message: `Cancelled ${describe(lines)}; ${lines.reduce((a, l) => a + l.released, 0)} reserved unit(s) released`,
      details: { lines, reason },
    }] : []),
    ...closed.rows.map((h) => ({
      type: 'hold_closed', message: `Hold ${h.reason_code} closed: the order is cancelled`, details: { holdId: h.id, reasonCode: h.reason_code },
    })),
  ]);
  await transitionOrder(trx, order.id, 'cancelled', actor, { type: 'status_changed', message: `Cancelled: ${reason}`, details: { ...details, reason } });
}

const describe = (lines: readonly CancelledLine[]) => lines.map((l) => `${l.quantity} of line ${l.lineNo}`).join(', ');

export async function cancelOrder(trx: Trx, orderId: string, input: CancelOrderRequest, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const order = await lockOrder(trx, orderId);
  // Once the warehouse has the order, cancelling is a request to the warehouse (the fulfilment module), not a write here.
  requireStatus(order, 'it can be cancelled', editableStatuses);
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
  const results: { delta: LineDelta; done: CancelledLine }[] = [];
  for (const p of picked) results.push(await cancelUnits(trx, order, p.line, p.quantity, ctx.actorName));
  await changeLineCounters(trx, results.map((r) => r.delta));
  const lines = results.map((r) => r.done);
  await addTimeline(trx, orderId, ctx.actorName, [{
    type: 'lines_cancelled',
    message: `Cancelled ${describe(lines)}: ${input.reason}`,
    details: { lines, reason: input.reason },
    event: 'order.lines_cancelled',
  }]);

  await rewriteTotals(trx, orderId, new Map(results.map((r) => [r.delta.id, r.delta.cancelled ?? 0])));

  const after = order.lines.map((l) => {
    const d = results.find((r) => r.delta.id === l.id)?.delta;
    return { ...l, cancelled: l.cancelled + (d?.cancelled ?? 0), allocated: l.allocated + (d?.allocated ?? 0), backordered: l.backordered + (d?.backordered ?? 0) };
  });
  if (after.every((l) => openUnits(l) === 0)) {
    await transitionOrder(trx, orderId, 'cancelled', ctx.actorName, { type: 'status_changed', message: `Every unit cancelled: ${input.reason}`, details: { reason: input.reason } });
  } else if (order.status === 'confirmed' && after.every((l) => openUnits(l) === l.allocated)) {
    // The units that were waiting for stock are gone and everything left is reserved: the order is ready to ship.
    await transitionOrder(trx, orderId, 'allocated', ctx.actorName, { type: 'status_changed', message: 'Every remaining unit reserved' });
  }
  return outcome(trx, orderId, 'order.lines_cancelled', { reason: input.reason, lines });
}

/**
 * A partly cancelled order owes less: each line's discount and tax shrink with its remaining units, and the order's
 * totals are recomputed from its lines (order-level discount, shipping and shipping tax kept as captured).
 */
async function rewriteTotals(trx: Trx, orderId: string, cancelledNow: ReadonlyMap<string, number>): Promise<void> {
  const [state] = await lockOrders(trx, [orderId]);
  if (!state) return;
  const charges = chargesOf(state);
  const lines = state.lines.map((l) => {
    const now = cancelledNow.get(l.id) ?? 0;
    if (now === 0) return l;
    const before = l.quantity - (l.cancelled - now);
    const after = l.quantity - l.cancelled;
    return { ...l, discountMinor: scaleMinor(l.discountMinor, before, after), taxMinor: scaleMinor(l.taxMinor, before, after) };
  });
  await writeLines(trx, lines);
  await writeOrderTotals(trx, orderId, totalsOf(lines, charges).totals, lines);
}

async function outcome(trx: Trx, orderId: string, action: string, details: Record<string, unknown>): Promise<CommandOutcome<Order>> {
  return { status: 200, body: await loadOrder(trx, orderId), audit: { action, entityType: 'order', entityId: orderId, details } };
}

/**
 * Split: "ship what is there now, the rest later". The given quantities of the given lines move into a new order
 * (same channel, customer, addresses and currency; number W100123-2, external reference EXT/2) whose lines carry the
 * unit price and a largest-remainder share of the line's discounts and tax. The shipping charge (and order discount
 * no line took) stays on the original. Reserved units move with their reservation (move-units.ts). The new order
 * starts like a captured one: received first, then along the transition table to where its units are.
 */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { systemClock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { copyHoldsAndFlags } from './hold.repository.js';
import { lockEditableOrder, settleStatus } from './edit-order.js';
import { moveUnits } from './move-units.js';
import type { Order } from './order.js';
import {
  addTimeline, deleteLines, insertSplitOrder, loadOrder, nextSplitNumber, publishOrderEvent, statusEvents, writeLines, writeOrderTotals,
} from './order.repository.js';
import {
  chargesOf, editableLine, fullyAllocated, lineLabel, noCharges, openUnits, signatureOf, totalsOf, type LineState,
} from './order-state.js';
import { pathTo, type OrderStatus } from './order-status.js';

/** A split-off order starts where its units are: reserved → allocated, else confirmed; unreviewed or held stays so. */
const startingStatus = (from: OrderStatus, lines: readonly LineState[]): OrderStatus =>
  from === 'received' || from === 'on_hold' ? from : fullyAllocated(lines) ? 'allocated' : 'confirmed';

export interface SplitRequest {
  lines: { lineId: string; quantity: number }[];
}

export async function splitOrder(trx: Trx, orderId: string, input: SplitRequest, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandResult<{ original: Order; split: Order }>> {
  const order = await lockEditableOrder(trx, orderId, expectedVersion);
  const seen = new Set<string>();
  const moves = input.lines.map(({ lineId, quantity }, i) => {
    if (seen.has(lineId)) throw new AppError('validation_failed', `line ${lineId} is named twice`, { errors: [{ path: `/body/lines/${i}/lineId`, message: 'named twice' }] });
    seen.add(lineId);
    const from = editableLine(order, lineId);
    if (quantity > openUnits(from)) {
      throw new AppError('validation_failed', `${lineLabel(from)} has ${openUnits(from)} open unit(s); ${quantity} cannot move`, {
        errors: [{ path: `/body/lines/${i}/quantity`, message: `must be <= ${openUnits(from)}` }],
      });
    }
    return { from, quantity };
  });
  const left = order.lines.reduce((a, l) => a + openUnits(l), 0) - moves.reduce((a, m) => a + m.quantity, 0);
  if (left === 0) throw new AppError('validation_failed', 'a split must leave at least one unit in the original order; to move everything, change the order instead');

  const n = await nextSplitNumber(trx, orderId);
  const splitId = systemClock.newId();
  const { sources, created } = await moveUnits(trx, moves, { ...order, id: splitId }, 1, 'reduce', ctx.actorName);

  // A line whose every unit moved would be left with quantity 0, which no line may have: it lives on, whole, in the
  // new order, and the timeline of both orders says so.
  const emptied = sources.filter((l) => l.quantity === 0).map((l) => l.id);
  const kept = order.lines.map((l) => sources.find((s) => s.id === l.id) ?? l).filter((l) => l.quantity > 0);
  const original = totalsOf(kept, chargesOf(order));
  const split = totalsOf(created, noCharges);
  const status = startingStatus(order.status, created);
  const number = `${order.number}-${n}`;
  await insertSplitOrder(trx, orderId, {
    id: splitId, number, n, status, totals: split.totals, trackingToken: systemClock.token(), itemsSignature: signatureOf(created),
  });
  await writeLines(trx, [...created, ...sources.filter((l) => l.quantity > 0)]);
  await deleteLines(trx, emptied);
  const version = await writeOrderTotals(trx, orderId, original.totals, original.charges, kept);
  if (order.status === 'on_hold') await copyHoldsAndFlags(trx, [orderId], splitId);

  const moved = moves.map((m, i) => ({ lineId: m.from.id, lineNo: m.from.lineNo, sku: m.from.sku, quantity: m.quantity, newLineId: created[i]?.id }));
  const what = moves.map((m) => `${lineLabel(m.from)} × ${m.quantity}`).join(', ');
  await addTimeline(trx, orderId, ctx.actorName, [{
    type: 'split', message: `Split into ${number}: ${what}`,
    details: { splitOrderId: splitId, number, lines: moved, totals: { from: order.totals, to: original.totals } },
  }]);
  await publishOrderEvent(trx, 'order.split', orderId, { version, splitOrderId: splitId, number, lines: moved });
  // Born like a captured order: its first event is order.received, then one per step to its status.
  const path = pathTo(status);
  await addTimeline(trx, splitId, ctx.actorName, [{
    type: 'split_from', message: `Split from ${order.number}: ${what}`, toStatus: status, event: statusEvents.received,
    details: { splitFrom: orderId, from: null, to: 'received' },
  }]);
  for (const [i, to] of path.entries()) {
    if (i > 0) await publishOrderEvent(trx, statusEvents[to], splitId, { from: path[i - 1], to, version: 1 });
  }
  await settleStatus(trx, order, kept, ctx.actorName);
  return {
    created: true,
    value: { original: await loadOrder(trx, orderId), split: await loadOrder(trx, splitId) },
    audit: { action: 'order.split', entityType: 'order', entityId: orderId, details: { splitOrderId: splitId, number, lines: moved } },
  };
}

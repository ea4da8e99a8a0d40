/**
 * Split: "ship what is there now, the rest later". The given quantities of the given lines move into a new order
 * (same channel, customer, addresses and currency; number W100123-2, external reference EXT/2) whose lines carry the
 * unit price and a largest-remainder share of the line's discount and tax. The shipping charge and the order-level
 * discount stay on the original. Reserved units move with their reservation: released from the old line and reserved
 * again at the same location for the new line, both in the ledger, in this one transaction.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandOutcome } from '../http/command.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { allocateMinor } from '../shared/money.js';
import {
  chargesOf, editableLine, lineLabel, lockEditableOrder, publishOrderEvent, releaseLineUnits, reserveLineUnits,
  fullyAllocated, settleStatus, signatureOf, takeUnits, totalsOf, writeLines, writeOrderTotals, type LineState, type OrderState,
} from './change-order.js';
import { openUnits } from './lock-order.js';
import type { Order } from './order.js';
import { addTimeline, loadOrder, statusEvents } from './order.repository.js';
import type { OrderStatus } from './order-status.js';

export interface UnitMove {
  from: LineState;
  quantity: number;
}

/**
 * Moves open units of lines into new lines of `target` (numbered from `firstLineNo`), with their share of discount
 * and tax and their reservations. Returns the source lines as they are left and the new lines. `leave` says what
 * becomes of the moved units on the source line: `reduce` lowers its quantity (a split), `cancel` counts them as
 * cancelled (a merge, whose source order is cancelled). Pure where it can be; the only writes are the reservations.
 */
export async function moveUnits(
  trx: Trx,
  moves: readonly UnitMove[],
  target: Pick<OrderState, 'id' | 'channelId' | 'presaleDays'>,
  firstLineNo: number,
  leave: 'reduce' | 'cancel',
  actor: string,
): Promise<{ sources: LineState[]; created: LineState[] }> {
  const sources: LineState[] = [];
  const created: LineState[] = [];
  for (const [i, { from, quantity }] of moves.entries()) {
    const taken = takeUnits(from, quantity);
    // The line's discount and tax belong to its units that are not cancelled; the moved ones take their share.
    const active = from.quantity - from.cancelled;
    const [keepDiscount = 0, moveDiscount = 0] = allocateMinor(from.discountMinor, [active - quantity, quantity]);
    const [keepTax = 0, moveTax = 0] = allocateMinor(from.taxMinor, [active - quantity, quantity]);
    sources.push({
      ...from, allocated: from.allocated - taken.allocated, backordered: from.backordered - taken.backordered,
      discountMinor: keepDiscount, taxMinor: keepTax,
      ...(leave === 'reduce' ? { quantity: from.quantity - quantity } : { cancelled: from.cancelled + quantity }),
    });
    created.push({
      id: newId(), orderId: target.id, lineNo: firstLineNo + i, skuId: from.skuId, sku: from.sku,
      // Units only waiting for stock have no location yet, as at capture.
      locationId: taken.allocated > 0 ? from.locationId : null,
      quantity, allocated: taken.allocated, shipped: 0, cancelled: 0, returned: 0, backordered: taken.backordered,
      unitPriceMinor: from.unitPriceMinor, discountMinor: moveDiscount, taxMinor: moveTax,
    });
  }
  // Released in (SKU, location) order, the order stock rows are locked in, to keep the chance of a deadlock small.
  const releases = moves.map(({ from }, i) => ({ from, units: created[i]?.allocated ?? 0 }))
    .sort((a, b) => a.from.skuId.localeCompare(b.from.skuId) || (a.from.locationId ?? '').localeCompare(b.from.locationId ?? ''));
  for (const { from, units } of releases) await releaseLineUnits(trx, from.orderId, from.id, units, actor);
  // Released above and reserved here in one transaction: the units never become free for anyone else to take.
  await reserveLineUnits(trx, target, created.filter((l) => l.allocated > 0).map((l) => ({
    lineId: l.id, skuId: l.skuId, locationId: l.locationId as string, quantity: l.allocated,
  })), actor);
  return { sources, created };
}

/** Copies a held order's open holds (and its flags) to another order, so a split or merge cannot skip review. */
export async function copyHoldsAndFlags(trx: Trx, fromIds: readonly string[], toId: string): Promise<number> {
  const holds = await sql`
    INSERT INTO order_holds (id, order_id, reason_code, rule_id, note)
    SELECT gen_random_uuid(), ${toId}, reason_code, rule_id, note FROM order_holds
    WHERE order_id = ANY(${fromIds}::uuid[]) AND status = 'open'
      AND reason_code NOT IN (SELECT reason_code FROM order_holds WHERE order_id = ${toId} AND status = 'open')
  `.execute(trx);
  await sql`
    INSERT INTO order_flags (order_id, reason_code, rule_id)
    SELECT DISTINCT ON (reason_code) ${toId}::uuid, reason_code, rule_id FROM order_flags WHERE order_id = ANY(${fromIds}::uuid[])
    ON CONFLICT DO NOTHING
  `.execute(trx);
  return Number(holds.numAffectedRows ?? 0);
}

/** A split-off order starts where its units are: reserved → allocated, else confirmed; unreviewed or held stays so. */
const startingStatus = (from: OrderStatus, lines: readonly LineState[]): OrderStatus =>
  from === 'received' || from === 'on_hold' ? from : fullyAllocated(lines) ? 'allocated' : 'confirmed';

export interface SplitRequest {
  lines: { lineId: string; quantity: number }[];
}

export async function splitOrder(trx: Trx, orderId: string, input: SplitRequest, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandOutcome<{ original: Order; split: Order }>> {
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

  // W100123-2, -3…: the original row is locked, so two splits of one order cannot pick the same number.
  const n = (await sql<{ n: number }>`SELECT count(*)::int + 2 AS n FROM orders WHERE split_from_id = ${orderId}`.execute(trx)).rows[0]?.n ?? 2;
  const splitId = newId();
  const { sources, created } = await moveUnits(trx, moves, { ...order, id: splitId }, 1, 'reduce', ctx.actorName);

  // A line whose every unit moved would be left with quantity 0, which no line may have: it lives on, whole, in the
  // new order, and the timeline of both orders says so.
  const emptied = sources.filter((l) => l.quantity === 0).map((l) => l.id);
  const kept = order.lines.map((l) => sources.find((s) => s.id === l.id) ?? l).filter((l) => l.quantity > 0);
  const original = totalsOf(kept, chargesOf(order));
  if (original.clampedMinor > 0) {
    throw new AppError('invalid_state', `the order-level discount of order ${order.number} would be more than what is left of it; move fewer units`);
  }
  const split = totalsOf(created, { orderDiscountMinor: 0, shippingMinor: 0, shippingTaxMinor: 0 });
  const status = startingStatus(order.status, created);
  const number = `${order.number}-${n}`;
  await sql`
    INSERT INTO orders (id, number, channel_id, external_ref, customer_id, status, currency, subtotal_minor, discount_minor,
      shipping_minor, tax_minor, total_minor, payment_method, payment_authorized_minor, delivery_method, pickup_location_id,
      shipping_address, billing_address, buyer_remark, purchase_order_number, entered_by, search_text, tracking_token,
      items_signature, split_from_id, placed_at)
    SELECT ${splitId}, ${number}, channel_id, external_ref || '/' || ${n}, customer_id, ${status}, currency, ${split.totals.subtotalMinor},
      ${split.totals.discountMinor}, 0, ${split.totals.taxMinor}, ${split.totals.totalMinor},
      -- The payment authorisation stays with the original order: it is the provider's, per order.
      payment_method, 0, delivery_method, pickup_location_id, shipping_address, billing_address, buyer_remark, purchase_order_number,
      entered_by, search_text, ${randomBytes(18).toString('base64url')}, ${signatureOf(created)}, id, placed_at
    FROM orders WHERE id = ${orderId}
  `.execute(trx);
  await writeLines(trx, [...created, ...sources.filter((l) => l.quantity > 0)]);
  if (emptied.length > 0) await trx.deleteFrom('order_lines').where('id', 'in', emptied).execute();
  const version = await writeOrderTotals(trx, orderId, original.totals, kept);
  if (order.status === 'on_hold') await copyHoldsAndFlags(trx, [orderId], splitId);

  const moved = moves.map((m, i) => ({ lineId: m.from.id, lineNo: m.from.lineNo, sku: m.from.sku, quantity: m.quantity, newLineId: created[i]?.id }));
  const what = moves.map((m) => `${lineLabel(m.from)} × ${m.quantity}`).join(', ');
  await addTimeline(trx, orderId, ctx.actorName, [{
    type: 'split', message: `Split into ${number}: ${what}`,
    details: { splitOrderId: splitId, number, lines: moved, totals: { from: order.totals, to: original.totals } },
  }]);
  await publishOrderEvent(trx, 'order.split', orderId, { version, splitOrderId: splitId, number, lines: moved });
  await addTimeline(trx, splitId, ctx.actorName, [{
    type: 'split_from', message: `Split from ${order.number}: ${what}`, toStatus: status, event: statusEvents[status],
    details: { splitFrom: orderId, from: null, to: status },
  }]);
  await settleStatus(trx, order, kept, ctx.actorName);
  return {
    status: 201,
    body: { original: await loadOrder(trx, orderId), split: await loadOrder(trx, splitId) },
    audit: { action: 'order.split', entityType: 'order', entityId: orderId, details: { splitOrderId: splitId, number, lines: moved } },
  };
}

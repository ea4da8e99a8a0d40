/**
 * Money moves with units between the orders of a family (docs/payments.md):
 *
 *   - split: the split-off order takes, from the order it came from, the money its units are worth — first captured
 *     money the original no longer needs, then authorised money it no longer needs — up to the split-off's total;
 *   - merge: the merged (cancelled) order hands all its money — captured and authorised — to the order it was merged
 *     into.
 *
 * A move is two settled ledger rows written together, `transfer_out` on the giving order and `transfer_in` on the
 * taking one (the amount of authorisation moved, and of it the captured part), with no provider call: at the provider
 * it is still the one authorisation (the rows carry its reference, so a capture or refund of the taking order names
 * it). Both orders are locked, in id order, as every order command locks them.
 */
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.js';
import { addTimeline, lockOrder } from '../order/index.js';
import { newId } from '../shared/ids.js';
import { formatMoney } from '../shared/money.js';
import { capturableMinor } from './ledger.js';
import type { MoneyRequest } from './move-money.js';
import { moneyOf, type OrderMoney } from './order-money.js';
import type { Payment } from './payment.js';
import { insertPayment, toPayment } from './payment.repository.js';

interface Edge { from: string; to: string; why: 'split' | 'merge' }

/** The family moves an order takes part in that have not happened yet. */
async function pendingEdges(db: Db | Trx, orderId: string): Promise<Edge[]> {
  const rows = await sql<Edge>`
    SELECT o.split_from_id AS "from", o.id AS "to", 'split' AS why FROM orders o
    WHERE o.split_from_id IS NOT NULL AND (o.id = ${orderId} OR o.split_from_id = ${orderId})
      AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.kind = 'transfer_in' AND p.counterpart_order_id = o.split_from_id)
    UNION ALL
    SELECT o.id, o.merged_into_id, 'merge' FROM orders o
    WHERE o.merged_into_id IS NOT NULL AND (o.id = ${orderId} OR o.merged_into_id = ${orderId})
      AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.kind = 'transfer_out' AND p.counterpart_order_id = o.merged_into_id)`.execute(db);
  return rows.rows;
}

const netCaptured = (m: OrderMoney) => m.totals.capturedMinor - m.totals.refundedMinor - m.totals.chargedBackMinor - m.totals.pendingRefundMinor;

/** What moves along an edge, from the two orders' money under their locks. */
export function amountsToMove(why: Edge['why'], from: OrderMoney, to: OrderMoney): { captured: number; authorized: number } {
  if (why === 'merge') return { captured: Math.max(0, netCaptured(from)), authorized: capturableMinor(from.totals) };
  const stays = from.order.status === 'cancelled' ? 0 : from.order.totals.totalMinor;
  const wanted = to.order.totals.totalMinor;
  const captured = Math.min(wanted, Math.max(0, netCaptured(from) - stays));
  const stillToCapture = Math.max(0, stays - from.totals.capturedMinor - from.totals.pendingCaptureMinor);
  const authorized = Math.min(wanted - captured, Math.max(0, capturableMinor(from.totals) - stillToCapture));
  return { captured, authorized };
}

/** Makes every pending family move of the order; the transfer rows written (both sides). */
export async function moveFamilyMoney(db: Db, orderId: string, actor: MoneyRequest['ctx']): Promise<Payment[]> {
  const written: Payment[] = [];
  for (const edge of await pendingEdges(db, orderId)) {
    written.push(...await db.transaction().execute(async (trx) => {
      // In id order, as every order command locks several orders.
      const [first, second] = [edge.from, edge.to].sort();
      const locked = new Map([[first!, await lockOrder(trx, first!)], [second!, await lockOrder(trx, second!)]]);
      if (!(await pendingEdges(trx, edge.to)).some((e) => e.from === edge.from && e.to === edge.to)) return [];
      const from = await moneyOf(trx, locked.get(edge.from)!);
      const to = await moneyOf(trx, locked.get(edge.to)!);
      const { captured, authorized } = amountsToMove(edge.why, from, to);
      // Nothing to move (the original needs all it has): no row, as a row needs an amount; looked at again next time.
      if (captured + authorized === 0) return [];
      return writeTransfer(trx, from, to.order, { captured, authorized }, edge.why === 'split'
        ? `split: order ${to.order.number} took units of ${from.order.number}` : `merge: order ${from.order.number} merged into ${to.order.number}`, actor);
    }));
  }
  return written;
}

/**
 * Writes one move of money from an order (its money read under its lock) to another: both rows, both timelines.
 * Also an exchange's: the returned goods' value pays the replacement order.
 */
export async function writeTransfer(trx: Trx, from: OrderMoney, to: Pick<OrderMoney['order'], 'id' | 'number'>, amounts: { captured: number; authorized: number }, reason: string, actor: MoneyRequest['ctx']): Promise<Payment[]> {
  const { captured, authorized } = amounts;
  const auth = from.rows.find((r) => (r.kind === 'authorization' || r.kind === 'transfer_in') && r.status === 'succeeded');
  const common = {
    amountMinor: captured + authorized, capturedPartMinor: captured, currency: from.order.currency, status: 'succeeded' as const,
    provider: auth?.provider ?? from.policy.provider, method: auth?.method ?? null, providerRef: auth?.provider_ref ?? null,
    actor: actor.actorName, principalId: null, requestKey: null, requestHash: null, reason,
  };
  const outId = newId();
  const inId = newId();
  const out = await insertPayment(trx, { ...common, id: outId, orderId: from.order.id, kind: 'transfer_out', providerKey: `transfer_out:${outId}`, counterpartOrderId: to.id });
  const inn = await insertPayment(trx, { ...common, id: inId, orderId: to.id, kind: 'transfer_in', providerKey: `transfer_in:${inId}`, counterpartOrderId: from.order.id });
  const amount = formatMoney(common.amountMinor, common.currency);
  const of = `${formatMoney(captured, common.currency)} of it captured`;
  await addTimeline(trx, from.order.id, actor.actorName, [{ type: 'payment_transfer_out', message: `${amount} (${of}) moved to order ${to.number}: ${reason}`, details: { paymentId: outId, toOrderId: to.id, amountMinor: common.amountMinor, capturedMinor: captured }, event: 'order.payment_transfer_out' }]);
  await addTimeline(trx, to.id, actor.actorName, [{ type: 'payment_transfer_in', message: `${amount} (${of}) moved from order ${from.order.number}: ${reason}`, details: { paymentId: inId, fromOrderId: from.order.id, amountMinor: common.amountMinor, capturedMinor: captured }, event: 'order.payment_transfer_in' }]);
  return [toPayment(out), toPayment(inn)];
}

/** Orders with a family move not yet made, changed in the last week (older ones are moved on demand). */
export async function familiesToMove(db: Db, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    SELECT o.id FROM orders o
    WHERE o.updated_at > now() - interval '7 days'
      AND ((o.split_from_id IS NOT NULL
            AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.split_from_id AND p.status = 'succeeded')
            AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.kind = 'transfer_in' AND p.counterpart_order_id = o.split_from_id))
        OR (o.merged_into_id IS NOT NULL
            AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'succeeded')
            AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.kind = 'transfer_out' AND p.counterpart_order_id = o.merged_into_id)))
    ORDER BY o.id LIMIT ${limit}`.execute(db);
  return rows.rows.map((r) => r.id);
}

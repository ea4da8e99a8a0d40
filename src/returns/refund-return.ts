/**
 * Paying back a return: every unit that arrived (whatever inspection did with it), by the channel's return policy —
 * the restocking fee, and shipping with the last unit of the order if the policy refunds it — through the payment
 * module, which explains every number. A quote answers the same explanation without paying. Once the refund
 * succeeds the return is refunded (the hook `returnRefundSettled`, wired by the composition root, also for refunds
 * that recovery finishes).
 */
import type { CommandResult } from '../db/command.js';
import type { Db, Trx } from '../db/database.js';
import { addTimeline } from '../order/index.js';
import { planRefund, refundOf, type MoneyRequestOf, type Payment, type RefundExplanation, type RefundSpec, type SettleHooks } from '../payment/index.js';
import { AppError } from '../shared/errors.js';
import { lockForMove } from './decide-return.js';
import { lockReturn, policyOf, returnLinesOf, returnOrderId, setReturnStatus } from './return.repository.js';

export async function specOf(trx: Trx, returnId: string, currency: string | undefined): Promise<RefundSpec> {
  const orderId = await returnOrderId(trx, returnId);
  const channel = await trx.selectFrom('orders').select('channel_id').where('id', '=', orderId).executeTakeFirstOrThrow();
  const policy = await policyOf(trx, channel.channel_id);
  const lines = (await returnLinesOf(trx, returnId)).filter((l) => l.received > 0).map((l) => ({ lineId: l.lineId, quantity: l.received }));
  const exchanged = await trx.selectFrom('returns').innerJoin('orders', 'orders.id', 'returns.exchange_order_id')
    .select(['returns.exchange_minor as amount', 'orders.number']).where('returns.id', '=', returnId).executeTakeFirst();
  return {
    orderId, currency, lines, shipping: 'policy', refundShipping: policy.refundShipping, restockingFeeBps: policy.restockingFeeBps,
    reason: 'return', returnId,
    ...(exchanged && exchanged.amount > 0 && { exchange: { amountMinor: exchanged.amount, rule: `paid for the replacement order ${exchanged.number} (moved to it when the exchange was made)` } }),
  };
}

/** Refused unless the return was inspected and has no refund that succeeded or may still. */
async function requireRefundable(trx: Trx, returnId: string): Promise<void> {
  await lockForMove(trx, returnId, 'refunded');
  const prior = await trx.selectFrom('payments').select(['id', 'status']).where('return_id', '=', returnId).where('kind', '=', 'refund').where('status', '<>', 'failed').executeTakeFirst();
  if (prior) throw new AppError('invalid_state', `the return already has a refund (${prior.id}, ${prior.status}); see GET /v1/refunds/${prior.id}`, { refundId: prior.id });
}

export async function quoteReturnRefund(db: Db, returnId: string): Promise<RefundExplanation> {
  return db.transaction().execute(async (trx) => (await planRefund(trx, await specOf(trx, returnId, undefined))).explanation);
}

export async function refundReturn(db: Db, returnId: string, currency: string | undefined, request: MoneyRequestOf, hooks: SettleHooks): Promise<CommandResult<Payment>> {
  const spec = await db.transaction().execute((trx) => specOf(trx, returnId, currency));
  return refundOf(db, { ...spec, before: (trx) => requireRefundable(trx, returnId) }, request, hooks);
}

/** The hook the payment module calls when a refund of a return is settled. */
export async function returnRefundSettled(trx: Trx, payment: Payment, actor: string): Promise<void> {
  if (payment.status !== 'succeeded' || payment.returnId === null) return;
  const r = await lockReturn(trx, payment.returnId);
  if (r.status !== 'inspected') return;
  await setReturnStatus(trx, r.id, 'refunded');
  await addTimeline(trx, r.orderId, actor, [{
    type: 'return_refunded', message: `Return ${r.number} refunded`, details: { returnId: r.id, number: r.number, paymentId: payment.id }, event: 'order.return_refunded',
  }]);
}


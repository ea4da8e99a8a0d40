/** An order's money in one answer: paid, partially paid, refunded, balance due — and every ledger row behind it. */
import type { DbOrTrx } from '../db/database.js';
import { notFound } from '../shared/errors.js';
import { balanceDueMinor, capturableMinor, paymentStateOf, refundableMinor, totalsOf } from './ledger.js';
import type { PaymentSummary } from './payment.js';
import { cancellationRefundedMinor, orderFacts, paymentsOf, paymentTermsOf, policyOf, toLedgerRow, toPayment } from './payment.repository.js';

export async function paymentSummary(db: DbOrTrx, orderId: string): Promise<PaymentSummary> {
  const order = await orderFacts(db, orderId);
  if (!order) throw notFound('order', orderId);
  const rows = await paymentsOf(db, orderId);
  const t = totalsOf(rows.map(toLedgerRow));
  const policy = await policyOf(db, order.channelId);
  const due = balanceDueMinor(t, order.totalMinor);
  const terms = due > 0 ? await paymentTermsOf(db, order.customerId) : 0;
  return {
    orderId, currency: order.currency, orderTotalMinor: order.totalMinor, state: paymentStateOf(t, order.totalMinor),
    authorizedMinor: t.authorizedMinor, voidedMinor: t.voidedMinor, capturedMinor: t.capturedMinor, refundedMinor: t.refundedMinor,
    chargedBackMinor: t.chargedBackMinor, pendingMinor: t.pendingCaptureMinor + t.pendingRefundMinor + t.pendingVoidMinor,
    capturableMinor: capturableMinor(t), refundableMinor: refundableMinor(t), balanceDueMinor: due,
    overpaidMinor: Math.max(0, t.capturedMinor - t.chargedBackMinor - await cancellationRefundedMinor(db, orderId) - (order.status === 'cancelled' ? 0 : order.totalMinor)),
    dueAt: terms > 0 ? new Date(order.placedAt.getTime() + terms * 86_400_000).toISOString().slice(0, 10) : null,
    provider: policy.provider, capturePolicy: policy.capture,
    payments: rows.map(toPayment),
  };
}

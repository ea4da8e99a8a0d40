/** An order's money in one answer: paid, partially paid, refunded, balance due — and every ledger row behind it. */
import type { DbOrTrx } from '../db/database.js';
import { notFound } from '../shared/errors.js';
import { balanceDueMinor, capturableMinor, paymentStateOf, refundableMinor, totalsOf } from './ledger.js';
import type { PaymentSummary } from './payment.js';
import { termsOf } from './invoice-terms.js';
import { cancellationRefundedMinor, orderFacts, paymentsOf, paymentTermsOf, policyOf, providerKindOf, toLedgerRow, toPayment } from './payment.repository.js';

export async function paymentSummary(db: DbOrTrx, orderId: string): Promise<PaymentSummary> {
  const order = await orderFacts(db, orderId);
  if (!order) throw notFound('order', orderId);
  const rows = await paymentsOf(db, orderId);
  const t = totalsOf(rows.map(toLedgerRow));
  const policy = await policyOf(db, order.channelId);
  const due = balanceDueMinor(t, order.totalMinor);
  // Invoice terms apply to money paid offline (bank transfer, invoice) by a customer with payment terms.
  const days = (await providerKindOf(db, policy.provider)) === 'offline' ? await paymentTermsOf(db, order.customerId) : 0;
  const terms = days > 0 ? termsOf(order.placedAt, days, order.status === 'cancelled' ? 0 : due) : null;
  return {
    orderId, currency: order.currency, orderTotalMinor: order.totalMinor, state: paymentStateOf(t, order.totalMinor),
    authorizedMinor: t.authorizedMinor, voidedMinor: t.voidedMinor, capturedMinor: t.capturedMinor, refundedMinor: t.refundedMinor,
    chargedBackMinor: t.chargedBackMinor, pendingMinor: t.pendingCaptureMinor + t.pendingRefundMinor + t.pendingVoidMinor,
    capturableMinor: capturableMinor(t), refundableMinor: refundableMinor(t), balanceDueMinor: due,
    overpaidMinor: Math.max(0, t.capturedMinor - t.chargedBackMinor - await cancellationRefundedMinor(db, orderId) - (order.status === 'cancelled' ? 0 : order.totalMinor)),
    paymentTermsDays: terms?.paymentTermsDays ?? null, dueAt: terms?.dueAt ?? null, overdue: terms?.overdue ?? false, daysOverdue: terms?.daysOverdue ?? 0,
    provider: policy.provider, capturePolicy: policy.capture,
    payments: rows.map(toPayment),
  };
}

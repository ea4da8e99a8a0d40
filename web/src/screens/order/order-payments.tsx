import { money, when } from '../../api.js';
import { Load } from '../../components.js';
import { t, useLanguage, type MessageKey } from '../../i18n.js';
import type { Order, Payment, PaymentSummary } from '../../types.js';
import { useApi } from '../../use-api.js';
import { useFollowOrder } from './order-action.js';
import { OrderRefund } from './order-refund.js';
import { RefundBreakdown } from './refund-breakdown.js';

const known = (prefix: string, value: string) => t(`${prefix}.${value}` as MessageKey, { defaultValue: value });

function PaymentRow({ p, lang }: { p: Payment; lang: string }) {
  return (
    <tr data-payment={p.id} data-kind={p.kind}>
      <td>{when(p.createdAt, lang)}</td>
      <td>{known('order.payment.kind', p.kind)}</td>
      <td><span class={`badge payment-${p.status}`}>{known('order.payment.status', p.status)}</span></td>
      <td class="num">{money(p.amountMinor, p.currency, lang)}</td>
      <td>{p.provider}{p.method ? ` · ${p.method}` : ''}</td>
      <td>{[p.reason, p.failureReason].filter(Boolean).join(' · ') || '—'}</td>
    </tr>
  );
}

/**
 * The order's money (GET /v1/orders/{id}/payments): the totals, every ledger row, each refund's explanation part by
 * part, and — for a role with refund:write — a refund without a return.
 */
export function OrderPayments({ order, canRefund }: { order: Order; canRefund: boolean }) {
  const lang = useLanguage();
  const summary = useApi<PaymentSummary>(`/orders/${order.id}/payments`, 15_000);
  useFollowOrder(summary.reload, order.version);
  const m = (minor: number, currency: string) => money(minor, currency, lang);
  return (
    <section aria-labelledby="payments-heading">
      <h2 id="payments-heading">{t('order.payments.title')}</h2>
      <Load state={summary}>
        {(s) => (
          <>
            <dl class="facts" data-testid="payment-summary">
              <dt>{t('order.payments.state')}</dt><dd>{known('order.payments.stateOf', s.state)}</dd>
              <dt>{t('order.payments.provider')}</dt><dd>{s.provider} · {known('order.payments.policy', s.capturePolicy)}</dd>
              <dt>{t('order.payments.authorized')}</dt><dd>{m(s.authorizedMinor, s.currency)}</dd>
              <dt>{t('order.payments.captured')}</dt><dd>{m(s.capturedMinor, s.currency)}</dd>
              <dt>{t('order.payments.refunded')}</dt><dd data-testid="refunded">{m(s.refundedMinor, s.currency)}</dd>
              <dt>{t('order.payments.refundable')}</dt><dd>{m(s.refundableMinor, s.currency)}</dd>
              <dt>{t('order.payments.balanceDue')}</dt><dd>{m(s.balanceDueMinor, s.currency)}</dd>
            </dl>
            {s.payments.length === 0 ? <p class="muted">{t('order.payments.none')}</p> : (
              <table class="payments">
                <thead><tr>
                  <th scope="col">{t('order.payments.at')}</th><th scope="col">{t('order.payments.kind')}</th><th scope="col">{t('order.payments.status')}</th>
                  <th scope="col" class="num">{t('order.refund.amount')}</th><th scope="col">{t('order.payments.provider')}</th><th scope="col">{t('order.payments.note')}</th>
                </tr></thead>
                <tbody>{s.payments.map((p) => <PaymentRow key={p.id} p={p} lang={lang} />)}</tbody>
              </table>
            )}
            {s.payments.filter((p) => p.kind === 'refund' && p.explanation).map((p) => {
              const label = t('order.refund.of', { amount: m(p.amountMinor, p.currency), at: when(p.createdAt, lang) });
              return (
                <div key={p.id} class="refund" data-refund={p.id}>
                  <h3>{label}</h3>
                  <RefundBreakdown explanation={p.explanation!} label={label} />
                </div>
              );
            })}
            {canRefund && s.refundableMinor > 0 && <OrderRefund order={order} onDone={summary.reload} />}
          </>
        )}
      </Load>
    </section>
  );
}

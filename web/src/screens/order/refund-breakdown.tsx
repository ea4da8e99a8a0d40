import { money } from '../../api.js';
import { t, useLanguage } from '../../i18n.js';
import type { RefundExplanation } from '../../types.js';
import { refundRows } from './refund-parts.js';

/** A refund's parts as a sum, each with the API's rule (its inputs) beside the number. */
export function RefundBreakdown({ explanation, label }: { explanation: RefundExplanation; label: string }) {
  const lang = useLanguage();
  return (
    <table class="refund-parts" aria-label={label}>
      <thead><tr><th scope="col">{t('order.refund.part')}</th><th scope="col" class="num">{t('order.refund.amount')}</th><th scope="col">{t('order.refund.rule')}</th></tr></thead>
      <tbody>
        {refundRows(explanation).map((r, i) => (
          <tr key={i} class={r.key === 'order.refund.part.total' ? 'total' : undefined}>
            <th scope="row">{t(r.key, r.values)}</th>
            <td class="num">{money(r.amountMinor, explanation.currency, lang)}</td>
            <td class="muted">{r.rule}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

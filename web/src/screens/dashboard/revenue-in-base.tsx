import { money } from '../../api.js';
import { t, useLanguage } from '../../i18n.js';

/** GET /v1/dashboard's `today.revenueInBase`: the total in the base currency and what it is made of. */
export interface RevenueInBase {
  baseCurrency: string;
  rateDay: string;
  totalMinor: number;
  complete: boolean;
  missingRates: string[];
  byCurrency: { currency: string; amountMinor: number; rate: string | null; rateEffectiveFrom: string | null; baseAmountMinor: number | null }[];
}

/**
 * Today's revenue added up in the base currency, each currency's line showing the rate used and the day it took
 * effect; a currency without a rate is shown as such and named below the table, never converted at a guess.
 */
export function RevenueInBaseTable({ revenue: r }: { revenue: RevenueInBase }) {
  const lang = useLanguage();
  const rate = (value: string) => Number(value).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: 12 });
  return (
    <section aria-labelledby="dashboard-base-title">
      <h2 id="dashboard-base-title">{t('dashboard.baseTitle', { currency: r.baseCurrency })}</h2>
      <table>
        <thead><tr>
          <th>{t('dashboard.baseCurrency')}</th><th class="num">{t('dashboard.revenue')}</th><th class="num">{t('dashboard.baseRate')}</th>
          <th>{t('dashboard.baseRateFrom')}</th><th class="num">{t('dashboard.baseIn', { currency: r.baseCurrency })}</th>
        </tr></thead>
        <tbody>
          {r.byCurrency.map((c) => (
            <tr key={c.currency} data-currency={c.currency}>
              <td>{c.currency}</td><td class="num">{money(c.amountMinor, c.currency, lang)}</td>
              <td class="num">{c.rate === null ? t('dashboard.baseNoRate') : c.currency === r.baseCurrency ? t('dashboard.baseIsBase') : rate(c.rate)}</td>
              <td>{c.rateEffectiveFrom ?? '—'}</td>
              <td class="num">{c.baseAmountMinor === null ? '—' : money(c.baseAmountMinor, r.baseCurrency, lang)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot><tr><th scope="row" colSpan={4}>{t('dashboard.baseTotal', { currency: r.baseCurrency })}</th><td class="num"><strong>{money(r.totalMinor, r.baseCurrency, lang)}</strong></td></tr></tfoot>
      </table>
      <p class="muted">{t('dashboard.baseNote', { date: r.rateDay })}</p>
      {!r.complete && <p class="note" role="note">{t('dashboard.baseMissing', { currencies: r.missingRates.join(', ') })}</p>}
    </section>
  );
}

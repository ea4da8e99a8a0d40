import { useState } from 'preact/hooks';
import { query } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Page, StockLevel } from '../../types.js';
import { useApi } from '../../use-api.js';

export function StockPage() {
  const [filter, setFilter] = useState<{ sku?: string; location?: string; nonZero?: string }>({ nonZero: 'true' });
  const stock = useApi<Page<StockLevel>>(`/stock${query({ ...filter, limit: '100' })}`);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const v = (n: string) => formText(form, n) || undefined;
    setFilter({ sku: v('sku'), location: v('location'), nonZero: form.get('nonZero') ? 'true' : undefined });
  };
  return (
    <section>
      <h1>{t('stock.title')}</h1>
      <form class="filters" onSubmit={submit}>
        <Field label={t('stock.sku')}><input name="sku" /></Field>
        <Field label={t('stock.location')}><input name="location" /></Field>
        <label class="check"><input name="nonZero" type="checkbox" defaultChecked /> {t('stock.nonZero')}</label>
        <div class="buttons"><button type="submit">{t('common.search')}</button></div>
      </form>
      <Load state={stock} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table>
            <thead><tr>
              <th>{t('stock.sku')}</th><th>{t('stock.location')}</th><th class="num">{t('stock.onHand')}</th><th class="num">{t('stock.reserved')}</th>
              <th class="num">{t('stock.quarantined')}</th><th class="num">{t('stock.safety')}</th><th class="num">{t('stock.available')}</th>
            </tr></thead>
            <tbody>
              {p.data.map((s) => (
                <tr key={`${s.sku}@${s.location}`}>
                  <td><a href={`#/availability/${encodeURIComponent(s.sku)}`}>{s.sku}</a></td><td>{s.location}</td>
                  <td class="num">{s.onHand}</td><td class="num">{s.reserved}</td><td class="num">{s.quarantined}</td>
                  <td class="num">{s.safetyStock}</td><td class="num"><strong>{s.available}</strong></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

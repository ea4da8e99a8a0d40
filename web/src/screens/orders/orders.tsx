import { useState } from 'preact/hooks';
import { money, query, when, type Session } from '../../api.js';
import { Field, Load, StatusBadge, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Order, Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { filterNames, toApiFilters, type Filters } from './filters.js';
import { SavedViews } from './saved-views.js';

const statuses = ['received', 'on_hold', 'confirmed', 'allocated', 'in_fulfillment', 'partially_shipped', 'shipped', 'delivered', 'completed', 'cancelled'] as const;
export function OrdersPage({ session }: { session: Session }) {
  const lang = useLanguage();
  const [filters, setFilters] = useState<Filters>({});
  // A new key re-creates the form, so that a saved view's filters show in its fields.
  const [formKey, setFormKey] = useState(0);
  const [cursor, setCursor] = useState<string | undefined>();
  const path = `/orders${query({ ...toApiFilters(filters), cursor, limit: '50' })}`;
  const orders = useApi<Page<Order>>(path, 15_000);
  const mayQ = session.permissions.includes('customer:read');

  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const next: Filters = {};
    for (const name of filterNames) {
      const v = formText(form, name);
      if (v) next[name] = v;
    }
    setCursor(undefined);
    setFilters(next);
  };

  const apply = (f: Filters) => {
    setCursor(undefined);
    setFilters(f);
    setFormKey((k) => k + 1);
  };

  return (
    <section>
      <h1>{t('orders.title')}</h1>
      <SavedViews filters={filters} onApply={apply} mayWrite={session.permissions.includes('view:write')} />
      <form key={formKey} class="filters" onSubmit={submit} role="search">
        {mayQ && <Field label={t('orders.q')}><input name="q" type="search" minLength={3} defaultValue={filters.q} /></Field>}
        <Field label={t('orders.externalRef')}><input name="externalRef" defaultValue={filters.externalRef} /></Field>
        <Field label={t('orders.status')}>
          <select name="status" defaultValue={filters.status ?? ''}>
            <option value="">{t('orders.anyStatus')}</option>
            {statuses.map((s) => <option key={s} value={s} selected={s === filters.status}>{t(`status.${s}`)}</option>)}
          </select>
        </Field>
        <Field label={t('orders.channel')}><input name="channel" defaultValue={filters.channel} /></Field>
        <Field label={t('orders.location')}><input name="location" defaultValue={filters.location} /></Field>
        <Field label={t('orders.sku')}><input name="sku" defaultValue={filters.sku} /></Field>
        <Field label={t('orders.holdReason')}><input name="holdReason" defaultValue={filters.holdReason} /></Field>
        <Field label={t('orders.placedFrom')}><input name="placedFrom" type="date" defaultValue={filters.placedFrom} /></Field>
        <Field label={t('orders.placedTo')}><input name="placedTo" type="date" defaultValue={filters.placedTo} /></Field>
        <div class="buttons">
          <button type="submit">{t('common.search')}</button>
          <button type="reset" onClick={() => apply({})}>{t('common.clear')}</button>
        </div>
      </form>
      <Load state={orders} empty={(p) => p.data.length === 0}>
        {(p) => (
          <>
            <table class="orders">
              <thead><tr>
                <th>{t('orders.number')}</th><th>{t('orders.externalRef')}</th><th>{t('orders.channel')}</th><th>{t('orders.customer')}</th>
                <th>{t('orders.status')}</th><th class="num">{t('orders.total')}</th><th>{t('orders.placedAt')}</th>
              </tr></thead>
              <tbody>
                {p.data.map((o) => (
                  <tr key={o.id}>
                    <td><a href={`#/orders/${o.id}`}>{o.number}</a></td>
                    <td>{o.externalRef}</td>
                    <td>{o.channel}</td>
                    <td class="customer">{o.customer.name}</td>
                    <td><StatusBadge status={o.status} /></td>
                    <td class="num">{money(o.totals.totalMinor, o.currency, lang)}</td>
                    <td>{when(o.placedAt, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div class="pager">
              {cursor && <button type="button" onClick={() => setCursor(undefined)}>{t('common.first')}</button>}
              {p.next && <button type="button" onClick={() => setCursor(new URL(p.next!, location.origin).searchParams.get('cursor') ?? undefined)}>{t('common.next')}</button>}
            </div>
          </>
        )}
      </Load>
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../../api.js';
import { Load } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi, type Loaded } from '../../use-api.js';

interface SupplyOrder {
  id: string; type: 'purchase_order' | 'production_order' | 'transfer'; reference: string | null; location: string; sourceLocation: string | null;
  status: 'open' | 'in_transit' | 'received' | 'cancelled'; expectedOn: string;
  lines: { sku: string; quantity: number; received: number; expectedOn: string }[];
}

const date = (day: string, lang: string) => new Date(`${day}T00:00:00Z`).toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en', { dateStyle: 'medium', timeZone: 'UTC' });

/** Still expected: open purchase and production orders and transfers in transit (GET /v1/supply, once per status). */
function useExpected(filter: { sku?: string; location?: string }, refresh: number): Loaded<SupplyOrder[]> {
  const open = useApi<Page<SupplyOrder>>(`/supply${query({ ...filter, status: 'open', limit: '100' })}`);
  const moving = useApi<Page<SupplyOrder>>(`/supply${query({ ...filter, status: 'in_transit', limit: '100' })}`);
  useEffect(() => {
    if (refresh === 0) return;
    open.reload();
    moving.reload();
  }, [refresh]);
  const data = open.data && moving.data
    ? [...open.data.data, ...moving.data.data].sort((a, b) => a.expectedOn.localeCompare(b.expectedOn))
    : undefined;
  return { data, error: open.error ?? moving.error, loading: open.loading || moving.loading, reload: () => { open.reload(); moving.reload(); } };
}

/**
 * Incoming supply of the grid's SKU and location filter: each line still expected with its date, and for a role that
 * may write stock, Receive (everything still expected, into on hand at the destination).
 */
export function IncomingSupply({ filter, refresh, mayWrite, onReceived }: {
  filter: { sku?: string; location?: string }; refresh: number; mayWrite: boolean; onReceived: (message: string) => void;
}) {
  const lang = useLanguage();
  const supply = useExpected(filter, refresh);
  const [error, setError] = useState('');
  const receive = (s: SupplyOrder) => {
    setError('');
    const path = s.type === 'transfer' ? `/stock/transfers/${s.id}/receive` : `/supply/${s.id}/receive`;
    api('POST', path, {}, { idempotent: true }).then(
      () => onReceived(t('stock.supply.received', { reference: s.reference ?? t(`stock.supply.type.${s.type}`), location: s.location })),
      (err: Error) => setError(err.message),
    );
  };
  return (
    <section aria-labelledby="stock-supply-title">
      <h2 id="stock-supply-title">{t('stock.supply.title')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      <Load state={supply} empty={(rows) => rows.length === 0}>
        {(rows) => (
          <table>
            <thead><tr>
              <th>{t('stock.supply.type')}</th><th>{t('stock.supply.reference')}</th><th>{t('stock.sku')}</th><th>{t('stock.supply.to')}</th>
              <th>{t('stock.supply.expectedOn')}</th><th class="num">{t('stock.supply.expected')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th>
            </tr></thead>
            <tbody>
              {rows.flatMap((s) => s.lines.filter((l) => (!filter.sku || l.sku === filter.sku) && l.quantity > l.received).map((l, i) => (
                <tr key={`${s.id}-${l.sku}`} data-supply={s.reference ?? s.id}>
                  <td>{t(`stock.supply.type.${s.type}`)}</td><td>{s.reference ?? '—'}</td><td>{l.sku}</td>
                  <td>{s.sourceLocation ? t('stock.supply.fromTo', { from: s.sourceLocation, to: s.location }) : s.location}</td>
                  <td>{date(l.expectedOn, lang)}</td><td class="num">{l.quantity - l.received}</td>
                  <td>{mayWrite && i === 0 && (
                    <button type="button" class="secondary" onClick={() => receive(s)}>{t('stock.supply.receive', { reference: s.reference ?? s.location })}</button>
                  )}</td>
                </tr>
              )))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

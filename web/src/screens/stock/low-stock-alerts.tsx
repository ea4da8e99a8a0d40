import { useEffect, useState } from 'preact/hooks';
import { api, when } from '../../api.js';
import { Load } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';

interface Alert {
  id: string; sku: string; location: string; available: number; reorderPoint: number; status: 'open' | 'acknowledged' | 'resolved';
  createdAt: string; acknowledgedAt: string | null; acknowledgedBy: string | null;
}

/**
 * Low-stock alerts not yet resolved (GET /v1/alerts): raised when available falls to a row's reorder point, resolved
 * by themselves when stock recovers. Acknowledging says someone has seen it (it stays listed until resolved).
 */
export function LowStockAlerts({ refresh, mayWrite, onChanged }: { refresh: number; mayWrite: boolean; onChanged: (message: string) => void }) {
  const lang = useLanguage();
  const alerts = useApi<Page<Alert>>('/alerts?limit=100');
  const [error, setError] = useState('');
  useEffect(() => {
    if (refresh > 0) alerts.reload();
  }, [refresh]);
  const acknowledge = (a: Alert) => {
    setError('');
    api('POST', `/alerts/${a.id}/acknowledge`, undefined, { idempotent: true }).then(
      () => onChanged(t('stock.alerts.acknowledged', { sku: a.sku, location: a.location })),
      (err: Error) => setError(err.message),
    );
  };
  return (
    <section aria-labelledby="stock-alerts-title">
      <h2 id="stock-alerts-title">{t('stock.alerts.title')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      <Load state={alerts} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table>
            <thead><tr>
              <th>{t('stock.sku')}</th><th>{t('stock.location')}</th><th class="num">{t('stock.alerts.available')}</th><th class="num">{t('stock.alerts.reorderPoint')}</th>
              <th>{t('stock.alerts.raised')}</th><th>{t('stock.alerts.status')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th>
            </tr></thead>
            <tbody>
              {p.data.map((a) => (
                <tr key={a.id} data-alert={`${a.sku}@${a.location}`}>
                  <td>{a.sku}</td><td>{a.location}</td><td class="num">{a.available}</td><td class="num">{a.reorderPoint}</td>
                  <td>{when(a.createdAt, lang)}</td>
                  <td>{a.status === 'acknowledged' ? t('stock.alerts.seenBy', { name: a.acknowledgedBy ?? '' }) : t(`stock.alerts.status.${a.status}`)}</td>
                  <td>{mayWrite && a.status === 'open' && (
                    <button type="button" class="secondary" onClick={() => acknowledge(a)}>{t('stock.alerts.acknowledge', { sku: a.sku, location: a.location })}</button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

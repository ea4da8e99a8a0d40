import { useMemo } from 'preact/hooks';
import { money, query } from '../../api.js';
import { Load, StatusBadge } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import { useApi } from '../../use-api.js';
import type { DaySeries } from './day-series.js';
import { OrdersChart } from './orders-chart.js';
import { RevenueInBaseTable, type RevenueInBase } from './revenue-in-base.js';

interface Dashboard {
  since: string;
  at: string;
  today: { orders: number; byStatus: Record<string, number>; byChannel: { channel: string; currency: string; orders: number; revenueMinor: number }[]; revenueInBase: RevenueInBase };
  held: { orders: number };
  late: { late: number; atRisk: number; lateAfterHours: number; atRiskAfterHours: number };
  lowStock: { open: number; acknowledged: number };
  capture: { lastHour: number; perMinute: number };
  series?: DaySeries;
}

/** A number with its label, a link to where it is worked on when there is one. */
function Tile({ label, value, href, tone, help }: { label: string; value: number | string; href?: string; tone?: 'warn' | 'bad'; help?: string }) {
  const body = <><span class="tile-value">{value}</span><span class="tile-label">{label}</span>{help && <span class="tile-help">{help}</span>}</>;
  return <li class={`tile${tone ? ` tile-${tone}` : ''}`}>{href ? <a class="tile-body" href={href}>{body}</a> : <div class="tile-body">{body}</div>}</li>;
}

/** The chart's days, today included. */
const CHART_DAYS = 30;

/** The landing page: today's orders by status and channel, what needs a person now, how fast orders come in, and the last 30 days by channel. */
export function DashboardPage({ can }: { can: (permission: string) => boolean }) {
  const lang = useLanguage();
  // "Today" starts at midnight where the operator is; the key changes once a day, not on every render.
  const since = useMemo(() => {
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    return midnight.toISOString();
  }, [new Date().toDateString()]);
  const dashboard = useApi<Dashboard>(`/dashboard${query({ since, days: String(CHART_DAYS) })}`, 15_000);
  return (
    <section>
      <h1>{t('dashboard.title')}</h1>
      <Load state={dashboard}>
        {(d) => {
          const most = Math.max(1, ...Object.values(d.today.byStatus));
          return (
            <>
              <ul class="tiles" aria-label={t('dashboard.summary')}>
                <Tile label={t('dashboard.ordersToday')} value={d.today.orders} href="#/orders" />
                <Tile label={t('dashboard.held')} value={d.held.orders} href={can('order:review') ? '#/holds' : undefined} tone={d.held.orders > 0 ? 'warn' : undefined} />
                <Tile label={t('dashboard.late')} value={d.late.late} tone={d.late.late > 0 ? 'bad' : undefined} help={t('dashboard.lateHelp', { hours: d.late.lateAfterHours })} />
                <Tile label={t('dashboard.atRisk')} value={d.late.atRisk} tone={d.late.atRisk > 0 ? 'warn' : undefined} help={t('dashboard.atRiskHelp', { hours: d.late.atRiskAfterHours })} />
                <Tile label={t('dashboard.lowStock')} value={d.lowStock.open} href={can('inventory:read') ? '#/stock' : undefined} tone={d.lowStock.open > 0 ? 'warn' : undefined}
                  help={t('dashboard.lowStockSeen', { count: d.lowStock.acknowledged })} />
                <Tile label={t('dashboard.baseTotal', { currency: d.today.revenueInBase.baseCurrency })} value={money(d.today.revenueInBase.totalMinor, d.today.revenueInBase.baseCurrency, lang)}
                  tone={d.today.revenueInBase.complete ? undefined : 'warn'}
                  help={d.today.revenueInBase.complete ? t('dashboard.baseComplete') : t('dashboard.baseIncomplete', { currencies: d.today.revenueInBase.missingRates.join(', ') })} />
                <Tile label={t('dashboard.captureRate')} value={d.capture.perMinute.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en')} help={t('dashboard.lastHour', { count: d.capture.lastHour })} />
              </ul>
              <div class="columns">
                <div>
                  <h2>{t('dashboard.byStatus')}</h2>
                  {Object.keys(d.today.byStatus).length === 0 ? <p class="muted">{t('dashboard.noOrdersToday')}</p> : (
                    <table>
                      <thead><tr><th>{t('orders.status')}</th><th class="num">{t('dashboard.orders')}</th><th><span class="visually-hidden">{t('dashboard.share')}</span></th></tr></thead>
                      <tbody>
                        {Object.entries(d.today.byStatus).sort(([, a], [, b]) => b - a).map(([status, n]) => (
                          <tr key={status}>
                            <td><StatusBadge status={status} /></td>
                            <td class="num">{n}</td>
                            <td class="bar-cell"><span class="bar" style={{ width: `${Math.round((n / most) * 100)}%` }} /></td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </div>
                <div>
                  <h2>{t('dashboard.byChannel')}</h2>
                  {d.today.byChannel.length === 0 ? <p class="muted">{t('dashboard.noOrdersToday')}</p> : (
                    <table>
                      <thead><tr><th>{t('orders.channel')}</th><th class="num">{t('dashboard.orders')}</th><th class="num">{t('dashboard.revenue')}</th></tr></thead>
                      <tbody>
                        {d.today.byChannel.map((c) => (
                          <tr key={`${c.channel}-${c.currency}`}>
                            <td>{c.channel}</td><td class="num">{c.orders}</td><td class="num">{money(c.revenueMinor, c.currency, lang)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                  {d.today.byChannel.length > 0 && <RevenueInBaseTable revenue={d.today.revenueInBase} />}
                </div>
              </div>
              {d.series && <OrdersChart series={d.series} />}
              <p class="muted">{t('dashboard.revenueNote')}</p>
            </>
          );
        }}
      </Load>
    </section>
  );
}

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { money } from '../../api.js';
import { t, useLanguage } from '../../i18n.js';
import { chartData, currenciesOf, type DaySeries, type Measure } from './day-series.js';

/** Colours that keep 3:1 against white and apart from each other; channels take them in code order. */
const palette = ['#1a56b8', '#b25e09', '#146c2e', '#8e2c9e', '#b42318', '#0f766e', '#5b6578', '#a4136e'];

/**
 * Orders (or revenue in one currency) per day and channel over the series' days: a uPlot line chart, drawn by a
 * chunk loaded on first use; its own legend with each channel's total; and the same numbers as a table for screen
 * readers and keyboards (the canvas itself is one labelled image).
 */
export function OrdersChart({ series }: { series: DaySeries }) {
  const lang = useLanguage();
  const locale = lang === 'zh' ? 'zh-CN' : 'en';
  const currencies = currenciesOf(series);
  const [measure, setMeasure] = useState<Measure>('orders');
  const currency = measure.startsWith('revenue:') ? measure.slice('revenue:'.length) : null;
  const data = useMemo(() => chartData(series, measure), [series, measure]);
  const format = (v: number) => (currency ? money(v, currency, lang) : v.toLocaleString(locale));
  const day = (d: Date) => d.toLocaleDateString(locale, { month: 'numeric', day: 'numeric' });
  const canvas = useRef<HTMLDivElement>(null);
  const [drawError, setDrawError] = useState('');
  const key = JSON.stringify([data, lang]);
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let live = true;
    import('./chart-canvas.js').then(({ drawChart }) => {
      if (!live || !canvas.current) return;
      canvas.current.replaceChildren();
      chart = drawChart(canvas.current, {
        x: data.days.map((_, i) => i),
        lines: data.lines.map((l, i) => ({ label: l.channel, color: palette[i % palette.length]!, values: l.values })),
        xLabel: (i) => (data.days[i] ? day(data.days[i]) : ''),
        yLabel: format,
      });
    }, (e: Error) => live && setDrawError(e.message));
    return () => {
      live = false;
      chart?.destroy();
    };
  }, [key]);
  const title = currency ? t('dashboard.chartRevenue', { days: series.days, currency }) : t('dashboard.chartOrders', { days: series.days });
  const summary = data.lines.map((l) => `${l.channel} ${format(l.total)}`).join(', ');
  return (
    <figure class="chart" data-testid="orders-chart">
      <figcaption class="chart-head">
        <h2>{title}</h2>
        <label class="field">
          <span>{t('dashboard.chartShow')}</span>
          <select value={measure} onChange={(e) => setMeasure(e.currentTarget.value as Measure)}>
            <option value="orders">{t('dashboard.orders')}</option>
            {currencies.map((c) => <option key={c} value={`revenue:${c}`}>{t('dashboard.revenueIn', { currency: c })}</option>)}
          </select>
        </label>
      </figcaption>
      {data.lines.length === 0 ? <p class="muted">{t('dashboard.chartEmpty', { days: series.days })}</p> : (
        <>
          <div ref={canvas} class="chart-canvas" role="img" aria-label={t('dashboard.chartLabel', { title, totals: summary })} />
          {drawError && <p class="error" role="alert">{t('common.error', { message: drawError })}</p>}
          <ul class="legend" aria-label={t('dashboard.chartLegend')}>
            {data.lines.map((l, i) => (
              <li key={l.channel}><span class="swatch" style={{ background: palette[i % palette.length] }} aria-hidden="true" />{l.channel}: {format(l.total)}</li>
            ))}
          </ul>
          <details>
            <summary>{t('dashboard.chartTable')}</summary>
            <table class="chart-table">
              <thead><tr>
                <th>{t('dashboard.day')}</th>
                {data.lines.map((l) => <th key={l.channel} class="num">{t('dashboard.channelColumn', { channel: l.channel })}</th>)}
              </tr></thead>
              <tbody>
                {data.days.map((d, i) => (
                  <tr key={i}>
                    <th scope="row">{day(d)}</th>
                    {data.lines.map((l) => <td key={l.channel} class="num">{format(l.values[i]!)}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </figure>
  );
}

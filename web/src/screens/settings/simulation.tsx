import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Field, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import { ruleLabel, type RuleSet } from './sourcing-rules.js';

interface Metrics { parcelsPerOrder: number; splitRate: number; averageDistanceKm: number | null; crossRegionShare: number | null; estimatedCost: number | null; uncoveredLines: number }
interface Result {
  orders: number; proposed: Metrics; current: Metrics; basis: string; ms: number;
  changed: { count: number; orders: { orderId: string; number: string; current: string[]; proposed: string[] }[] };
}

/** Each measure, how it reads, and whether less is better (all of them are). */
const measures = [
  { key: 'parcelsPerOrder', label: 'settings.sim.parcelsPerOrder', digits: 2 },
  { key: 'splitRate', label: 'settings.sim.splitRate', percent: true },
  { key: 'averageDistanceKm', label: 'settings.sim.distance', digits: 1 },
  { key: 'crossRegionShare', label: 'settings.sim.crossRegion', percent: true },
  { key: 'estimatedCost', label: 'settings.sim.cost', digits: 2 },
  { key: 'uncoveredLines', label: 'settings.sim.uncovered', digits: 0 },
] as const;

const localIso = (v: string): string | undefined => (v ? new Date(v).toISOString() : undefined);

/**
 * The what-if: `POST /v1/sourcing/simulations` with the rule set being edited, over the channel's recent orders;
 * each measure for the rule set in force and the proposed one side by side, and the orders whose parcels would move.
 */
export function Simulation({ channel, proposed }: { channel: string; proposed: RuleSet }) {
  const lang = useLanguage();
  const [result, setResult] = useState<{ ruleSet: RuleSet; answer: Result } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const number = (n: number | null, m: (typeof measures)[number]) => {
    if (n === null) return '—';
    if ('percent' in m) return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en', { style: 'percent', maximumFractionDigits: 1 }).format(n);
    return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: m.digits }).format(n);
  };
  const run = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const from = localIso(formText(form, 'from'));
    const to = localIso(formText(form, 'to'));
    const limit = formText(form, 'limit');
    const ruleSet = proposed;
    setError('');
    setBusy(true);
    api<Result>('POST', '/sourcing/simulations', { ruleSet, channel, ...(from && { from }), ...(to && { to }), ...(limit && { limit: Number(limit) }) })
      .then((answer) => setResult({ ruleSet, answer }), (err: Error) => setError(err.message))
      .finally(() => setBusy(false));
  };
  const r = result?.answer;
  return (
    <section aria-labelledby="simulation-title">
      <h3 id="simulation-title">{t('settings.sim.title')}</h3>
      <p class="muted">{t('settings.sim.help')}</p>
      <form class="filters" onSubmit={run}>
        <Field label={t('settings.sim.from')}><input name="from" type="datetime-local" /></Field>
        <Field label={t('settings.sim.to')}><input name="to" type="datetime-local" /></Field>
        <Field label={t('settings.sim.limit')}><input name="limit" type="number" min={1} max={100000} placeholder="10000" size={7} /></Field>
        <div class="buttons"><button type="submit" disabled={busy}>{t('settings.sim.run')}</button></div>
      </form>
      {busy && <p class="muted" aria-busy="true">{t('common.loading')}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {r && result && (
        <div data-testid="simulation">
          <p role="status">{t('settings.sim.summary', { orders: r.orders, changed: r.changed.count, ms: r.ms, rules: result.ruleSet.rules.map(ruleLabel).join(' › ') })}</p>
          <table class="comparison">
            <thead><tr><th>{t('settings.sim.measure')}</th><th class="num">{t('settings.sim.current')}</th><th class="num">{t('settings.sim.proposed')}</th><th class="num">{t('settings.sim.difference')}</th></tr></thead>
            <tbody>
              {measures.map((m) => {
                const before = r.current[m.key];
                const after = r.proposed[m.key];
                const diff = before === null || after === null ? null : after - before;
                return (
                  <tr key={m.key} data-measure={m.key}>
                    <th scope="row">{t(m.label)}</th><td class="num">{number(before, m)}</td><td class="num">{number(after, m)}</td>
                    <td class={`num ${diff === null || diff === 0 ? '' : diff < 0 ? 'ok' : 'error'}`}>{diff === null ? '—' : `${diff > 0 ? '+' : ''}${number(diff, m)}`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p class="muted">{t('settings.sim.basis', { basis: r.basis })}</p>
          <h4>{t('settings.sim.changedTitle', { count: r.changed.count })}</h4>
          {r.changed.orders.length === 0 ? <p class="muted">{t('settings.sim.noneChanged')}</p> : (
            <table data-testid="changed-orders">
              <thead><tr><th>{t('orders.number')}</th><th>{t('settings.sim.currentParcels')}</th><th>{t('settings.sim.proposedParcels')}</th></tr></thead>
              <tbody>
                {r.changed.orders.map((o) => (
                  <tr key={o.orderId}><td><a href={`#/orders/${o.orderId}`}>{o.number}</a></td><td>{o.current.join(', ') || '—'}</td><td>{o.proposed.join(', ') || '—'}</td></tr>
                ))}
              </tbody>
            </table>
          )}
          {r.changed.count > r.changed.orders.length && <p class="muted">{t('settings.sim.more', { count: r.changed.count - r.changed.orders.length })}</p>}
        </div>
      )}
    </section>
  );
}

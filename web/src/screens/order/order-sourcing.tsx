import { when } from '../../api.js';
import { Load } from '../../components.js';
import { t, useLanguage, type MessageKey } from '../../i18n.js';
import type { Order, OrderSourcing, SourcingDecision } from '../../types.js';
import { useApi } from '../../use-api.js';
import { useFollowOrder } from './order-action.js';
import { candidateRows, chosenLocations, type Message } from './sourcing-rows.js';

const say = (m: Message | null) => (m ? t(m.key, m.values) : '—');
/** A rule's name as the settings screen words it; an unknown rule as the API names it. */
const ruleName = (rule: string) => t(`settings.rule.${rule}` as MessageKey, { defaultValue: rule });
const known = (prefix: string, value: string) => t(`${prefix}.${value}` as MessageKey, { defaultValue: value });

function Decision({ decision, lang, skuOf }: { decision: SourcingDecision; lang: string; skuOf: (index: number) => string }) {
  const e = decision.explanation;
  const rows = candidateRows(e);
  const caption = t('order.sourcing.decision', { n: decision.id, trigger: known('order.sourcing.trigger', decision.trigger), at: when(decision.decidedAt, lang) });
  return (
    <li class="card" data-decision={decision.id}>
      <h3>{caption}</h3>
      <dl class="facts">
        <dt>{t('order.sourcing.chosen')}</dt>
        <dd data-testid="chosen">{chosenLocations(e).join(', ') || t('order.sourcing.noneChosen')}</dd>
        <dt>{t('order.sourcing.ruleSet')}</dt>
        <dd data-testid="rule-set">
          {e.rules.map(ruleName).join(' → ')} ({known('order.sourcing.ruleSetSource', e.ruleSet)}{e.splitLines ? `, ${t('order.sourcing.splitLines')}` : ''})
        </dd>
        <dt>{t('order.sourcing.destination')}</dt>
        <dd>{e.destination.label} ({known('order.sourcing.how', e.destination.how)})</dd>
        {decision.reason && <><dt>{t('order.sourcing.reason')}</dt><dd>{decision.reason}</dd></>}
        {e.uncovered.length > 0 && <><dt>{t('order.sourcing.uncovered')}</dt><dd>{e.uncovered.map(skuOf).join(', ')}</dd></>}
      </dl>
      <table class="sourcing">
        <caption class="visually-hidden">{caption}</caption>
        <thead><tr>
          <th scope="col">{t('order.line.location')}</th>
          {e.rules.map((r) => <th scope="col" key={r}>{ruleName(r)}</th>)}
          <th scope="col">{t('order.sourcing.outcome')}</th>
        </tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.location} data-location={r.location} class={r.chosen ? 'chosen' : undefined}>
              <td>{r.location}</td>
              {r.scores.map((s) => <td key={s.rule}>{say(s.message)}</td>)}
              <td>
                {r.chosen
                  ? <strong>{t('order.sourcing.shipsHere', { lines: r.parcel.map((p) => t('order.sourcing.parcelLine', { sku: skuOf(p.line - 1), quantity: p.quantity })).join(', ') })}</strong>
                  : say(r.rejected)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {e.fallbacks.length > 0 && (
        <>
          <h4>{t('order.sourcing.fallbacks')}</h4>
          <ul>{e.fallbacks.map((f) => <li key={f}>{f}</li>)}</ul>
        </>
      )}
    </li>
  );
}

/**
 * Where the order's lines ship from and why: every sourcing decision (capture, added line, backorder filled,
 * re-sourced), each a table of the candidate locations with their score per rule and why each was not used.
 */
export function OrderSourcingSection({ order }: { order: Order }) {
  const lang = useLanguage();
  const sourcing = useApi<OrderSourcing>(`/orders/${order.id}/sourcing`, 15_000);
  useFollowOrder(sourcing.reload, order.version);
  // A decision's line index is its request's: at capture, line number index + 1 (the parts of a line split over
  // locations are numbered after the last line); other decisions are over some of the lines, named by position only.
  const lineN = (index: number) => t('order.sourcing.lineN', { n: index + 1 });
  const skuAtCapture = (index: number) => order.lines.find((l) => l.lineNo === index + 1)?.sku ?? lineN(index);
  return (
    <section aria-labelledby="sourcing-heading">
      <h2 id="sourcing-heading">{t('order.sourcing.title')}</h2>
      <Load state={sourcing}>
        {(s) => s.decisions.length === 0 ? <p class="muted">{t('order.sourcing.none')}</p> : (
          <ol class="cards sourcing-decisions">
            {[...s.decisions].reverse().map((d) => <Decision key={d.id} decision={d} lang={lang} skuOf={d.trigger === 'capture' ? skuAtCapture : lineN} />)}
          </ol>
        )}
      </Load>
    </section>
  );
}

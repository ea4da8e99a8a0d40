import { useState } from 'preact/hooks';
import { api, when } from '../../api.js';
import { Field, Load } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Order, Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { HoldDecision } from '../order/order.js';

interface BulkResult { decided: number; failed: number; results: { orderId: string; result: string; number?: string; error?: { detail: string } }[] }

/**
 * The review queue: orders on hold with their open holds, each released or rejected here, or many at once (ticked):
 * each order is decided on its own, and the ones that could not be are listed with why.
 */
export function HoldsPage() {
  const lang = useLanguage();
  const orders = useApi<Page<Order>>('/orders?status=on_hold&sort=placedAt&limit=50', 15_000);
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const [note, setNote] = useState('');
  const [outcome, setOutcome] = useState<{ text: string; failures: string[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const shown = orders.data?.data ?? [];
  const selected = shown.filter((o) => ticked.has(o.id));
  const tick = (id: string, on: boolean) => setTicked((s) => {
    const next = new Set(s);
    if (on) next.add(id); else next.delete(id);
    return next;
  });
  const decideAll = async (decision: 'release' | 'reject') => {
    if (decision === 'reject' && !confirm(t('common.confirm'))) return;
    setBusy(true);
    setOutcome(null);
    try {
      const result = await api<BulkResult>('POST', `/orders/holds/${decision}`, { orderIds: selected.map((o) => o.id), ...(note && { note }) });
      const numbers = new Map(shown.map((o) => [o.id, o.number]));
      setOutcome({
        text: t(decision === 'release' ? 'holds.released' : 'holds.rejected', { count: result.decided }),
        failures: result.results.filter((r) => r.result === 'failed').map((r) => `${numbers.get(r.orderId) ?? r.orderId}: ${r.error?.detail ?? ''}`),
      });
      setTicked(new Set());
      setNote('');
      orders.reload();
    } catch (e) {
      setOutcome({ text: (e as Error).message, failures: [] });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h1>{t('holds.title')}</h1>
      <p class="muted">{t('holds.help')}</p>
      <div class="bulk-bar" role="group" aria-label={t('holds.bulk')}>
        <label class="check">
          <input type="checkbox" checked={shown.length > 0 && selected.length === shown.length} disabled={shown.length === 0}
            onChange={(e) => setTicked(e.currentTarget.checked ? new Set(shown.map((o) => o.id)) : new Set())} />
          {t('holds.all')}
        </label>
        <Field label={t('holds.bulkNote')}><input value={note} onInput={(e) => setNote(e.currentTarget.value)} /></Field>
        <button type="button" disabled={busy || selected.length === 0} onClick={() => void decideAll('release')}>{t('holds.releaseSelected', { count: selected.length })}</button>
        <button type="button" class="danger" disabled={busy || selected.length === 0} onClick={() => void decideAll('reject')}>{t('holds.rejectSelected', { count: selected.length })}</button>
      </div>
      {outcome && (
        <div role="status" class="note">
          <p>{outcome.text}</p>
          {outcome.failures.length > 0 && <><p>{t('holds.failed')}</p><ul>{outcome.failures.map((f) => <li key={f}>{f}</li>)}</ul></>}
        </div>
      )}
      <Load state={orders} empty={(p) => p.data.length === 0}>
        {(p) => (
          <ul class="queue">
            {p.data.map((o) => (
              <li key={o.id} data-order={o.number}>
                <label class="check">
                  <input type="checkbox" checked={ticked.has(o.id)} onChange={(e) => tick(o.id, e.currentTarget.checked)} />
                  <span class="visually-hidden">{t('holds.select', { number: o.number })}</span>
                </label>
                <a href={`#/orders/${o.id}`}>{o.number}</a> · {o.channel} · {o.customer.name} · {when(o.placedAt, lang)}
                {o.holds.filter((h) => h.status === 'open').map((h) => (
                  <div key={h.id} class="hold">
                    <span>{t('hold.reason')}: <strong>{h.reasonCode}</strong>{h.note ? ` — ${h.note}` : ''}</span>
                    <HoldDecision orderId={o.id} hold={h} onDone={orders.reload} mayReject={o.lines.some((l) => l.quantity - l.shipped - l.cancelled > 0)} />
                  </div>
                ))}
              </li>
            ))}
          </ul>
        )}
      </Load>
    </section>
  );
}

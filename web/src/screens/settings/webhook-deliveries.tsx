import { useEffect, useRef, useState } from 'preact/hooks';
import { api, when } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { duration } from './durations.js';

interface Attempt { at: string; outcome: string; statusCode: number | null; latencyMs: number; error: string | null; responseExcerpt: string | null }
interface Delivery {
  id: number; eventId: string; type: string; aggregateType: string; aggregateId: string; aggregateVersion: number;
  status: 'pending' | 'delivered' | 'failed'; attempts: number; nextAttemptAt: string; lastError: string | null; createdAt: string; deliveredAt: string | null;
  log: Attempt[];
}

/** How often the open log is read again: soon while it is empty or a delivery is pending (it lands a moment later), else now and then. */
const PENDING_REFRESH_MS = 1_000;
const REFRESH_MS = 5_000;
const localIso = (v: string): string | undefined => (v ? new Date(v).toISOString() : undefined);

function Attempts({ log }: { log: Attempt[] }) {
  const lang = useLanguage();
  if (log.length === 0) return <span class="muted">{t('settings.hooks.noAttempts')}</span>;
  const last = log[log.length - 1]!;
  return (
    <details>
      <summary>{t('settings.hooks.lastAttempt', { status: last.statusCode ?? '—', latency: duration(last.latencyMs) })}{last.error ? ` · ${last.error}` : ''}</summary>
      <ol class="attempts">
        {log.map((a, i) => (
          <li key={i}>
            {when(a.at, lang)} · {a.outcome} · {t('settings.httpStatus')} {a.statusCode ?? '—'} · {duration(a.latencyMs)}
            {a.error && <> · <span class="error">{a.error}</span></>}
            {a.responseExcerpt && <> · <code>{a.responseExcerpt}</code></>}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** One endpoint's delivery log, newest first, read again every few seconds; replay one event, or a time range. */
export function WebhookDeliveries({ id, url, mayWrite, focus }: { id: string; url: string; mayWrite: boolean; focus: boolean }) {
  const lang = useLanguage();
  // Opened from its button, the log takes the focus (a keyboard user lands on it); opened by a new subscription, not.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) heading.current?.focus();
  }, [focus]);
  const deliveries = useApi<Page<Delivery>>(`/webhook-subscriptions/${id}/deliveries?limit=50`);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const { reload } = deliveries;
  const pending = deliveries.data ? deliveries.data.data.length === 0 || deliveries.data.data.some((d) => d.status === 'pending') : false;
  useEffect(() => {
    const timer = setInterval(reload, pending ? PENDING_REFRESH_MS : REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload, pending]);
  const replay = (body: Record<string, string | undefined>) => {
    setError('');
    setNote('');
    api<{ queued: number }>('POST', `/webhook-subscriptions/${id}/replay`, body)
      .then((r) => { setNote(t('settings.hooks.queued', { count: r.queued })); reload(); }, (err: Error) => setError(err.message));
  };
  const replayRange = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    replay({ from: localIso(formText(form, 'from')), to: localIso(formText(form, 'to')) });
  };
  return (
    <section aria-labelledby="deliveries-title" class="panel">
      <div class="inline">
        <h3 id="deliveries-title" ref={heading} tabIndex={-1}>{t('settings.hooks.deliveriesOf', { url })}</h3>
        <button type="button" class="secondary" onClick={reload}>{t('settings.refresh')}</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {note && <p class="ok" role="status">{note}</p>}
      {mayWrite && (
        <form class="filters" onSubmit={replayRange} aria-label={t('settings.hooks.replayRange')}>
          <Field label={t('settings.sim.from')}><input name="from" type="datetime-local" required /></Field>
          <Field label={t('settings.sim.to')}><input name="to" type="datetime-local" /></Field>
          <div class="buttons"><button type="submit" class="secondary">{t('settings.hooks.replayRange')}</button></div>
        </form>
      )}
      <Load state={deliveries} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table data-testid="deliveries">
            <thead><tr><th>{t('settings.hooks.event')}</th><th>{t('settings.when')}</th><th>{t('settings.hooks.status')}</th><th class="num">{t('settings.hooks.attempts')}</th><th>{t('settings.hooks.lastTry')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {p.data.map((d) => (
                <tr key={d.id} data-event={d.eventId}>
                  <td><code>{d.type}</code><br /><span class="muted">{d.aggregateType} {d.aggregateId.slice(0, 13)}… v{d.aggregateVersion}</span></td>
                  <td>{when(d.createdAt, lang)}{d.deliveredAt && <><br /><span class="muted">{t('settings.hooks.deliveredAt', { at: when(d.deliveredAt, lang) })}</span></>}</td>
                  <td><span class={`badge delivery-${d.status}`}>{t(`settings.hooks.status.${d.status}`)}</span>
                    {d.status === 'pending' && d.attempts > 0 && <><br /><span class="muted">{t('settings.hooks.nextAt', { at: when(d.nextAttemptAt, lang) })}</span></>}</td>
                  <td class="num">{d.attempts}</td>
                  <td><Attempts log={d.log} /></td>
                  <td>{mayWrite && <button type="button" class="secondary" onClick={() => replay({ eventId: d.eventId })}>{t('settings.hooks.replay', { type: d.type })}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

import { useState } from 'preact/hooks';
import { api, ApiError, when } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { ChannelSelect } from './channel-select.js';
import { duration } from './durations.js';
import { onSubmit, yes } from './section-actions.js';

interface Health { lastSuccessAt: string | null; lastErrorAt: string | null; lastError: string | null; lagMs: number | null; heldOrders: number }
interface Connector { channel: string; kind: string; active: boolean; settings: Record<string, unknown>; secrets: string[]; webhookUrl: string; health: Health; version: number; updatedAt: string }
interface HeldOrder { id: string; externalRef: string; topic: string; reasonCode: string; reason: string; attempts: number; createdAt: string }
interface LogEntry { id: string; at: string; direction: string; topic: string; outcome: string; statusCode: number | null; externalRef: string | null; orderId: string | null; lagMs: number | null; message: string | null }

const kinds = ['shopify', 'mapping', 'csv'] as const;
type Kind = (typeof kinds)[number];
/** The secrets each kind keeps (docs/connectors.md): write-only, shown by name only. */
const secretNames: Record<Kind, string[]> = { shopify: ['appSecret', 'accessToken'], mapping: ['signingSecret', 'pullToken'], csv: [] };
const isKind = (k: string): k is Kind => (kinds as readonly string[]).includes(k);

/** The connector's health: when it last worked, when it last failed and why, how late, what waits for a fix. */
function HealthList({ health }: { health: Health }) {
  const lang = useLanguage();
  const failing = health.lastErrorAt !== null && (health.lastSuccessAt === null || health.lastErrorAt > health.lastSuccessAt);
  return (
    <dl class="facts" data-testid="connector-health">
      <dt>{t('settings.connector.state')}</dt>
      <dd class={failing ? 'error' : health.lastSuccessAt ? 'ok' : 'muted'}>
        {failing ? t('settings.connector.failing') : health.lastSuccessAt ? t('settings.connector.healthy') : t('settings.connector.idle')}
      </dd>
      <dt>{t('settings.connector.lastSuccess')}</dt><dd>{health.lastSuccessAt ? when(health.lastSuccessAt, lang) : '—'}</dd>
      <dt>{t('settings.connector.lastError')}</dt><dd>{health.lastErrorAt ? `${when(health.lastErrorAt, lang)}: ${health.lastError ?? ''}` : '—'}</dd>
      <dt>{t('settings.connector.lag')}</dt><dd>{health.lagMs === null ? '—' : duration(health.lagMs)}</dd>
      <dt>{t('settings.connector.held')}</dt><dd>{health.heldOrders}</dd>
    </dl>
  );
}

/** Sets the connector (PUT): kind, settings as JSON, secrets write-only (blank keeps one, the box removes it). */
function ConnectorForm({ code, current, onSaved }: { code: string; current: Connector | null; onSaved: () => void }) {
  const [kind, setKind] = useState<Kind>(current && isKind(current.kind) ? current.kind : 'mapping');
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  const submit = onSubmit(setError, async (form) => {
    setSaved(false);
    let settings: unknown;
    try {
      settings = JSON.parse(formText(form, 'settings') || '{}');
    } catch (e) {
      throw new Error(t('settings.connector.badJson', { message: (e as Error).message }));
    }
    const secrets: Record<string, string | null> = {};
    for (const name of secretNames[kind]) {
      // Taken as typed (a secret is not trimmed).
      const typed = form.get(`secret-${name}`);
      const value = typeof typed === 'string' ? typed : '';
      if (value) secrets[name] = value;
      else if (form.get(`remove-${name}`) !== null) secrets[name] = null;
    }
    const body = { kind, settings, active: form.get('active') !== null, ...(Object.keys(secrets).length > 0 && { secrets }) };
    await api('PUT', `/channels/${encodeURIComponent(code)}/connector`, body);
    setSaved(true);
    onSaved();
  });
  return (
    <form class="stack connector-form" onSubmit={submit} aria-labelledby="connector-form-title">
      <h3 id="connector-form-title">{current ? t('settings.connector.change') : t('settings.connector.set')}</h3>
      {error && <p class="error" role="alert">{error}</p>}
      {saved && <p class="ok" role="status">{t('settings.saved')}</p>}
      <div class="filters">
        <Field label={t('settings.connector.kind')}>
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
            {kinds.map((k) => <option key={k} value={k} selected={k === kind}>{t(`settings.connector.kind.${k}`)}</option>)}
          </select>
        </Field>
        <label class="check"><input name="active" type="checkbox" defaultChecked={current?.active ?? true} /> {t('settings.active')}</label>
      </div>
      <Field label={t('settings.connector.settingsJson')}>
        <textarea key={kind} name="settings" rows={6} spellcheck={false} class="code" defaultValue={JSON.stringify(current?.kind === kind ? current.settings : {}, null, 2)} />
      </Field>
      {secretNames[kind].length > 0 && (
        <fieldset>
          <legend>{t('settings.connector.secrets')}</legend>
          <p class="muted">{t('settings.connector.secretsHelp')}</p>
          <div class="filters">
            {secretNames[kind].map((name) => {
              const isSet = current?.kind === kind && current.secrets.includes(name);
              return (
                <div key={name} class="stack">
                  <Field label={`${name} (${isSet ? t('settings.connector.secretSet') : t('settings.connector.secretUnset')})`}>
                    <input name={`secret-${name}`} type="password" autocomplete="off" />
                  </Field>
                  {isSet && <label class="check"><input name={`remove-${name}`} type="checkbox" /> {t('settings.connector.removeSecret', { name })}</label>}
                </div>
              );
            })}
          </div>
        </fieldset>
      )}
      <div class="buttons"><button type="submit">{t('settings.connector.save')}</button></div>
    </form>
  );
}

function ConnectorLog({ code }: { code: string }) {
  const lang = useLanguage();
  const log = useApi<Page<LogEntry>>(`/channels/${encodeURIComponent(code)}/connector/log?limit=25`);
  return (
    <section aria-labelledby="connector-log">
      <div class="inline"><h3 id="connector-log">{t('settings.connector.log')}</h3><button type="button" class="secondary" onClick={log.reload}>{t('settings.refresh')}</button></div>
      <Load state={log} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table data-testid="connector-log">
            <thead><tr><th>{t('settings.when')}</th><th>{t('settings.connector.direction')}</th><th>{t('settings.connector.topic')}</th><th>{t('settings.connector.outcome')}</th><th class="num">{t('settings.httpStatus')}</th><th>{t('settings.connector.externalRef')}</th><th class="num">{t('settings.connector.lag')}</th><th>{t('settings.message')}</th></tr></thead>
            <tbody>
              {p.data.map((e) => (
                <tr key={e.id}>
                  <td>{when(e.at, lang)}</td>
                  <td>{e.direction === 'inbound' ? t('settings.connector.inbound') : t('settings.connector.outbound')}</td>
                  <td><code>{e.topic}</code></td>
                  <td><span class={`badge outcome-${e.outcome}`}>{t(`settings.connector.outcome.${e.outcome}` as Parameters<typeof t>[0])}</span></td>
                  <td class="num">{e.statusCode ?? '—'}</td>
                  <td>{e.orderId ? <a href={`#/orders/${e.orderId}`}>{e.externalRef ?? e.orderId}</a> : e.externalRef ?? '—'}</td>
                  <td class="num">{e.lagMs === null ? '—' : duration(e.lagMs)}</td>
                  <td>{e.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

/** Orders the channel sent that wait for a fix (an unknown SKU), with the reason; captured again with Retry. */
function HeldOrders({ code, mayRetry, onRetried }: { code: string; mayRetry: boolean; onRetried: () => void }) {
  const lang = useLanguage();
  const held = useApi<Page<HeldOrder>>(`/channels/${encodeURIComponent(code)}/connector/held?limit=25`);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const retry = (h: HeldOrder) => {
    setError('');
    setNote('');
    api<{ result: string; number?: string }>('POST', `/channels/${encodeURIComponent(code)}/connector/held/${h.id}/retry`).then((r) => {
      setNote(r.result === 'held' ? t('settings.connector.stillHeld', { ref: h.externalRef }) : t('settings.connector.retried', { ref: h.externalRef, number: r.number ?? '' }));
      held.reload();
      onRetried();
    }, (err: Error) => setError(err.message));
  };
  return (
    <section aria-labelledby="connector-held">
      <h3 id="connector-held">{t('settings.connector.heldTitle')}</h3>
      {error && <p class="error" role="alert">{error}</p>}
      {note && <p class="ok" role="status">{note}</p>}
      <Load state={held} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table data-testid="connector-held">
            <thead><tr><th>{t('settings.connector.externalRef')}</th><th>{t('settings.when')}</th><th>{t('settings.connector.reason')}</th><th class="num">{t('settings.hooks.attempts')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {p.data.map((h) => (
                <tr key={h.id}>
                  <td>{h.externalRef}</td><td>{when(h.createdAt, lang)}</td><td>{h.reason}</td><td class="num">{h.attempts}</td>
                  <td>{mayRetry && <button type="button" class="secondary" onClick={() => retry(h)}>{t('settings.connector.retry', { ref: h.externalRef })}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

function ChannelConnector({ code, mayWrite, mayReadHeld, mayRetry }: { code: string; mayWrite: boolean; mayReadHeld: boolean; mayRetry: boolean }) {
  const connector = useApi<Connector>(`/channels/${encodeURIComponent(code)}/connector`);
  // A channel without a connector answers 404: that is "none yet", not a fault.
  const none = connector.error instanceof ApiError && connector.error.status === 404;
  const c = connector.data;
  return (
    <>
      {none ? <p class="muted">{t('settings.connector.none', { channel: code })}</p> : (
        <Load state={connector}>
          {(found) => (
            <div class="columns">
              <dl class="facts">
                <dt>{t('settings.connector.kind')}</dt><dd>{isKind(found.kind) ? t(`settings.connector.kind.${found.kind}`) : found.kind}</dd>
                <dt>{t('settings.active')}</dt><dd>{yes(found.active)}</dd>
                <dt>{t('settings.connector.webhookUrl')}</dt><dd><code>{location.origin}{found.webhookUrl}{t('settings.connector.topicPlaceholder')}</code></dd>
                <dt>{t('settings.connector.secretsSet')}</dt><dd>{found.secrets.length ? found.secrets.join(', ') : '—'}</dd>
              </dl>
              <section aria-labelledby="connector-health-title">
                <h3 id="connector-health-title">{t('settings.connector.health')}</h3>
                <HealthList health={found.health} />
              </section>
            </div>
          )}
        </Load>
      )}
      {mayReadHeld && c && <HeldOrders code={code} mayRetry={mayRetry} onRetried={connector.reload} />}
      {(c || none) && <ConnectorLog key={`${code}-${c?.version ?? 0}`} code={code} />}
      {mayWrite && (c || none) && <ConnectorForm key={`${code}-${c?.version ?? 0}`} code={code} current={c ?? null} onSaved={connector.reload} />}
    </>
  );
}

/** Channels and their connectors: kind, settings, which secrets are set, health, held orders, the log; set one. */
export function Connectors({ mayWrite, mayReadHeld, mayRetry }: { mayWrite: boolean; mayReadHeld: boolean; mayRetry: boolean }) {
  const [code, setCode] = useState('');
  return (
    <section aria-labelledby="settings-connectors">
      <h2 id="settings-connectors">{t('settings.connectors')}</h2>
      <p class="muted">{t('settings.connectorsHelp')}</p>
      <ChannelSelect value={code} onChange={setCode} />
      {code && <ChannelConnector key={code} code={code} mayWrite={mayWrite} mayReadHeld={mayReadHeld} mayRetry={mayRetry} />}
    </section>
  );
}

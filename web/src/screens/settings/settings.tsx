import { useState } from 'preact/hooks';
import { api, type Session } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';

interface Channel { id: string; code: string; name: string; type: string; currency: string; active: boolean; version: number }
interface Location { id: string; code: string; name: string; type: string; capabilities: { ship: boolean; pickup: boolean }; priority: number; active: boolean; version: number }
interface ReviewRule {
  id: string; code: string; name: string; priority: number; enabled: boolean; action: 'hold' | 'flag'; reasonCode: string; version: number;
  condition: { match: 'all' | 'any'; conditions: { field: string; operator: string; value: unknown }[] };
}

const channelTypes = ['web', 'marketplace', 'store', 'b2b', 'api'] as const;
const locationTypes = ['warehouse', 'store', 'dropship'] as const;
const yes = (b: boolean) => (b ? t('common.yes') : t('common.no'));

/** A change of one field with If-Match (the version shown), then the list again; errors in the section's alert. */
function usePatch(reload: () => void, setError: (m: string) => void) {
  return async (path: string, version: number, body: unknown) => {
    setError('');
    try {
      await api('PATCH', path, body, { headers: { 'if-match': String(version) } });
      reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
}

/** Adds the form's fields with `make`, resets the form, reloads; errors in the section's alert. */
function useCreate(reload: () => void, setError: (m: string) => void) {
  return (path: string, make: (form: FormData) => unknown) => (e: Event) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    setError('');
    api('POST', path, make(new FormData(formEl))).then(() => { formEl.reset(); reload(); }, (err: Error) => setError(err.message));
  };
}

function Channels({ mayWrite }: { mayWrite: boolean }) {
  const channels = useApi<Page<Channel>>('/channels?limit=200');
  const [error, setError] = useState('');
  const patch = usePatch(channels.reload, setError);
  const create = useCreate(channels.reload, setError);
  return (
    <section aria-labelledby="settings-channels">
      <h2 id="settings-channels">{t('settings.channels')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {mayWrite && (
        <form class="filters" onSubmit={create('/channels', (f) => ({ code: formText(f, 'code'), name: formText(f, 'name'), type: formText(f, 'type'), currency: formText(f, 'currency').toUpperCase() }))}>
          <Field label={t('settings.code')}><input name="code" required /></Field>
          <Field label={t('access.name')}><input name="name" required /></Field>
          <Field label={t('settings.type')}><select name="type">{channelTypes.map((c) => <option key={c} value={c}>{t(`settings.channelType.${c}`)}</option>)}</select></Field>
          <Field label={t('settings.currency')}><input name="currency" required pattern="[A-Za-z]{3}" maxLength={3} size={4} /></Field>
          <div class="buttons"><button type="submit">{t('settings.addChannel')}</button></div>
        </form>
      )}
      <Load state={channels} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table>
            <thead><tr><th>{t('settings.code')}</th><th>{t('access.name')}</th><th>{t('settings.type')}</th><th>{t('settings.currency')}</th><th>{t('settings.active')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {p.data.map((c) => (
                <tr key={c.id}>
                  <td>{c.code}</td><td>{c.name}</td><td>{t(`settings.channelType.${c.type}` as Parameters<typeof t>[0])}</td><td>{c.currency}</td><td>{yes(c.active)}</td>
                  <td>{mayWrite && <button type="button" class="secondary" onClick={() => void patch(`/channels/${c.id}`, c.version, { active: !c.active })}>
                    {c.active ? t('settings.deactivate', { code: c.code }) : t('settings.activate', { code: c.code })}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

function Locations({ mayWrite }: { mayWrite: boolean }) {
  const locations = useApi<Page<Location>>('/locations?limit=200');
  const [error, setError] = useState('');
  const patch = usePatch(locations.reload, setError);
  const create = useCreate(locations.reload, setError);
  return (
    <section aria-labelledby="settings-locations">
      <h2 id="settings-locations">{t('settings.locations')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {mayWrite && (
        <form class="filters" onSubmit={create('/locations', (f) => ({
          code: formText(f, 'code'), name: formText(f, 'name'), type: formText(f, 'type'),
          capabilities: { ship: f.get('ship') !== null, pickup: f.get('pickup') !== null },
        }))}>
          <Field label={t('settings.code')}><input name="code" required /></Field>
          <Field label={t('access.name')}><input name="name" required /></Field>
          <Field label={t('settings.type')}><select name="type">{locationTypes.map((c) => <option key={c} value={c}>{t(`settings.locationType.${c}`)}</option>)}</select></Field>
          <label class="check"><input name="ship" type="checkbox" defaultChecked /> {t('settings.ships')}</label>
          <label class="check"><input name="pickup" type="checkbox" /> {t('settings.pickup')}</label>
          <div class="buttons"><button type="submit">{t('settings.addLocation')}</button></div>
        </form>
      )}
      <Load state={locations} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table>
            <thead><tr><th>{t('settings.code')}</th><th>{t('access.name')}</th><th>{t('settings.type')}</th><th>{t('settings.ships')}</th><th>{t('settings.pickup')}</th><th class="num">{t('settings.priority')}</th><th>{t('settings.active')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {p.data.map((l) => (
                <tr key={l.id}>
                  <td>{l.code}</td><td>{l.name}</td><td>{t(`settings.locationType.${l.type}` as Parameters<typeof t>[0])}</td>
                  <td>{yes(l.capabilities.ship)}</td><td>{yes(l.capabilities.pickup)}</td><td class="num">{l.priority}</td><td>{yes(l.active)}</td>
                  <td>{mayWrite && <button type="button" class="secondary" onClick={() => void patch(`/locations/${l.id}`, l.version, { active: !l.active })}>
                    {l.active ? t('settings.deactivate', { code: l.code }) : t('settings.activate', { code: l.code })}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

function ReviewRules({ mayWrite }: { mayWrite: boolean }) {
  const rules = useApi<{ data: ReviewRule[] }>('/review-rules');
  const [error, setError] = useState('');
  const patch = usePatch(rules.reload, setError);
  return (
    <section aria-labelledby="settings-rules">
      <h2 id="settings-rules">{t('settings.reviewRules')}</h2>
      <p class="muted">{t('settings.reviewRulesHelp')}</p>
      {error && <p class="error" role="alert">{error}</p>}
      <Load state={rules} empty={(r) => r.data.length === 0}>
        {(r) => (
          <table>
            <thead><tr><th class="num">{t('settings.priority')}</th><th>{t('settings.code')}</th><th>{t('access.name')}</th><th>{t('settings.condition')}</th><th>{t('settings.action')}</th><th>{t('settings.enabled')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {r.data.map((rule) => (
                <tr key={rule.id}>
                  <td class="num">{rule.priority}</td><td>{rule.code}</td><td>{rule.name}</td>
                  <td><code>{rule.condition.conditions.map((c) => `${c.field} ${c.operator} ${JSON.stringify(c.value)}`).join(rule.condition.match === 'all' ? ' ∧ ' : ' ∨ ')}</code></td>
                  <td>{t(rule.action === 'hold' ? 'settings.actionHold' : 'settings.actionFlag')} · {rule.reasonCode}</td><td>{yes(rule.enabled)}</td>
                  <td>{mayWrite && <button type="button" class="secondary" onClick={() => void patch(`/review-rules/${rule.id}`, rule.version, { enabled: !rule.enabled })}>
                    {rule.enabled ? t('settings.disable', { code: rule.code }) : t('settings.enable', { code: rule.code })}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

/** Settings: channels, locations and review rules, each shown to a role that may read it and changed by one that may write it. */
export function SettingsPage({ session }: { session: Session }) {
  const can = (p: string) => session.permissions.includes(p);
  return (
    <section>
      <h1>{t('settings.title')}</h1>
      {can('channel:read') && <Channels mayWrite={can('channel:write')} />}
      {can('location:read') && <Locations mayWrite={can('location:write')} />}
      {can('order:read') && <ReviewRules mayWrite={can('order:rules')} />}
    </section>
  );
}

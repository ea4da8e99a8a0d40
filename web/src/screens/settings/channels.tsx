import { useState } from 'preact/hooks';
import { Field, Load, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { useCreate, usePatch, yes } from './section-actions.js';

export interface Channel { id: string; code: string; name: string; type: string; currency: string; active: boolean; version: number }

const channelTypes = ['web', 'marketplace', 'store', 'b2b', 'api'] as const;

/** Sales channels: add one, activate or deactivate it. */
export function Channels({ mayWrite }: { mayWrite: boolean }) {
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

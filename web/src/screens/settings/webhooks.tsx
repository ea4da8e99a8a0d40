import { useState } from 'preact/hooks';
import { api, when } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { onSubmit } from './section-actions.js';
import { WebhookDeliveries } from './webhook-deliveries.js';

interface Subscription {
  id: string; url: string; eventTypes: string[]; description: string | null; status: 'active' | 'disabled';
  disabledReason: string | null; disabledAt: string | null; secret?: string; version: number; createdAt: string;
}

/** Event type patterns from a text box: separated by commas, spaces or new lines. */
const patterns = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/**
 * Webhook subscriptions: create one (URL, event types), rotate its secret (shown once), re-enable one the relay
 * disabled, delete one; open its delivery log to see each attempt and replay.
 */
export function Webhooks({ mayWrite }: { mayWrite: boolean }) {
  const lang = useLanguage();
  const subscriptions = useApi<Page<Subscription>>('/webhook-subscriptions?limit=200');
  const [error, setError] = useState('');
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [open, setOpen] = useState<{ id: string; focus: boolean } | null>(null);
  const create = onSubmit(setError, async (form, formEl) => {
    const description = formText(form, 'description');
    const created = await api<Subscription>('POST', '/webhook-subscriptions', { url: formText(form, 'url'), eventTypes: patterns(formText(form, 'eventTypes')), ...(description && { description }) });
    setSecret({ url: created.url, secret: created.secret ?? '' });
    setOpen({ id: created.id, focus: false });
    formEl.reset();
    subscriptions.reload();
  });
  const act = async (work: () => Promise<void>, confirmFirst = false) => {
    if (confirmFirst && !confirm(t('common.confirm'))) return;
    setError('');
    try {
      await work();
      subscriptions.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const rotate = (s: Subscription) => act(async () => {
    const rotated = await api<Subscription>('POST', `/webhook-subscriptions/${s.id}/rotate-secret`, {});
    setSecret({ url: rotated.url, secret: rotated.secret ?? '' });
  });
  const enable = (s: Subscription) => act(async () => {
    await api('PATCH', `/webhook-subscriptions/${s.id}`, { status: 'active' }, { headers: { 'if-match': String(s.version) } });
  });
  const disable = (s: Subscription) => act(async () => {
    await api('PATCH', `/webhook-subscriptions/${s.id}`, { status: 'disabled', disabledReason: t('settings.hooks.pausedReason') }, { headers: { 'if-match': String(s.version) } });
  });
  const remove = (s: Subscription) => act(async () => {
    await api('DELETE', `/webhook-subscriptions/${s.id}`);
    if (open?.id === s.id) setOpen(null);
  }, true);
  const opened = subscriptions.data?.data.find((s) => s.id === open?.id);
  return (
    <>
      <section aria-labelledby="settings-webhooks">
        <h2 id="settings-webhooks">{t('settings.webhooks')}</h2>
        <p class="muted">{t('settings.webhooksHelp')}</p>
        {error && <p class="error" role="alert">{error}</p>}
        {mayWrite && (
          <form class="filters" onSubmit={create} aria-label={t('settings.hooks.create')}>
            <Field label={t('settings.hooks.url')}><input name="url" type="url" required size={40} placeholder="https://example.com/ordo-events" /></Field>
            <Field label={t('settings.hooks.eventTypes')}><input name="eventTypes" required size={30} placeholder="order.*, inventory.availability_changed" /></Field>
            <Field label={t('settings.hooks.description')}><input name="description" maxLength={500} /></Field>
            <div class="buttons"><button type="submit">{t('settings.hooks.create')}</button></div>
          </form>
        )}
        {secret && <p class="note" role="status">{t('settings.hooks.secretOnce', { url: secret.url })} <code data-testid="webhook-secret">{secret.secret}</code></p>}
        <Load state={subscriptions} empty={(p) => p.data.length === 0}>
          {(p) => (
            <table data-testid="subscriptions">
              <thead><tr><th>{t('settings.hooks.url')}</th><th>{t('settings.hooks.eventTypes')}</th><th>{t('settings.hooks.status')}</th><th>{t('access.created')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
              <tbody>
                {p.data.map((s) => (
                  <tr key={s.id} data-subscription={s.url} class={open?.id === s.id ? 'picked' : undefined}>
                    <td><code>{s.url}</code>{s.description && <><br /><span class="muted">{s.description}</span></>}</td>
                    <td>{s.eventTypes.map((e) => <code key={e} class="tag">{e}</code>)}</td>
                    <td>
                      <span class={`badge webhook-${s.status}`}>{t(s.status === 'active' ? 'settings.hooks.active' : 'settings.hooks.disabled')}</span>
                      {s.disabledReason && <><br /><span class="muted">{s.disabledReason}{s.disabledAt ? ` (${when(s.disabledAt, lang)})` : ''}</span></>}
                    </td>
                    <td>{when(s.createdAt, lang)}</td>
                    <td class="row-actions">
                      <button type="button" class="secondary" aria-pressed={open?.id === s.id} onClick={() => setOpen(open?.id === s.id ? null : { id: s.id, focus: true })}>{t('settings.hooks.deliveries')}</button>
                      {mayWrite && s.status === 'disabled' && <button type="button" class="secondary" onClick={() => void enable(s)}>{t('settings.hooks.enable')}</button>}
                      {mayWrite && s.status === 'active' && <button type="button" class="secondary" onClick={() => void disable(s)}>{t('settings.hooks.pause')}</button>}
                      {mayWrite && <button type="button" class="secondary" onClick={() => void rotate(s)}>{t('settings.hooks.rotate')}</button>}
                      {mayWrite && <button type="button" class="danger" onClick={() => void remove(s)}>{t('settings.hooks.delete')}</button>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Load>
      </section>
      {opened && <WebhookDeliveries key={opened.id} id={opened.id} url={opened.url} mayWrite={mayWrite} focus={open?.focus ?? false} />}
    </>
  );
}

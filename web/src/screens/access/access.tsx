import { useState } from 'preact/hooks';
import { api, when } from '../../api.js';
import { Field, formText, Load } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';

const roles = ['admin', 'operator', 'warehouse', 'finance', 'viewer', 'integration'] as const;
interface User { id: string; email: string; name: string; role: string; createdAt: string; disabledAt: string | null }
interface ApiKey { id: string; name: string; role: string; prefix: string; createdAt: string; revokedAt: string | null }

function RoleSelect() {
  return <select name="role" required>{roles.map((r) => <option key={r} value={r}>{r}</option>)}</select>;
}

/** Users and API keys, for a role with access:manage. A new key is shown once, here. */
export function AccessPage() {
  const lang = useLanguage();
  const users = useApi<Page<User>>('/users?limit=200');
  const keys = useApi<Page<ApiKey>>('/api-keys?limit=200');
  const [error, setError] = useState('');
  const [newKey, setNewKey] = useState('');

  const submit = (work: (form: FormData) => Promise<void>) => (e: Event) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    setError('');
    work(new FormData(formEl)).then(() => formEl.reset(), (err: Error) => setError(err.message));
  };
  const createUser = submit(async (form) => {
    await api('POST', '/users', { email: formText(form, 'email'), name: formText(form, 'name'), role: formText(form, 'role'), password: form.get('password') });
    users.reload();
  });
  const createKey = submit(async (form) => {
    const created = await api<{ key: string }>('POST', '/api-keys', { name: formText(form, 'name'), role: formText(form, 'role') });
    setNewKey(created.key);
    keys.reload();
  });
  const act = (path: string, reload: () => void) => {
    if (!confirm(t('common.confirm'))) return;
    setError('');
    api('POST', path).then(reload, (err: Error) => setError(err.message));
  };

  return (
    <section>
      <h1>{t('access.title')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <h2>{t('access.users')}</h2>
      <form class="filters" onSubmit={createUser}>
        <Field label={t('signIn.email')}><input name="email" type="email" required /></Field>
        <Field label={t('access.name')}><input name="name" required /></Field>
        <Field label={t('access.role')}><RoleSelect /></Field>
        <Field label={t('signIn.password')}><input name="password" type="password" minLength={12} autocomplete="new-password" required /></Field>
        <div class="buttons"><button type="submit">{t('access.createUser')}</button></div>
      </form>
      <Load state={users} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table>
            <thead><tr><th>{t('signIn.email')}</th><th>{t('access.name')}</th><th>{t('access.role')}</th><th>{t('access.created')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {p.data.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td><td>{u.name}</td><td>{u.role}</td><td>{when(u.createdAt, lang)}</td>
                  <td>{u.disabledAt ? t('access.disabled') : <button type="button" class="danger" onClick={() => act(`/users/${u.id}/disable`, users.reload)}>{t('access.disable')}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
      <h2>{t('access.keys')}</h2>
      <form class="filters" onSubmit={createKey}>
        <Field label={t('access.name')}><input name="name" required /></Field>
        <Field label={t('access.role')}><RoleSelect /></Field>
        <div class="buttons"><button type="submit">{t('access.createKey')}</button></div>
      </form>
      {newKey && <p class="note" role="status">{t('access.newKey')} <code data-testid="new-key">{newKey}</code></p>}
      <Load state={keys} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table>
            <thead><tr><th>{t('access.name')}</th><th>{t('access.role')}</th><th>{t('access.prefix')}</th><th>{t('access.created')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {p.data.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td><td>{k.role}</td><td><code>{k.prefix}…</code></td><td>{when(k.createdAt, lang)}</td>
                  <td>{k.revokedAt ? t('access.revoked') : <button type="button" class="danger" onClick={() => act(`/api-keys/${k.id}/revoke`, keys.reload)}>{t('access.revoke')}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}

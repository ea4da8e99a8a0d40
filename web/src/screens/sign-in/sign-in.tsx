import { useState } from 'preact/hooks';
import { api, type Session } from '../../api.js';
import { Field } from '../../components.js';
import { t } from '../../i18n.js';
import { LanguageSwitch } from '../../shell.js';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      onSignedIn(await api<Session>('POST', '/session', { email: form.get('email'), password: form.get('password') }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>{t('signIn.title')}</h1>
      <form onSubmit={(e) => void submit(e)}>
        <Field label={t('signIn.email')}><input name="email" type="email" autocomplete="username" required /></Field>
        <Field label={t('signIn.password')}><input name="password" type="password" autocomplete="current-password" required /></Field>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{t('signIn.submit')}</button>
      </form>
      <LanguageSwitch />
    </main>
  );
}

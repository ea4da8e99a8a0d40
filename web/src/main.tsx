import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setSession, whenSignedOut, type Session } from './api.js';
import { t, useLanguage } from './i18n.js';
import { Shell } from './shell.js';
import { SignIn } from './screens/sign-in/sign-in.js';
import './styles.css';

function App() {
  useLanguage();
  const [session, setState] = useState<Session | null | undefined>(undefined);
  const signedIn = (s: Session | null) => { setSession(s); setState(s); };
  useEffect(() => {
    whenSignedOut(() => signedIn(null));
    api<Session>('GET', '/session').then(signedIn, () => signedIn(null));
  }, []);
  if (session === undefined) return <p class="muted" aria-busy="true">{t('common.loading')}</p>;
  if (session === null) return <SignIn onSignedIn={signedIn} />;
  return <Shell session={session} onSignedOut={() => signedIn(null)} />;
}

render(<App />, document.getElementById('app')!);

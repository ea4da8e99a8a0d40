import { useEffect, useState } from 'preact/hooks';
import { api, type Session } from './api.js';
import { languages, setLanguage, t, useLanguage, type Language } from './i18n.js';
import { AccessPage } from './screens/access/access.js';
import { AvailabilityPage } from './screens/availability/availability.js';
import { DashboardPage } from './screens/dashboard/dashboard.js';
import { FulfilmentPage } from './screens/fulfilment/fulfilment.js';
import { HoldsPage } from './screens/holds/holds.js';
import { OrderPage } from './screens/order/order.js';
import { OrdersPage } from './screens/orders/orders.js';
import { ReturnsPage } from './screens/returns/returns.js';
import { SettingsPage } from './screens/settings/settings.js';
import { StockPage } from './screens/stock/stock.js';

/** The page is in the hash (#/dashboard, #/orders, #/orders/ID, #/holds, #/fulfilment, …): static files, no server routes. */
function useHashRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [route, setRoute] = useState(read());
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function LanguageSwitch() {
  const lang = useLanguage();
  return (
    <label class="language">
      <span>{t('nav.language')}</span>
      <select value={lang} onChange={(e) => void setLanguage((e.currentTarget).value as Language)}>
        {Object.entries(languages).map(([code, name]) => <option key={code} value={code} selected={code === lang}>{name}</option>)}
      </select>
    </label>
  );
}

export function Shell({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  // The dashboard is where a signed-in person lands.
  const [page = 'dashboard', id] = useHashRoute();
  const can = (p: string) => session.permissions.includes(p);
  const signOut = async () => {
    await api('DELETE', '/session').catch(() => undefined);
    onSignedOut();
  };
  const link = (to: string, label: string) =>
    <a href={`#/${to}`} aria-current={page === to ? 'page' : undefined}>{label}</a>;
  return (
    <div class="shell">
      <header>
        <strong>{t('app.title')}</strong>
        <nav aria-label={t('nav.main')}>
          {link('dashboard', t('nav.dashboard'))}
          {link('orders', t('nav.orders'))}
          {can('order:review') && link('holds', t('nav.holds'))}
          {can('order:ship') && link('fulfilment', t('nav.fulfilment'))}
          {link('returns', t('nav.returns'))}
          {can('inventory:read') && link('stock', t('nav.stock'))}
          {can('inventory:read') && link('availability', t('nav.availability'))}
          {link('settings', t('nav.settings'))}
          {can('access:manage') && link('access', t('nav.access'))}
        </nav>
        <span class="user">{session.user.name} · {session.user.role}</span>
        <LanguageSwitch />
        <button type="button" onClick={() => void signOut()}>{t('nav.signOut')}</button>
      </header>
      <main>
        {session.personalData === 'masked' && <p class="note">{t('common.masked')}</p>}
        {page === 'orders' && id ? <OrderPage id={id} session={session} />
          : page === 'orders' ? <OrdersPage session={session} />
          : page === 'holds' ? <HoldsPage />
          : page === 'fulfilment' ? <FulfilmentPage session={session} />
          : page === 'returns' ? <ReturnsPage session={session} />
          : page === 'settings' ? <SettingsPage session={session} section={id} />
          : page === 'stock' ? <StockPage can={can} />
          : page === 'access' ? <AccessPage />
          : page === 'availability' ? <AvailabilityPage key={id} sku={id ? decodeURIComponent(id) : undefined} />
          : <DashboardPage can={can} />}
      </main>
    </div>
  );
}

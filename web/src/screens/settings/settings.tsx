import type { Session } from '../../api.js';
import { t, type MessageKey } from '../../i18n.js';
import { Carriers } from './carriers.js';
import { Channels } from './channels.js';
import { Connectors } from './connectors.js';
import { Locations } from './locations.js';
import { ReviewRules } from './review-rules.js';
import { Sourcing } from './sourcing.js';
import { Webhooks } from './webhooks.js';
import './settings.css';

/** The sections of the settings screen, each at #/settings/<section>, shown to a role with the permission named. */
const sections = [
  { id: 'general', label: 'settings.nav.general', read: ['channel:read', 'location:read', 'order:read'] },
  { id: 'connectors', label: 'settings.nav.connectors', read: ['channel:read'] },
  { id: 'carriers', label: 'settings.nav.carriers', read: ['carrier:read'] },
  { id: 'sourcing', label: 'settings.nav.sourcing', read: ['channel:read'] },
  { id: 'webhooks', label: 'settings.nav.webhooks', read: ['webhook:read'] },
] as const satisfies readonly { id: string; label: MessageKey; read: readonly string[] }[];
type SectionId = (typeof sections)[number]['id'];

/**
 * Settings, one section at a time behind a local navigation: general (channels, locations, review rules), connectors,
 * carriers and rates, sourcing rules with the what-if simulation, webhooks; users and API keys have their own screen.
 * Each part is shown to a role that may read it and changed only by one that may write it.
 */
export function SettingsPage({ session, section }: { session: Session; section?: string | undefined }) {
  const can = (p: string) => session.permissions.includes(p);
  const visible = sections.filter((s) => s.read.some(can));
  const current: SectionId | undefined = visible.find((s) => s.id === section)?.id ?? visible[0]?.id;
  return (
    <section class="settings">
      <h1>{t('settings.title')}</h1>
      <nav class="tabs section-nav" aria-label={t('settings.nav.label')}>
        {visible.map((s) => <a key={s.id} href={`#/settings/${s.id}`} aria-current={s.id === current ? 'page' : undefined}>{t(s.label)}</a>)}
        {can('access:manage') && <a href="#/access">{t('settings.nav.access')}</a>}
      </nav>
      {current === 'general' && (
        <>
          {can('channel:read') && <Channels mayWrite={can('channel:write')} />}
          {can('location:read') && <Locations mayWrite={can('location:write')} />}
          {can('order:read') && <ReviewRules mayWrite={can('order:rules')} />}
        </>
      )}
      {current === 'connectors' && <Connectors mayWrite={can('channel:write')} mayReadHeld={can('order:read')} mayRetry={can('order:write')} />}
      {current === 'carriers' && <Carriers mayWrite={can('carrier:write')} canReadLocations={can('location:read')} />}
      {current === 'sourcing' && <Sourcing mayWrite={can('channel:write')} maySimulate={can('order:read')} />}
      {current === 'webhooks' && <Webhooks mayWrite={can('webhook:write')} />}
    </section>
  );
}

import { useState } from 'preact/hooks';
import type { Session } from '../../api.js';
import { Field, Load } from '../../components.js';
import { t } from '../../i18n.js';
import type { Carrier, Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { FulfilmentCard } from './fulfilment-card.js';
import { PickListView } from './pick-list.js';
import { queueStatuses, useFulfilmentQueue, type QueueStatus } from './use-fulfilment-queue.js';

interface Location { id: string; code: string; name: string; active: boolean }

/**
 * For store and warehouse staff, on a phone or a desk: choose my location, then its queue of fulfilment orders by
 * status (requested → accepted → picking → packed → shipped, or ready for pickup → handed over), each a card with its
 * one next step, or the location's batched pick list. Everything goes through use-fulfilment-queue.ts.
 */
export function FulfilmentPage({ session }: { session: Session }) {
  const locations = useApi<Page<Location>>('/locations?limit=200');
  const carriers = useApi<{ data: Carrier[] }>(session.permissions.includes('carrier:read') ? '/carriers' : null);
  const [location, setLocationState] = useState<string | null>(localStorage.getItem('ordo.location'));
  const [view, setView] = useState<'queue' | 'pick-list'>('queue');
  const [shown, setShown] = useState<QueueStatus | 'all'>('all');
  const setLocation = (code: string) => {
    localStorage.setItem('ordo.location', code);
    setLocationState(code || null);
  };
  const queue = useFulfilmentQueue(location);
  const canPrint = session.permissions.includes('order:read_shipping');
  return (
    <section class="fulfilment">
      <h1>{t('fulfilment.title')}</h1>
      <Field label={t('fulfilment.location')}>
        <select value={location ?? ''} onChange={(e) => setLocation(e.currentTarget.value)}>
          <option value="">{t('fulfilment.chooseLocation')}</option>
          {(locations.data?.data ?? []).filter((l) => l.active).map((l) => <option key={l.id} value={l.code}>{l.code} · {l.name}</option>)}
        </select>
      </Field>
      {location && (
        <>
          <div class="tabs" role="group" aria-label={t('fulfilment.views')}>
            <button type="button" class="tab" aria-pressed={view === 'queue'} onClick={() => setView('queue')}>{t('fulfilment.queue')}</button>
            <button type="button" class="tab" aria-pressed={view === 'pick-list'} onClick={() => setView('pick-list')}>{t('fulfilment.batchPickList')}</button>
          </div>
          {view === 'pick-list' ? <PickListView location={location} /> : (
            <Load state={queue.queue}>
              {(items) => {
                const count = (s: QueueStatus) => items.filter((fo) => fo.status === s).length;
                const visible = shown === 'all' ? items : items.filter((fo) => fo.status === shown);
                return (
                  <>
                    <div class="tabs status-filter" role="group" aria-label={t('fulfilment.byStatus')}>
                      <button type="button" class="tab" aria-pressed={shown === 'all'} onClick={() => setShown('all')}>{t('fulfilment.all', { count: items.length })}</button>
                      {queueStatuses.map((s) => (
                        <button key={s} type="button" class="tab" aria-pressed={shown === s} onClick={() => setShown(s)}>
                          {t(`fulfilment.status.${s}`)} ({count(s)})
                        </button>
                      ))}
                    </div>
                    <p class="muted" role="status">{t('fulfilment.count', { count: visible.length })}</p>
                    {visible.length === 0 ? <p class="muted">{t('fulfilment.nothingToDo')}</p> : (
                      <ul class="cards">
                        {visible.map((fo) => <FulfilmentCard key={fo.id} fo={fo} queue={queue} carriers={carriers.data?.data ?? []} canPrint={canPrint} />)}
                      </ul>
                    )}
                  </>
                );
              }}
            </Load>
          )}
        </>
      )}
    </section>
  );
}

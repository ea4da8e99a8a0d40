import { useState } from 'preact/hooks';
import { when, type Session } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { useFulfilmentQueue, type QueueItem } from './use-fulfilment-queue.js';

interface Location { id: string; code: string; name: string; active: boolean }

function QueueCard({ item, onShip, onHandOver }: { item: QueueItem; onShip: (parcel: { carrier?: string; trackingNumber?: string }) => Promise<void>; onHandOver: () => Promise<void> }) {
  const lang = useLanguage();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await work();
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  const ship = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const carrier = formText(form, 'carrier');
    const trackingNumber = formText(form, 'trackingNumber');
    void run(() => onShip({ ...(carrier && { carrier }), ...(trackingNumber && { trackingNumber }) }));
  };
  return (
    <li class="card" data-order={item.number}>
      <h2>{item.number} <span class="badge">{item.pickup ? t('fulfilment.pickup') : t('fulfilment.delivery')}</span></h2>
      <p class="muted">{item.channel} · {item.recipient} · {when(item.placedAt, lang)}</p>
      <ul class="pick-list" aria-label={t('fulfilment.pickList', { number: item.number })}>
        {item.lines.map((l) => <li key={l.lineId}><strong>{l.quantity} ×</strong> {l.sku}</li>)}
      </ul>
      {item.pickup ? (
        <button type="button" class="big" disabled={busy} onClick={() => void run(onHandOver)}>{t('fulfilment.handOver', { number: item.number })}</button>
      ) : (
        <form class="stack" onSubmit={ship}>
          <Field label={t('order.carrier')}><input name="carrier" /></Field>
          <Field label={t('order.tracking')}><input name="trackingNumber" /></Field>
          <button type="submit" class="big" disabled={busy}>{t('fulfilment.ship', { number: item.number })}</button>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </li>
  );
}

/**
 * For store and warehouse staff, on a phone: the orders released to their location, oldest first, each with its pick
 * list and one big button to ship it (or hand a pickup order over). The data comes through useFulfilmentQueue only.
 */
export function FulfilmentPage({ session }: { session: Session }) {
  const locations = useApi<Page<Location>>('/locations?limit=200');
  const [location, setLocationState] = useState<string | null>(localStorage.getItem('ordo.location'));
  const setLocation = (code: string) => {
    localStorage.setItem('ordo.location', code);
    setLocationState(code || null);
  };
  const { queue, ship, handOver } = useFulfilmentQueue(location);
  const mayDeliver = session.permissions.includes('order:write');
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
        <Load state={queue} empty={(items) => items.length === 0}>
          {(items) => (
            <>
              <p class="muted" role="status">{t('fulfilment.count', { count: items.length })}</p>
              <ul class="cards">
                {items.map((item) => (
                  <QueueCard key={item.id} item={item} onShip={(parcel) => ship(item, parcel)} onHandOver={() => handOver(item, mayDeliver)} />
                ))}
              </ul>
            </>
          )}
        </Load>
      )}
    </section>
  );
}

import { when } from '../../api.js';
import { Load } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { FulfilmentOrder, Order, Page, Shipment } from '../../types.js';
import { useApi } from '../../use-api.js';
import { FulfilmentBadge } from '../fulfilment/fulfilment-badge.js';
import { packingSlipUrl } from '../fulfilment/use-fulfilment-queue.js';

const parcelStatus = (s: string) => t(`order.parcel.${s}` as Parameters<typeof t>[0]);

/** One parcel with its tracking events (GET /v1/shipments/{id}), oldest first as the carrier reported them. */
function ShipmentCard({ id, lang, skuOf }: { id: string; lang: string; skuOf: (lineId: string) => string }) {
  const shipment = useApi<Shipment>(`/shipments/${id}`, 15_000);
  return (
    <li class="card" data-shipment={id}>
      <Load state={shipment}>
        {(s) => (
          <>
            <h3>
              {s.kind === 'pickup' ? t('order.pickedUp') : [s.carrier, s.service].filter(Boolean).join(' · ') || t('order.noCarrier')}
              {' '}<span class={`badge parcel-${s.status}`}>{parcelStatus(s.status)}</span>
            </h3>
            <dl class="facts">
              {s.trackingNumber && <><dt>{t('order.tracking')}</dt><dd data-testid="tracking-number">{s.trackingNumber}</dd></>}
              <dt>{t('order.shippedAt')}</dt><dd>{when(s.shippedAt, lang)}</dd>
              {s.deliveredAt && <><dt>{t('order.deliveredAt')}</dt><dd>{when(s.deliveredAt, lang)}</dd></>}
              <dt>{t('order.parcels')}</dt><dd>{s.parcels}{s.weightGrams ? ` · ${t('order.grams', { grams: s.weightGrams })}` : ''}</dd>
              <dt>{t('order.contents')}</dt><dd>{s.lines.map((l) => `${l.quantity} × ${skuOf(l.lineId)}`).join(', ')}</dd>
            </dl>
            {(s.events ?? []).length === 0 ? <p class="muted">{t('order.noTracking')}</p> : (
              <ol class="timeline tracking" aria-label={t('order.trackingEvents')}>
                {(s.events ?? []).map((e) => (
                  <li key={e.eventId} class={e.applied ? undefined : 'muted'}>
                    <time>{when(e.occurredAt, lang)}</time> <strong>{parcelStatus(e.type)}</strong>
                    {e.location && <> · {e.location}</>}{e.description && <> · {e.description}</>}
                    {!e.applied && <> ({t('order.eventLate')})</>}
                  </li>
                ))}
              </ol>
            )}
          </>
        )}
      </Load>
    </li>
  );
}

/** The order's fulfilment orders (one per location and release) and its parcels with their tracking. */
export function OrderFulfilment({ order, canPrint }: { order: Order; canPrint: boolean }) {
  const lang = useLanguage();
  const fos = useApi<Page<FulfilmentOrder>>(`/fulfillment-orders?orderId=${order.id}&limit=200`, 15_000);
  const shipments = useApi<Page<Shipment>>(`/shipments?orderId=${order.id}&limit=200`, 15_000);
  const skuOf = (lineId: string) => order.lines.find((l) => l.id === lineId)?.sku ?? lineId;
  return (
    <>
      <h2>{t('order.fulfilmentOrders')}</h2>
      <Load state={fos}>
        {(p) => p.data.length === 0 ? <p class="muted">{t('order.noFulfilmentOrders')}</p> : (
          <table class="fulfilment-orders">
            <thead><tr>
              <th>{t('order.fulfilmentNumber')}</th><th>{t('order.line.location')}</th><th>{t('orders.status')}</th>
              <th>{t('order.fulfilmentLines')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th>
            </tr></thead>
            <tbody>
              {p.data.map((fo) => (
                <tr key={fo.id}>
                  <td>{fo.number} <span class="muted">{fo.kind === 'pickup' ? t('fulfilment.pickup') : t('fulfilment.delivery')}</span></td>
                  <td>{fo.location}</td>
                  <td><FulfilmentBadge status={fo.status} />{fo.reason && <span class="muted"> · {fo.reason}</span>}</td>
                  <td>{fo.lines.map((l) => t('order.fulfilmentLine', { sku: l.sku, shipped: l.shipped, quantity: l.quantity })).join(', ')}</td>
                  <td>{canPrint && <a href={packingSlipUrl(fo)} target="_blank" rel="noopener">{t('fulfilment.packingSlip', { number: fo.number })}</a>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
      <h2>{t('order.shipments')}</h2>
      <Load state={shipments}>
        {(p) => p.data.length === 0 ? <p class="muted">{t('order.noShipments')}</p> : (
          <ul class="cards shipments">
            {p.data.map((s) => <ShipmentCard key={`${s.id}-${s.version}`} id={s.id} lang={lang} skuOf={skuOf} />)}
          </ul>
        )}
      </Load>
    </>
  );
}

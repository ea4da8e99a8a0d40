import { Load } from '../../components.js';
import { t } from '../../i18n.js';
import { usePickList } from './use-fulfilment-queue.js';

/** One walk through the shelves for many orders: the open units of the location's fulfilment orders, by SKU. */
export function PickListView({ location }: { location: string }) {
  const list = usePickList(location);
  return (
    <Load state={list} empty={(p) => p.skus.length === 0}>
      {(p) => (
        <>
          <p class="muted" role="status">{t('fulfilment.pickListSummary', { units: p.units, orders: p.fulfillmentOrders })}</p>
          <button type="button" class="secondary no-print" onClick={() => print()}>{t('fulfilment.print')}</button>
          <ul class="cards" aria-label={t('fulfilment.pickListOf', { location: p.location })}>
            {p.skus.map((s) => (
              <li key={s.sku} class="card" data-sku={s.sku}>
                <h2><span class="qty">{s.quantity} ×</span> {s.sku}</h2>
                <p class="muted">{s.name}</p>
                <ul class="pick-orders">
                  {s.orders.map((o) => <li key={`${o.fulfillmentOrderId}-${o.lineId}`}>{t('fulfilment.forOrder', { quantity: o.quantity, number: o.number })}</li>)}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
    </Load>
  );
}

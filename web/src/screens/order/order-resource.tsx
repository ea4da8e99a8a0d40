import { api } from '../../api.js';
import { Field, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Order } from '../../types.js';
import { useAction } from './order-action.js';

/** Re-sourcing is allowed from on hold to in fulfilment (src/order/order-change.routes.ts). */
const resourceable = ['on_hold', 'confirmed', 'allocated', 'in_fulfillment'];
const reservedAt = (order: Order) => [...new Set(order.lines.filter((l) => l.allocated > 0 && l.location).map((l) => l.location!))];
export const mayResource = (order: Order): boolean => resourceable.includes(order.status) && reservedAt(order).length > 0;

/**
 * Source again away from some locations (POST /orders/{id}/resource): the lines reserved at the ticked locations are
 * released there and decided again by the channel's rule set over the others; the new decision joins the explanation.
 */
export function OrderResource({ order, onDone }: { order: Order; onDone: () => void }) {
  const { run, outcome } = useAction(onDone);
  const locations = reservedAt(order);
  if (!mayResource(order)) return null;
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const excludeLocations = locations.filter((l) => form.get(`exclude-${l}`) === 'on');
    void run(async () => {
      if (excludeLocations.length === 0) throw new Error(t('order.resource.nothing'));
      await api('POST', `/orders/${order.id}/resource`, { excludeLocations, reason: formText(form, 'reason') });
    });
  };
  return (
    <div class="order-resource">
      <h3>{t('order.resource.title')}</h3>
      <form class="inline" onSubmit={submit} key={order.version}>
        <fieldset class="inline">
          <legend>{t('order.resource.away')}</legend>
          {locations.map((l) => <label key={l} class="check"><input type="checkbox" name={`exclude-${l}`} /> {t('order.resource.awayFrom', { location: l })}</label>)}
        </fieldset>
        <Field label={t('order.resource.reason')}><input name="reason" required maxLength={500} /></Field>
        <button type="submit">{t('order.resource.submit')}</button>
      </form>
      {outcome}
    </div>
  );
}

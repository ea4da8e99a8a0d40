import { api } from '../../api.js';
import { Field, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Address, Order } from '../../types.js';
import { ifMatch, useAction } from './order-action.js';

const fields = ['name', 'company', 'line1', 'line2', 'postalCode', 'city', 'state', 'country', 'phone'] as const;
const optional = new Set<string>(['company', 'line2', 'state', 'phone']);

/**
 * The shipping address and the buyer's remark (PATCH /orders/{id}), behind a disclosure: the address is sent whole,
 * what the form does not show (region, coordinates) kept as it was.
 */
export function OrderEditDetails({ order, onDone }: { order: Order; onDone: () => void }) {
  const { run, outcome } = useAction(onDone);
  const address: Partial<Address> = order.shippingAddress ?? {};
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const edited: Record<string, string | null> = {};
    for (const f of fields) edited[f] = formText(form, f) || (optional.has(f) ? null : '');
    const remark = formText(form, 'buyerRemark');
    void run(() => api('PATCH', `/orders/${order.id}`, {
      ...(order.deliveryMethod === 'ship' && { shippingAddress: { ...order.shippingAddress, ...edited } }),
      buyerRemark: remark || null,
    }, ifMatch(order)));
  };
  return (
    <details class="order-edit-details">
      <summary>{t('order.edit.details')}</summary>
      <form class="inline" onSubmit={submit} key={order.version}>
        {order.deliveryMethod === 'ship' && fields.map((f) => (
          <Field key={f} label={t(`order.edit.address.${f}`)}>
            <input name={f} defaultValue={address[f] ?? ''} required={!optional.has(f)} {...(f === 'country' && { pattern: '[A-Z]{2}', maxLength: 2 })} />
          </Field>
        ))}
        <Field label={t('order.remark')}><input name="buyerRemark" defaultValue={order.buyerRemark ?? ''} maxLength={2000} /></Field>
        <button type="submit">{t('order.edit.saveDetails')}</button>
      </form>
      {outcome}
    </details>
  );
}

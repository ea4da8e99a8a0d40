import { api, query } from '../../api.js';
import { Field, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Order, Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { useAction } from './order-action.js';

/**
 * Merge (POST /orders/merge) with another open order of the same customer, named by its number (the customer's other
 * editable orders are offered). The API merges into the oldest and refuses orders that differ in channel, currency,
 * address or delivery method, in its words. When this order was the one merged away, the page moves to the target.
 */
export function OrderMerge({ order, onDone }: { order: Order; onDone: () => void }) {
  const { run, outcome } = useAction(onDone);
  const others = useApi<Page<Pick<Order, 'id' | 'number'>>>(`/orders${query({
    customer: order.customer.id, status: ['received', 'on_hold', 'confirmed', 'allocated'], limit: '200',
  })}`, 15_000);
  const candidates = (others.data?.data ?? []).filter((o) => o.id !== order.id);
  const submit = (e: Event) => {
    e.preventDefault();
    const number = formText(new FormData(e.currentTarget as HTMLFormElement), 'number');
    void run(async () => {
      const other = candidates.find((o) => o.number.toLowerCase() === number.toLowerCase());
      if (!other) throw new Error(t('order.merge.unknown', { number }));
      const target = await api<Order>('POST', '/orders/merge', { orderIds: [order.id, other.id] });
      if (target.id !== order.id) location.hash = `#/orders/${target.id}`;
      return t('order.merge.done', { number: target.number });
    });
  };
  return (
    <div class="order-merge">
      <h3>{t('order.merge.title')}</h3>
      <form class="inline" onSubmit={submit}>
        <Field label={t('order.merge.number')}>
          <input name="number" required list="merge-candidates" autoComplete="off" />
        </Field>
        <datalist id="merge-candidates">{candidates.map((o) => <option key={o.id} value={o.number} />)}</datalist>
        <button type="submit">{t('order.merge.submit')}</button>
      </form>
      {others.data && candidates.length === 0 && <p class="muted">{t('order.merge.none')}</p>}
      {outcome}
    </div>
  );
}

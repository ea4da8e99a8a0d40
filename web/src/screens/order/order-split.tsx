import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Field, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Order } from '../../types.js';
import { ifMatch, openUnitsOf, useAction } from './order-action.js';

/**
 * Split (POST /orders/{id}/split): the units chosen per line move to a new order (numbered like this one plus -2, -3…,
 * reservations move with them); the page then links to it.
 */
export function OrderSplit({ order, onDone }: { order: Order; onDone: () => void }) {
  const { run, outcome } = useAction(onDone);
  const [created, setCreated] = useState<{ id: string; number: string } | null>(null);
  const lines = order.lines.filter((l) => openUnitsOf(l) > 0);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const moved = lines.map((l) => ({ lineId: l.id, quantity: Number(formText(form, `split-${l.id}`) || 0) })).filter((l) => l.quantity > 0);
    setCreated(null);
    void run(async () => {
      if (moved.length === 0) throw new Error(t('order.split.nothing'));
      const { split } = await api<{ original: Order; split: Order }>('POST', `/orders/${order.id}/split`, { lines: moved }, ifMatch(order));
      setCreated({ id: split.id, number: split.number });
      return t('order.split.done', { number: split.number });
    });
  };
  return (
    <div class="order-split">
      <h3>{t('order.split.title')}</h3>
      <form class="inline" onSubmit={submit} key={order.version}>
        {lines.map((l) => (
          <Field key={l.id} label={t('order.split.unitsOf', { sku: l.sku, line: l.lineNo, open: openUnitsOf(l) })}>
            <input name={`split-${l.id}`} type="number" min={0} max={openUnitsOf(l)} defaultValue="0" />
          </Field>
        ))}
        <button type="submit">{t('order.split.submit')}</button>
      </form>
      {outcome}
      {created && <p><a href={`#/orders/${created.id}`}>{t('order.split.open', { number: created.number })}</a></p>}
    </div>
  );
}

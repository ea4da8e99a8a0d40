import { api } from '../../api.js';
import { Field, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Order } from '../../types.js';
import { ifMatch, openUnitsOf, useAction } from './order-action.js';
import { toMinor } from './refund-parts.js';

/**
 * Edits of the lines while the order is editable: a line's quantity (PATCH /orders/{id}/lines/{lineId}: more reserves
 * at its location, fewer releases), cancel a line's open units (DELETE), add a line reserved at once (POST).
 */
export function OrderEditLines({ order, onDone }: { order: Order; onDone: () => void }) {
  const { run, outcome } = useAction(onDone);
  const lines = order.lines.filter((l) => openUnitsOf(l) > 0);

  const changeQuantity = (e: Event, lineId: string) => {
    e.preventDefault();
    const quantity = Number(formText(new FormData(e.currentTarget as HTMLFormElement), 'quantity'));
    void run(() => api('PATCH', `/orders/${order.id}/lines/${lineId}`, { quantity }, ifMatch(order)));
  };
  const cancelLine = (lineId: string) => {
    if (!confirm(t('common.confirm'))) return;
    void run(() => api('DELETE', `/orders/${order.id}/lines/${lineId}`, undefined, ifMatch(order)));
  };
  const addLine = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const unitPriceMinor = formText(data, 'price') === '0' ? 0 : toMinor(formText(data, 'price'), order.currency);
    void run(async () => {
      // A price the currency cannot have is refused here; everything else the API judges (SKU, stock, quantity).
      if (unitPriceMinor === null) throw new Error(t('order.edit.badPrice'));
      await api('POST', `/orders/${order.id}/lines`, { sku: formText(data, 'sku'), quantity: Number(formText(data, 'quantity')), unitPriceMinor }, ifMatch(order));
      form.reset();
    });
  };

  return (
    <div class="order-edit-lines">
      <h3>{t('order.edit.lines')}</h3>
      <ul class="stack edit-lines">
        {lines.map((l) => {
          const label = t('order.edit.line', { sku: l.sku, line: l.lineNo });
          return (
            <li key={`${l.id}-${l.quantity}`} data-line={l.lineNo}>
              <form class="inline" onSubmit={(e) => changeQuantity(e, l.id)} aria-label={label}>
                <Field label={t('order.edit.quantityOf', { sku: l.sku, line: l.lineNo })}>
                  <input name="quantity" type="number" required min={Math.max(1, l.shipped + l.cancelled)} max={1_000_000} defaultValue={String(l.quantity)} />
                </Field>
                <button type="submit">{t('order.edit.changeQuantity', { sku: l.sku, line: l.lineNo })}</button>
                <button type="button" class="danger" onClick={() => cancelLine(l.id)}>{t('order.edit.cancelLine', { sku: l.sku, line: l.lineNo })}</button>
              </form>
            </li>
          );
        })}
      </ul>
      <form class="inline add-line" onSubmit={addLine} aria-label={t('order.edit.addLine')}>
        <Field label={t('order.edit.sku')}><input name="sku" required maxLength={64} /></Field>
        <Field label={t('order.edit.quantity')}><input name="quantity" type="number" required min={1} max={1_000_000} defaultValue="1" /></Field>
        <Field label={t('order.edit.unitPrice', { currency: order.currency })}><input name="price" required inputMode="decimal" /></Field>
        <button type="submit">{t('order.edit.addLine')}</button>
      </form>
      {outcome}
    </div>
  );
}

import { api } from '../../api.js';
import { Field } from '../../components.js';
import { t } from '../../i18n.js';
import type { ActionFormProps } from './stock-action.js';

const today = () => new Date().toISOString().slice(0, 10);

/**
 * A transfer from this row's location (POST /v1/stock/transfers): the units leave now and are incoming supply of the
 * destination until it receives them (the incoming supply list below).
 */
export function TransferForm({ row, submit, busy }: ActionFormProps) {
  return (
    <form class="inline" onSubmit={(e) => submit(e, async (field) => {
      const reference = field('reference');
      const quantity = Number(field('quantity'));
      await api('POST', '/stock/transfers', {
        from: row.location, to: field('to'), expectedOn: field('expectedOn'), ...(reference && { reference }),
        lines: [{ sku: row.sku, quantity }],
      }, { idempotent: true });
      return t('stock.action.transfer.done', { quantity, sku: row.sku, from: row.location, to: field('to') });
    })}>
      <Field label={t('stock.action.transfer.to')}><input name="to" required size={10} /></Field>
      <Field label={t('stock.action.quantity')}><input name="quantity" type="number" min={1} step={1} required size={6} /></Field>
      <Field label={t('stock.action.transfer.expectedOn')}><input name="expectedOn" type="date" required defaultValue={today()} /></Field>
      <Field label={t('stock.action.transfer.reference')}><input name="reference" maxLength={100} /></Field>
      <div class="buttons"><button type="submit" disabled={busy}>{t('stock.action.transfer.submit')}</button></div>
    </form>
  );
}

import { api } from '../../api.js';
import { Field } from '../../components.js';
import { t } from '../../i18n.js';
import type { ActionFormProps } from './stock-action.js';

/** Reasons an operator picks from; the API takes any short text, these are the ones the movement ledger shows most. */
const reasons = ['correction', 'damaged', 'lost', 'found'] as const;

/** A stock adjustment of one row: units up or down with a reason (POST /v1/stock/adjustments). */
export function AdjustForm({ row, submit, busy }: ActionFormProps) {
  return (
    <form class="inline" onSubmit={(e) => submit(e, async (field) => {
      const delta = Number(field('delta'));
      const note = field('note');
      const answer = await api<{ levels: { onHand: number }[] }>('POST', '/stock/adjustments', {
        lines: [{ sku: row.sku, location: row.location, delta, reason: field('reason'), ...(note && { note }) }],
      }, { idempotent: true });
      return t('stock.action.adjust.done', { sku: row.sku, location: row.location, onHand: answer.levels[0]?.onHand ?? '' });
    })}>
      <Field label={t('stock.action.adjust.delta')}><input name="delta" type="number" step={1} required size={6} /></Field>
      <Field label={t('stock.action.adjust.reason')}>
        <select name="reason">{reasons.map((r) => <option key={r} value={r}>{t(`stock.action.reason.${r}`)}</option>)}</select>
      </Field>
      <Field label={t('stock.action.note')}><input name="note" maxLength={500} /></Field>
      <div class="buttons"><button type="submit" disabled={busy}>{t('stock.action.adjust.submit')}</button></div>
    </form>
  );
}

import { api } from '../../api.js';
import { Field } from '../../components.js';
import { t } from '../../i18n.js';
import type { ActionFormProps } from './stock-action.js';

interface StockCount { id: string; lines: { sku: string; expected: number; counted: number | null; variance: number | null }[] }

/**
 * A cycle count of one SKU at one location, as the counts API takes it: open a count of that SKU (the expected on
 * hand is snapshotted), record what was counted, post the variance. If recording or posting is refused, the count is
 * cancelled so that no open count is left behind, and the refusal shown.
 */
export function CountForm({ row, submit, busy }: ActionFormProps) {
  return (
    <form class="inline" onSubmit={(e) => submit(e, async (field) => {
      const counted = Number(field('counted'));
      const note = field('note');
      const opened = await api<StockCount>('POST', '/stock/counts', { location: row.location, skus: [row.sku], ...(note && { note }) }, { idempotent: true });
      try {
        await api('POST', `/stock/counts/${opened.id}/lines`, { lines: [{ sku: row.sku, counted }] }, { idempotent: true });
        const posted = await api<StockCount>('POST', `/stock/counts/${opened.id}/post`, undefined, { idempotent: true });
        const line = posted.lines.find((l) => l.sku === row.sku);
        return t('stock.action.count.done', { sku: row.sku, location: row.location, counted, expected: line?.expected ?? '', variance: line?.variance ?? 0 });
      } catch (err) {
        await api('POST', `/stock/counts/${opened.id}/cancel`, undefined, { idempotent: true }).catch(() => undefined);
        throw err;
      }
    })}>
      <p class="muted">{t('stock.action.count.expected', { onHand: row.onHand })}</p>
      <Field label={t('stock.action.count.counted')}><input name="counted" type="number" min={0} step={1} required size={6} /></Field>
      <Field label={t('stock.action.note')}><input name="note" maxLength={500} /></Field>
      <div class="buttons"><button type="submit" disabled={busy}>{t('stock.action.count.submit')}</button></div>
    </form>
  );
}

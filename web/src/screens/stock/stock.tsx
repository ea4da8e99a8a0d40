import { useState } from 'preact/hooks';
import { query } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Page, StockLevel } from '../../types.js';
import { useApi } from '../../use-api.js';
import { IncomingSupply } from './incoming-supply.js';
import { LowStockAlerts } from './low-stock-alerts.js';
import { StockActionPanel, type StockActionKind, type StockActionTarget } from './stock-action.js';

const actions: StockActionKind[] = ['adjust', 'transfer', 'count'];

/**
 * Stock per SKU × location, with the operator's actions on each row (adjust, transfer, count) for a role that may
 * write stock, then the incoming supply and the low-stock alerts. Whatever an action changes, every list reloads.
 */
export function StockPage({ can }: { can: (permission: string) => boolean }) {
  const mayWrite = can('inventory:write');
  const [filter, setFilter] = useState<{ sku?: string; location?: string; nonZero?: string }>({ nonZero: 'true' });
  const [target, setTarget] = useState<StockActionTarget | null>(null);
  const [done, setDone] = useState('');
  const [refresh, setRefresh] = useState(0);
  const stock = useApi<Page<StockLevel>>(`/stock${query({ ...filter, limit: '100' })}`);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const v = (n: string) => formText(form, n) || undefined;
    setFilter({ sku: v('sku'), location: v('location'), nonZero: form.get('nonZero') ? 'true' : undefined });
  };
  // Closing a panel puts the keyboard back on the button that opened it.
  const close = () => {
    if (target) {
      const { kind, row } = target;
      requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`tr[data-stock="${CSS.escape(`${row.sku}@${row.location}`)}"] button[data-action="${kind}"]`)?.focus());
    }
    setTarget(null);
  };
  const changed = (message: string) => {
    close();
    setDone(message);
    stock.reload();
    setRefresh((n) => n + 1);
  };
  return (
    <section>
      <h1>{t('stock.title')}</h1>
      <form class="filters" onSubmit={submit}>
        <Field label={t('stock.sku')}><input name="sku" /></Field>
        <Field label={t('stock.location')}><input name="location" /></Field>
        <label class="check"><input name="nonZero" type="checkbox" defaultChecked /> {t('stock.nonZero')}</label>
        <div class="buttons"><button type="submit">{t('common.search')}</button></div>
      </form>
      <p role="status" class="note" hidden={!done}>{done}</p>
      {target && <StockActionPanel key={`${target.kind}-${target.row.sku}@${target.row.location}`} target={target} onDone={changed} onClose={close} />}
      <Load state={stock} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table>
            <thead><tr>
              <th>{t('stock.sku')}</th><th>{t('stock.location')}</th><th class="num">{t('stock.onHand')}</th><th class="num">{t('stock.reserved')}</th>
              <th class="num">{t('stock.quarantined')}</th><th class="num">{t('stock.safety')}</th><th class="num">{t('stock.available')}</th>
              {mayWrite && <th><span class="visually-hidden">{t('common.actions')}</span></th>}
            </tr></thead>
            <tbody>
              {p.data.map((s) => (
                <tr key={`${s.sku}@${s.location}`} data-stock={`${s.sku}@${s.location}`}>
                  <td><a href={`#/availability/${encodeURIComponent(s.sku)}`}>{s.sku}</a></td><td>{s.location}</td>
                  <td class="num">{s.onHand}</td><td class="num">{s.reserved}</td><td class="num">{s.quarantined}</td>
                  <td class="num">{s.safetyStock}</td><td class="num"><strong>{s.available}</strong></td>
                  {mayWrite && (
                    <td><div class="row-actions">
                      {actions.map((kind) => (
                        <button key={kind} type="button" class="secondary" data-action={kind} aria-label={t(`stock.action.${kind}.title`, { sku: s.sku, location: s.location })}
                          onClick={() => { setDone(''); setTarget({ kind, row: s }); }}>{t(`stock.action.${kind}`)}</button>
                      ))}
                    </div></td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
      <IncomingSupply filter={{ sku: filter.sku, location: filter.location }} refresh={refresh} mayWrite={mayWrite} onReceived={changed} />
      <LowStockAlerts refresh={refresh} mayWrite={mayWrite} onChanged={changed} />
    </section>
  );
}

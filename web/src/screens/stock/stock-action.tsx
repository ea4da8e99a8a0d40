import { useEffect, useRef, useState } from 'preact/hooks';
import { formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { StockLevel } from '../../types.js';
import { AdjustForm } from './adjust-form.js';
import { CountForm } from './count-form.js';
import { TransferForm } from './transfer-form.js';

export type StockActionKind = 'adjust' | 'transfer' | 'count';
export interface StockActionTarget { kind: StockActionKind; row: StockLevel }

/** What a form of a panel gets: its row, and `submit` to run the API calls with the form's fields. */
export interface ActionFormProps {
  row: StockLevel;
  submit: (e: Event, act: (field: (name: string) => string) => Promise<string>) => void;
  busy: boolean;
}

/**
 * One operator action on one row of the grid, as a panel above it: the form, the API's refusal shown as it says it
 * (the form stays filled to fix it), and on success `onDone` with what happened, which reloads what it changed.
 */
export function StockActionPanel({ target, onDone, onClose }: { target: StockActionTarget; onDone: (message: string) => void; onClose: () => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // Keyboard users land on the panel they opened.
  useEffect(() => heading.current?.focus(), [target]);
  const submit: ActionFormProps['submit'] = (e, act) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    act((name) => formText(form, name)).then(
      (message) => { setBusy(false); onDone(message); },
      (err: Error) => { setBusy(false); setError(err.message); },
    );
  };
  const { kind, row } = target;
  const props = { row, submit, busy };
  return (
    <section class="card stock-action" aria-labelledby="stock-action-title" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <h2 id="stock-action-title" ref={heading} tabIndex={-1}>{t(`stock.action.${kind}.title`, { sku: row.sku, location: row.location })}</h2>
      {kind === 'adjust' ? <AdjustForm {...props} /> : kind === 'transfer' ? <TransferForm {...props} /> : <CountForm {...props} />}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="buttons"><button type="button" class="secondary" onClick={onClose}>{t('stock.action.close')}</button></div>
    </section>
  );
}

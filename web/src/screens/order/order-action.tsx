import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../i18n.js';
import type { Order } from '../../types.js';

/** While the order may still be edited (src/order/order-status.ts `editableStatuses`), and not every unit has left. */
const editableStatuses = ['received', 'on_hold', 'confirmed', 'allocated'];
export const openUnitsOf = (l: Order['lines'][number]) => l.quantity - l.shipped - l.cancelled;
export const isEditable = (order: Order): boolean =>
  editableStatuses.includes(order.status) && order.lines.some((l) => openUnitsOf(l) > 0);

/** The version the page shows, as If-Match: an edit made on a page the order has moved past is a 409. */
export const ifMatch = (order: Order) => ({ headers: { 'if-match': String(order.version) } });

/**
 * One action's outcome on the page: `run` calls the API, then reloads the order (the event stream would too, a moment
 * later) and says it is done — or shows the API's refusal in its own words.
 */
export function useAction(onDone: () => void) {
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  /** `call` may answer the words to say when done (else "Done."); what the API answers otherwise is not shown. */
  const run = async (call: () => Promise<unknown>) => {
    setError('');
    setDone('');
    try {
      const said = await call();
      setDone(typeof said === 'string' ? said : t('order.done'));
      onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const outcome = (
    <>
      {done && <p class="ok" role="status">{done}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </>
  );
  return { run, outcome };
}

/**
 * Loads `reload`'s view again whenever the order's version moves after the first render: a part of the page that
 * reads another resource of the order (its sourcing, its payments) follows the order, so an action taken on the page
 * shows everywhere on it at once, whether or not the event stream is followed.
 */
export function useFollowOrder(reload: () => void, version: number): void {
  const seen = useRef(version);
  useEffect(() => {
    if (seen.current === version) return;
    seen.current = version;
    reload();
  }, [version, reload]);
}

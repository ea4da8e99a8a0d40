import type { Session } from '../../api.js';
import { t } from '../../i18n.js';
import type { Order } from '../../types.js';
import { isEditable } from './order-action.js';
import { OrderEditDetails } from './order-edit-details.js';
import { OrderEditLines } from './order-edit-lines.js';
import { OrderMerge } from './order-merge.js';
import { OrderSplit } from './order-split.js';

/**
 * Edit, split and merge, beside cancel, release and ship: only while the order may still change (received, on hold,
 * confirmed, allocated, with units open) and for a role with order:write. The details form needs the personal data
 * in full (a masked address would be written back masked); merge finds the customer's other orders, which is reading
 * the customer file (customer:read).
 */
export function OrderChanges({ order, session, onDone }: { order: Order; session: Session; onDone: () => void }) {
  const can = (p: string) => session.permissions.includes(p);
  if (!can('order:write') || !isEditable(order)) return null;
  return (
    <section class="actions order-changes" aria-labelledby="changes-heading">
      <h2 id="changes-heading">{t('order.edit.title')}</h2>
      <OrderEditLines order={order} onDone={onDone} />
      {session.personalData === 'full' && <OrderEditDetails order={order} onDone={onDone} />}
      <OrderSplit order={order} onDone={onDone} />
      {can('customer:read') && <OrderMerge order={order} onDone={onDone} />}
    </section>
  );
}

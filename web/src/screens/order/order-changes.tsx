import type { Session } from '../../api.js';
import { t } from '../../i18n.js';
import type { Order } from '../../types.js';
import { isEditable } from './order-action.js';
import { OrderEditDetails } from './order-edit-details.js';
import { OrderEditLines } from './order-edit-lines.js';
import { OrderMerge } from './order-merge.js';
import { OrderResource, mayResource } from './order-resource.js';
import { OrderSplit } from './order-split.js';

/**
 * Edit, split and merge, beside cancel, release and ship: only while the order may still change (received, on hold,
 * confirmed, allocated, with units open) and for a role with order:write; sourcing again away from a location also
 * while in fulfilment. The details form needs the personal data
 * in full (a masked address would be written back masked); merge finds the customer's other orders, which is reading
 * the customer file (customer:read).
 */
export function OrderChanges({ order, session, onDone }: { order: Order; session: Session; onDone: () => void }) {
  const can = (p: string) => session.permissions.includes(p);
  const editable = isEditable(order);
  if (!can('order:write') || (!editable && !mayResource(order))) return null;
  return (
    <section class="actions order-changes" aria-labelledby="changes-heading">
      <h2 id="changes-heading">{t('order.edit.title')}</h2>
      {editable && <OrderEditLines order={order} onDone={onDone} />}
      {editable && session.personalData === 'full' && <OrderEditDetails order={order} onDone={onDone} />}
      {editable && <OrderSplit order={order} onDone={onDone} />}
      {editable && can('customer:read') && <OrderMerge order={order} onDone={onDone} />}
      <OrderResource order={order} onDone={onDone} />
    </section>
  );
}

import { useState } from 'preact/hooks';
import { api, money, when, type Session } from '../../api.js';
import { Field, Load, StatusBadge, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Address, Hold, Order, TimelineEntry } from '../../types.js';
import { useApi } from '../../use-api.js';
import { RequestReturn } from '../returns/returns.js';
import { OrderChanges } from './order-changes.js';
import { OrderFulfilment } from './order-fulfilment.js';
import { OrderPayments } from './order-payments.js';
import { OrderSourcingSection } from './order-sourcing.js';

function AddressBlock({ title, address }: { title: string; address: Address | null }) {
  if (!address) return null;
  return (
    <div class="address">
      <h2 class="h3">{title}</h2>
      <p data-testid={`address-${title}`}>
        {address.name}{address.company ? `, ${address.company}` : ''}<br />
        {address.line1}{address.line2 ? `, ${address.line2}` : ''}<br />
        {address.postalCode} {address.city}{address.state ? `, ${address.state}` : ''}, {address.country}
        {address.phone && <><br />{address.phone}</>}
      </p>
    </div>
  );
}

/** Units of the order not yet shipped nor cancelled: none left means every parcel left (a held shipped order). */
const openUnits = (order: Order) => order.lines.reduce((a, l) => a + l.quantity - l.shipped - l.cancelled, 0);

/**
 * Release or reject one open hold, with an optional note for the timeline. `mayReject` false: the order has nothing
 * open to cancel (every parcel left, held for a carrier exception), so only releasing it makes sense.
 */
export function HoldDecision({ orderId, hold, onDone, mayReject = true }: { orderId: string; hold: Hold; onDone: () => void; mayReject?: boolean }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const decide = async (decision: 'release' | 'reject') => {
    if (decision === 'reject' && !confirm(t('common.confirm'))) return;
    setError('');
    try {
      await api('POST', `/orders/${orderId}/holds/${hold.id}/${decision}`, note ? { note } : {});
      onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="hold-decision">
      <Field label={t('hold.note')}><input value={note} onInput={(e) => setNote((e.currentTarget).value)} /></Field>
      <button type="button" onClick={() => void decide('release')}>{t('hold.release')}</button>
      {mayReject && <button type="button" class="danger" onClick={() => void decide('reject')}>{t('hold.reject')}</button>}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

function Actions({ order, session, onDone }: { order: Order; session: Session; onDone: () => void }) {
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);
  const can = (p: string) => session.permissions.includes(p);
  const act = async (path: string, body?: unknown) => {
    setError('');
    setDone(false);
    try {
      await api('POST', `/orders/${order.id}/${path}`, body);
      setDone(true);
      onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const shippable = order.lines.filter((l) => l.allocated > 0).map((l) => ({ lineId: l.id, quantity: l.allocated }));
  const ship = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const carrier = formText(form, 'carrier');
    const trackingNumber = formText(form, 'trackingNumber');
    void act('ship', { lines: shippable, ...(carrier && { carrier }), ...(trackingNumber && { trackingNumber }) });
  };
  const cancel = (e: Event) => {
    e.preventDefault();
    const reason = formText(new FormData(e.currentTarget as HTMLFormElement), 'reason');
    if (!confirm(t('common.confirm'))) return;
    void act('cancel', { reason });
  };
  const open = !['shipped', 'delivered', 'completed', 'cancelled'].includes(order.status) && openUnits(order) > 0;
  const mayRelease = can('order:write') && order.status === 'allocated';
  const mayShip = can('order:ship') && ['in_fulfillment', 'partially_shipped'].includes(order.status) && shippable.length > 0;
  const mayCancel = can('order:write') && open;
  if (!mayRelease && !mayShip && !mayCancel && !done && !error) return null;
  return (
    <section class="actions">
      <h2>{t('order.actions')}</h2>
      {mayRelease &&
        <button type="button" onClick={() => void act('release')}>{t('order.release')}</button>}
      {mayShip && (
        <form onSubmit={ship} class="inline">
          <Field label={t('order.carrier')}><input name="carrier" /></Field>
          <Field label={t('order.tracking')}><input name="trackingNumber" /></Field>
          <button type="submit">{t('order.ship')}</button>
        </form>
      )}
      {mayCancel && (
        <form onSubmit={cancel} class="inline">
          <Field label={t('order.cancelReason')}><input name="reason" required /></Field>
          <button type="submit" class="danger">{t('order.cancel')}</button>
        </form>
      )}
      {done && <p class="ok" role="status">{t('order.done')}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

export function OrderPage({ id, session }: { id: string; session: Session }) {
  const lang = useLanguage();
  const order = useApi<Order>(`/orders/${id}`, 15_000);
  const timeline = useApi<{ data: TimelineEntry[] }>(`/orders/${id}/timeline`, 15_000);
  const reload = () => { order.reload(); timeline.reload(); };
  return (
    <section>
      <p><a href="#/orders">{t('common.back')}</a></p>
      <Load state={order}>
        {(o) => (
          <>
            <h1>{o.number} <StatusBadge status={o.status} /></h1>
            <p class="muted">{o.channel} · {o.externalRef} · {when(o.placedAt, lang)}</p>
            {o.promisedDeliveryDate && <p data-testid="promised">{t('order.promisedBy')} {o.promisedDeliveryDate}</p>}
            {o.mergedInto && <p class="note" data-testid="merged-into"><a href={`#/orders/${o.mergedInto}`}>{t('order.mergedInto')}</a></p>}
            {o.splitFrom && <p data-testid="split-from"><a href={`#/orders/${o.splitFrom}`}>{t('order.splitFrom')}</a></p>}
            <div class="columns">
              <div>
                <h2 class="h3">{t('order.customer')}</h2>
                <p data-testid="customer">{o.customer.name}{o.customer.email && <><br />{o.customer.email}</>}{o.customer.phone && <><br />{o.customer.phone}</>}</p>
              </div>
              <AddressBlock title={t('order.shipTo')} address={o.shippingAddress} />
              <AddressBlock title={t('order.billTo')} address={o.billingAddress} />
              {o.buyerRemark && <div><h2 class="h3">{t('order.remark')}</h2><p>{o.buyerRemark}</p></div>}
            </div>
            <h2>{t('order.lines')}</h2>
            <table>
              <thead><tr>
                <th>#</th><th>{t('order.line.sku')}</th><th class="num">{t('order.line.quantity')}</th><th class="num">{t('order.line.allocated')}</th>
                <th class="num">{t('order.line.shipped')}</th><th class="num">{t('order.line.cancelled')}</th><th class="num">{t('order.line.backordered')}</th>
                <th>{t('order.line.location')}</th><th class="num">{t('order.line.unitPrice')}</th>
              </tr></thead>
              <tbody>
                {o.lines.map((l) => (
                  <tr key={l.id}>
                    <td>{l.lineNo}</td><td>{l.sku}</td><td class="num">{l.quantity}</td><td class="num">{l.allocated}</td><td class="num">{l.shipped}</td>
                    <td class="num">{l.cancelled}</td><td class="num">{l.backordered}</td><td>{l.location ?? '—'}</td>
                    <td class="num">{money(l.unitPriceMinor, o.currency, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>{t('order.totals')}</h2>
            <dl class="totals">
              <dt>{t('order.subtotal')}</dt><dd>{money(o.totals.subtotalMinor, o.currency, lang)}</dd>
              <dt>{t('order.discount')}</dt><dd>−{money(o.totals.discountMinor, o.currency, lang)}</dd>
              <dt>{t('order.shipping')}</dt><dd>{money(o.totals.shippingMinor, o.currency, lang)}</dd>
              <dt>{t('order.tax')}</dt><dd>{money(o.totals.taxMinor, o.currency, lang)}</dd>
              <dt>{t('order.total')}</dt><dd><strong>{money(o.totals.totalMinor, o.currency, lang)}</strong></dd>
            </dl>
            <h2>{t('order.holds')}</h2>
            {o.holds.length === 0 ? <p class="muted">{t('order.noHolds')}</p> : (
              <ul class="holds">
                {o.holds.map((h) => (
                  <li key={h.id}>
                    <strong>{h.reasonCode}</strong> — {t(`hold.status.${h.status}`)}{h.note ? ` · ${h.note}` : ''}
                    {h.status === 'open' && session.permissions.includes('order:review') && <HoldDecision orderId={o.id} hold={h} onDone={reload} mayReject={openUnits(o) > 0} />}
                  </li>
                ))}
              </ul>
            )}
            <OrderSourcingSection order={o} />
            <OrderPayments order={o} canRefund={session.permissions.includes('refund:write')} />
            {session.permissions.includes('fulfillment:read') && <OrderFulfilment order={o} canPrint={session.permissions.includes('order:read_shipping')} />}
            <Actions order={o} session={session} onDone={reload} />
            <OrderChanges key={o.id} order={o} session={session} onDone={reload} />
            {session.permissions.includes('return:write') && <RequestReturn orderId={o.id} lines={o.lines} onDone={reload} />}
          </>
        )}
      </Load>
      <h2>{t('order.timeline')}</h2>
      <Load state={timeline} empty={(tl) => tl.data.length === 0}>
        {(tl) => (
          <ol class="timeline">
            {tl.data.map((e) => (
              <li key={e.id}>
                <time>{when(e.at, lang)}</time> <span class="actor">{e.actor}</span> {e.message}
                {e.toStatus && <> → <StatusBadge status={e.toStatus} /></>}
              </li>
            ))}
          </ol>
        )}
      </Load>
    </section>
  );
}

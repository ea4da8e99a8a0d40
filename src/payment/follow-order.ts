/**
 * Money follows the order (docs/payments.md): one rule for every cancel, whole or partial, and for the channel's
 * capture policy. What an order still costs is its total, or nothing once it is cancelled. Then, in this order:
 *
 *   1. authorised money it no longer needs (authorised − captured beyond what it still costs, less captured) is voided;
 *   2. captured money beyond what it costs (captured − charged back − refunded for cancellations − what it costs) is
 *      refunded, the refund's explanation naming it as its `cancellation` part;
 *   3. money the policy says to capture now (at order: all it costs; at shipment: what has shipped) is captured.
 *
 * Each step is an ordinary money movement (intent, provider call, outcome) that checks its limits again under the
 * order's lock, so a run racing another, or a person, never moves money twice. Before them, money moves with units
 * inside the order's family (money-family.ts: split, merge), for every channel. The three steps run only for channels
 * whose provider is not offline: offline money is moved by people (the summary shows it).
 */
import type { Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { capturePayment } from './capture-payment.js';
import { capturableMinor, refundableMinor } from './ledger.js';
import { fingerprintOf, type MoneyRequest } from './move-money.js';
import { moneyOf } from './order-money.js';
import type { Payment } from './payment.js';
import { moveFamilyMoney } from './money-family.js';
import { cancellationRefundedMinor, findProvider } from './payment.repository.js';
import { refundOf } from './refund-payment.js';
import type { SettleHooks } from './settle-effects.js';
import { voidPayment } from './void-payment.js';
import { lockOrder } from '../order/index.js';
import { formatMoney } from '../shared/money.js';

export interface FollowReport { orderId: string; moved: Payment[]; left: string | null }

export const FOLLOW_ACTOR = { requestId: 'payment-follow', actorId: '00000000-0000-0000-0000-000000000000', actorName: 'payment follow' };

export async function followOrder(db: Db, orderId: string, hooks: SettleHooks, actor: MoneyRequest['ctx'] = FOLLOW_ACTOR): Promise<FollowReport> {
  // Money first moves with units inside the family (split, merge); then each order follows its own state.
  const moved: Payment[] = await moveFamilyMoney(db, orderId, actor);
  const request = (step: string): MoneyRequest => {
    const key = `follow:${orderId}:${step}:${newId()}`;
    return { ctx: actor, key, fingerprint: fingerprintOf(key) };
  };
  const state = async () => {
    const m = await db.transaction().execute(async (trx) => moneyOf(trx, await lockOrder(trx, orderId)));
    const owed = m.order.status === 'cancelled' ? 0 : m.order.totals.totalMinor;
    return { m, owed, provider: await findProvider(db, m.policy.provider) };
  };
  let { m, owed, provider } = await state();
  if (!provider || provider.kind === 'offline' || !provider.active) {
    return { orderId, moved, left: `the channel's provider ${m.policy.provider} is offline (or inactive): people move its money` };
  }
  const attempt = async (step: () => Promise<{ value: Payment }>) => {
    try {
      moved.push((await step()).value);
    } catch (e) {
      // Nothing (left) to do once under the lock, or the provider declined: the ledger and the timeline say so.
      if (!(e instanceof AppError)) throw e;
      if (e.code === 'payment_declined') moved.push(e.extra.payment as Payment);
    }
  };

  const t = m.totals;
  const excessAuth = capturableMinor(t) - Math.max(0, owed - t.capturedMinor - t.pendingCaptureMinor);
  if (excessAuth > 0) {
    await attempt(() => voidPayment(db, orderId, { amountMinor: excessAuth, reason: `the order no longer needs it (it costs ${formatMoney(owed, m.order.currency)})` }, request('void'), hooks));
  }

  const cancelled = await cancellationRefundedMinor(db, orderId);
  const excessCapture = Math.min(t.capturedMinor - t.chargedBackMinor - cancelled - owed, refundableMinor(t));
  if (excessCapture > 0) {
    const rule = `captured ${t.capturedMinor} − charged back ${t.chargedBackMinor} − refunded for cancellations before ${cancelled} − what the order costs now ${owed}`
      + (m.order.status === 'cancelled' ? ' (cancelled: nothing)' : '');
    await attempt(() => refundOf(db, {
      orderId, lines: [], shipping: 'never', refundShipping: false, restockingFeeBps: 0, reason: 'units cancelled after their money was captured',
      cancellation: { amountMinor: excessCapture, rule },
    }, request('refund'), hooks));
  }

  ({ m, owed, provider } = await state());
  const due = m.order.status !== 'cancelled' && !['received', 'on_hold'].includes(m.order.status)
    && capturableMinor(m.totals) > 0 && m.totals.capturedMinor + m.totals.pendingCaptureMinor < owed;
  if (due) await attempt(() => capturePayment(db, orderId, {}, request('capture'), hooks));
  return { orderId, moved, left: null };
}

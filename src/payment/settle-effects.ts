/**
 * What follows once a money movement is settled, the same whether the request itself settled it or recovery did: a
 * row on the order's timeline (and an event), a hold when a capture failed (the provider's reason on it, so a person
 * looks before the warehouse ships what is not paid), and for a refund of a return the hook the composition root
 * wires to the returns module (the payment module does not know returns).
 */
import type { Trx } from '../db/database.js';
import { addTimeline, canTransition, lockOrder, placeHold } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { formatMoney } from '../shared/money.js';
import type { Payment } from './payment.js';
import { toPayment, type PaymentRow } from './payment.repository.js';

export interface SettleHooks {
  /** A refund that pays back a return was settled (succeeded or failed). */
  refundSettled?(trx: Trx, payment: Payment, actor: string): Promise<void>;
}

const verbs = { authorization: 'Authorised', capture: 'Captured', void: 'Voided', refund: 'Refunded', chargeback: 'Charged back' } as const;

export async function afterSettled(trx: Trx, row: PaymentRow, actor: string, hooks: SettleHooks): Promise<void> {
  const kind = row.kind as keyof typeof verbs;
  const amount = formatMoney(row.amount_minor, row.currency);
  const details = { paymentId: row.id, kind, status: row.status, amountMinor: row.amount_minor, currency: row.currency, provider: row.provider, reference: row.provider_ref };
  if (row.status === 'succeeded') {
    await addTimeline(trx, row.order_id, actor, [{
      type: `payment_${kind}`, message: `${verbs[kind]} ${amount} (${row.provider}${row.provider_ref ? `, ${row.provider_ref}` : ''})`,
      details, event: `order.payment_${kind}`,
    }]);
  } else {
    await addTimeline(trx, row.order_id, actor, [{
      type: `payment_${kind}_failed`, message: `The ${kind} of ${amount} failed at ${row.provider}: ${row.failure_reason ?? 'no reason given'}`,
      details: { ...details, reason: row.failure_reason }, event: `order.payment_${kind}_failed`,
    }]);
    if (kind === 'capture') await holdForFailedCapture(trx, row, actor);
  }
  if (kind === 'refund' && row.return_id !== null) await hooks.refundSettled?.(trx, toPayment(row), actor);
}

/** A failed capture stops the order for a person, where the transition table lets it stop (before the last parcel). */
async function holdForFailedCapture(trx: Trx, row: PaymentRow, actor: string): Promise<void> {
  const order = await lockOrder(trx, row.order_id);
  if (order.status !== 'on_hold' && !canTransition(order.status, 'on_hold')) return;
  try {
    await placeHold(trx, row.order_id, { reasonCode: 'payment_capture_failed', note: row.failure_reason ?? undefined }, {
      requestId: row.id, actorId: row.principal_id ?? row.id, actorName: actor, attempt: 1, idempotency: null,
    });
  } catch (e) {
    // An open hold for the same reason already says it.
    if (!(e instanceof AppError && e.code === 'already_exists')) throw e;
  }
}

/**
 * Capturing an order's money: all that is authorised (capture at order), or the value of what has shipped less what
 * was captured (capture at shipment, the channel's payment policy), or an amount given. Never more than is authorised
 * and not yet captured or voided — except with the offline provider (cash on delivery, bank transfer, invoice), where
 * recording the money that came is the capture and the order total is the limit: the authorisation it lacked is
 * written with it.
 */
import type { CommandResult } from '../db/command.js';
import type { Db, Trx } from '../db/database.js';
import { AppError, invalidField } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { capturableMinor } from './ledger.js';
import { moveMoney, type Intent, type MoneyRequest } from './move-money.js';
import { lockOrderMoney, money, requireCurrency, shippedValueMinor } from './order-money.js';
import type { CaptureRequest, Payment, ReceivedRequest } from './payment.js';
import { requireProvider } from './providers.js';
import type { SettleHooks } from './settle-effects.js';

export async function capturePayment(db: Db, orderId: string, input: CaptureRequest, request: MoneyRequest, hooks: SettleHooks): Promise<CommandResult<Payment>> {
  return moveMoney(db, request, { plan: (trx) => planCapture(trx, orderId, input) }, hooks);
}

/** An operator records offline money that came for an order (cash on delivery, a bank transfer, an invoice paid). */
export async function recordReceived(db: Db, orderId: string, input: ReceivedRequest, request: MoneyRequest, hooks: SettleHooks): Promise<CommandResult<Payment>> {
  const note = [`received ${input.receivedOn ?? new Date().toISOString().slice(0, 10)}`, input.payer && `from ${input.payer}`].filter(Boolean).join(' ');
  return moveMoney(db, request, {
    plan: (trx) => planCapture(trx, orderId, { amountMinor: input.amountMinor, currency: input.currency, reference: input.reference }, { method: input.method ?? null, note }),
  }, hooks);
}

/** Offline money received, as an operator or a bank file records it: only for a channel whose provider is offline. */
export interface OfflineReceipt {
  method?: string | null;
  /** Who paid and when, as the bank or the person says. */
  note?: string | null;
  /** The bank file row it came from (bank-file.ts): the same row is never recorded twice. */
  bankRowKey?: string | null;
}

/** The capture to write, under the order's lock: its amount by the policy or as asked, within the ledger's limits. */
export async function planCapture(trx: Trx, orderId: string, input: CaptureRequest, offline?: OfflineReceipt): Promise<Intent> {
  const { order, totals, policy } = await lockOrderMoney(trx, orderId);
  requireCurrency(order, input.currency);
  if (order.status === 'cancelled') throw new AppError('invalid_state', `order ${order.number} is cancelled; there is nothing to capture`, { orderStatus: order.status });
  const provider = await requireProvider(trx, policy.provider);
  if (offline && provider.kind !== 'offline') {
    throw new AppError('invalid_state', `order ${order.number} is paid through the ${provider.kind} provider ${provider.code}, not offline: its money is captured with POST /v1/orders/${order.id}/payments/capture, not recorded as received`, {
      provider: provider.code, providerKind: provider.kind,
    });
  }
  if (input.test && provider.kind !== 'test') {
    throw invalidField('/body/test', `test settings are for a test provider only; order ${order.number} is paid through ${provider.code} (kind ${provider.kind}): remove them`);
  }
  const capturable = capturableMinor(totals);
  const unpaid = Math.max(0, order.totals.totalMinor - totals.capturedMinor - totals.pendingCaptureMinor);
  const shipped = shippedValueMinor(order);
  const amount = input.amountMinor ?? (policy.capture === 'at_shipment'
    ? Math.max(0, shipped - totals.capturedMinor - totals.pendingCaptureMinor)
    : provider.kind === 'offline' ? unpaid : Math.min(capturable, unpaid));
  const numbers = {
    amountMinor: amount, authorizedMinor: totals.authorizedMinor, voidedMinor: totals.voidedMinor, capturedMinor: totals.capturedMinor,
    pendingCaptureMinor: totals.pendingCaptureMinor, capturableMinor: capturable, orderTotalMinor: order.totals.totalMinor,
    shippedValueMinor: shipped, capturePolicy: policy.capture,
  };
  if (amount <= 0) {
    throw new AppError('invalid_state', policy.capture === 'at_shipment' && input.amountMinor === undefined
      ? `nothing to capture: what has shipped is worth ${money(shipped, order)} and ${money(totals.capturedMinor + totals.pendingCaptureMinor, order)} is captured (the channel captures at shipment)`
      : `nothing to capture: ${money(totals.capturedMinor + totals.pendingCaptureMinor, order)} of the total ${money(order.totals.totalMinor, order)} is captured`, numbers);
  }
  let before: Intent['before'];
  if (amount > capturable) {
    if (provider.kind !== 'offline' || amount > unpaid) {
      throw new AppError('capture_exceeds_authorized', provider.kind === 'offline'
        ? `cannot capture ${money(amount, order)}: the order total is ${money(order.totals.totalMinor, order)} and ${money(totals.capturedMinor + totals.pendingCaptureMinor, order)} is captured, so at most ${money(unpaid, order)}`
        : `cannot capture ${money(amount, order)}: ${money(totals.authorizedMinor, order)} is authorised, ${money(totals.voidedMinor, order)} voided and ${money(totals.capturedMinor + totals.pendingCaptureMinor, order)} captured, so at most ${money(capturable, order)}`, numbers);
    }
    // Offline money needs no authorisation from anybody: the amount owed is it.
    const id = newId();
    before = [{ id, orderId, kind: 'authorization', status: 'succeeded', amountMinor: amount - capturable, currency: order.currency,
      provider: provider.code, method: null, providerKey: `authorization:${id}`, providerRef: input.reference ?? null }];
  }
  return {
    orderId, kind: 'capture', amountMinor: amount, currency: order.currency, provider: provider.code, reference: input.reference ?? null, before,
    method: offline?.method ?? null, reason: offline?.note ?? null, bankRowKey: offline?.bankRowKey ?? null, test: input.test ?? null,
  };
}

/**
 * A chargeback: the customer's bank took money back. Nothing to ask a provider — it already happened — so it is
 * recorded settled; like a refund it can never take back more than was captured and not yet paid back.
 */
import type { CommandResult } from '../db/command.js';
import type { Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { refundableMinor } from './ledger.js';
import { moveMoney, type MoneyRequest } from './move-money.js';
import { lockOrderMoney, money, requireCurrency } from './order-money.js';
import type { ChargebackRequest, Payment } from './payment.js';
import type { SettleHooks } from './settle-effects.js';

export async function recordChargeback(db: Db, orderId: string, input: ChargebackRequest, request: MoneyRequest, hooks: SettleHooks): Promise<CommandResult<Payment>> {
  return moveMoney(db, request, {
    async plan(trx) {
      const { order, totals, policy } = await lockOrderMoney(trx, orderId);
      requireCurrency(order, input.currency);
      const refundable = refundableMinor(totals);
      if (input.amountMinor > refundable) {
        throw new AppError('refund_exceeds_captured', `a chargeback of ${money(input.amountMinor, order)} is more than the ${money(refundable, order)} captured and not yet paid back`, {
          amountMinor: input.amountMinor, capturedMinor: totals.capturedMinor, refundedMinor: totals.refundedMinor,
          chargedBackMinor: totals.chargedBackMinor, pendingRefundMinor: totals.pendingRefundMinor, refundableMinor: refundable,
        });
      }
      return { orderId, kind: 'chargeback', amountMinor: input.amountMinor, currency: order.currency, provider: policy.provider,
        reference: input.reference ?? null, reason: input.reason };
    },
  }, hooks);
}

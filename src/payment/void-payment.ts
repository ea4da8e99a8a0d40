/** Voiding what is authorised and not captured: the order will not take it (cancelled, or captured in part for good). */
import type { CommandResult } from '../db/command.js';
import type { Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { capturableMinor } from './ledger.js';
import { moveMoney, type MoneyRequest } from './move-money.js';
import { lockOrderMoney, money, requireCurrency } from './order-money.js';
import type { Payment, VoidRequest } from './payment.js';
import { requireProvider } from './providers.js';
import type { SettleHooks } from './settle-effects.js';

export async function voidPayment(db: Db, orderId: string, input: VoidRequest, request: MoneyRequest, hooks: SettleHooks): Promise<CommandResult<Payment>> {
  return moveMoney(db, request, {
    async plan(trx) {
      const { order, totals, policy, rows } = await lockOrderMoney(trx, orderId);
      requireCurrency(order, input.currency);
      const capturable = capturableMinor(totals);
      const amount = input.amountMinor ?? capturable;
      const numbers = { amountMinor: amount, authorizedMinor: totals.authorizedMinor, voidedMinor: totals.voidedMinor, capturedMinor: totals.capturedMinor, capturableMinor: capturable };
      if (amount <= 0) throw new AppError('invalid_state', `nothing to void: no authorised money is left uncaptured on order ${order.number}`, numbers);
      if (amount > capturable) {
        throw new AppError('capture_exceeds_authorized', `cannot void ${money(amount, order)}: only ${money(capturable, order)} is authorised and not captured or voided`, numbers);
      }
      const authorization = rows.find((r) => r.kind === 'authorization' && r.status === 'succeeded');
      const provider = authorization?.provider === 'channel' ? { code: 'channel' } : await requireProvider(trx, policy.provider);
      return { orderId, kind: 'void', amountMinor: amount, currency: order.currency, provider: provider.code, reference: authorization?.provider_ref ?? null, reason: input.reason ?? null };
    },
  }, hooks);
}

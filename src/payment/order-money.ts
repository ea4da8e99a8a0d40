/**
 * An order's money as the payment use cases see it, under the order's lock: the order model (lines with their stored
 * money), its ledger totals, and its channel's payment policy. Also the value of what has shipped (capture at
 * shipment) by the same unit shares a refund uses.
 */
import type { DbOrTrx, Trx } from '../db/database.js';
import { activeUnits, lockOrder, type OrderState } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { formatMoney } from '../shared/money.js';
import { totalsOf, type LedgerTotals } from './ledger.js';
import type { PaymentPolicy } from './payment.js';
import { paymentsOf, policyOf, toLedgerRow, type PaymentRow } from './payment.repository.js';
import { firstUnitsShare } from './refund-rules.js';

export interface OrderMoney {
  order: OrderState;
  rows: PaymentRow[];
  totals: LedgerTotals;
  policy: PaymentPolicy;
}

export async function lockOrderMoney(trx: Trx, orderId: string): Promise<OrderMoney> {
  const order = await lockOrder(trx, orderId);
  return moneyOf(trx, order);
}

export async function moneyOf(db: DbOrTrx, order: OrderState): Promise<OrderMoney> {
  const rows = await paymentsOf(db, order.id);
  return { order, rows, totals: totalsOf(rows.map(toLedgerRow)), policy: await policyOf(db, order.channelId) };
}

export function requireCurrency(order: Pick<OrderState, 'currency' | 'number'>, currency: string | undefined): void {
  if (currency !== undefined && currency !== order.currency) {
    throw new AppError('currency_mismatch', `order ${order.number} is in ${order.currency}, not ${currency}; send amounts in ${order.currency}`, {
      orderCurrency: order.currency, requestedCurrency: currency,
    });
  }
}

/**
 * What the shipped units are worth, as the customer paid for them: per line its shipped units' price less their
 * shares of the line's discounts plus their share of its tax (the first units, as refunds count them), and once
 * anything shipped the order's shipping with its tax, less order discount no line took. Never above the total.
 */
export function shippedValueMinor(order: OrderState): number {
  let value = 0;
  let anyShipped = false;
  for (const l of order.lines) {
    if (l.shipped === 0) continue;
    anyShipped = true;
    const n = activeUnits(l);
    value += l.unitPriceMinor * l.shipped - firstUnitsShare(l.discountMinor, n, l.shipped) - firstUnitsShare(l.orderDiscountMinor, n, l.shipped)
      + firstUnitsShare(l.taxMinor, n, l.shipped);
  }
  if (anyShipped) value += order.totals.shippingMinor + order.shippingTaxMinor - order.unallocatedDiscountMinor;
  return Math.max(0, Math.min(value, order.totals.totalMinor));
}

export const money = (minor: number, order: Pick<OrderState, 'currency'>): string => formatMoney(minor, order.currency);

/**
 * An exchange: the customer sends goods back and gets others instead. The replacement order is captured through
 * capture's own path (the same checks, review rules, reservations — stock is reserved at once — and events), in the
 * return's channel, for its customer and address, linked to the return. What the returned goods are worth (the
 * return's refund quote: their paid share less the restocking fee) pays for it: that much captured money moves from
 * the original order to the replacement (a transfer, docs/payments.md), and the return's refund later deducts it (its
 * explanation's `exchange` part). A replacement that costs more leaves its difference as balance due on it, to be
 * captured; one that costs less leaves the difference to the return's refund.
 */
import { Type, type Static } from 'typebox';
import type { CommandContext, CommandResult } from '../db/command.js';
import { persistOutcome } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { Id } from '../http/schemas.js';
import { addTimeline, captureOrder, type CaptureOrder, type Order } from '../order/index.js';
import { lockOrderMoney, planRefund, writeTransfer } from '../payment/index.js';
import { AppError } from '../shared/errors.js';
import { formatMoney } from '../shared/money.js';
import { specOf } from './refund-return.js';
import { loadReturn, lockReturn } from './return.repository.js';
import { Return } from './returns.js';

export const ExchangeRequest = Type.Object({
  lines: Type.Array(Type.Object({
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    unitPriceMinor: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    taxMinor: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
  shippingMinor: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
}, { additionalProperties: false });
export type ExchangeRequest = Static<typeof ExchangeRequest>;

export const ExchangeResult = Type.Object({
  return: Return,
  replacementOrderId: Id,
  replacementNumber: Type.String(),
  returnedValueMinor: Type.Integer({ description: 'What the returned goods are worth: the return\'s refund quote' }),
  replacementTotalMinor: Type.Integer(),
  paidByReturnMinor: Type.Integer({ description: 'Moved from the original order to the replacement' }),
  priceDifferenceMinor: Type.Integer({ description: 'Positive: still to capture on the replacement; negative: the return\'s refund pays it back' }),
  rule: Type.String(),
});
export type ExchangeResult = Static<typeof ExchangeResult>;

export async function exchangeReturn(trx: Trx, returnId: string, input: ExchangeRequest, ctx: CommandContext): Promise<CommandResult<ExchangeResult>> {
  const spec = await specOf(trx, returnId, undefined);
  const money = await lockOrderMoney(trx, spec.orderId);
  const r = await lockReturn(trx, returnId);
  if (!['received', 'inspected'].includes(r.status)) {
    throw new AppError('invalid_state', `return ${r.number} is ${r.status}; an exchange is made once the goods have arrived (received or inspected)`, { currentStatus: r.status });
  }
  const row = await trx.selectFrom('returns').select(['exchange_order_id']).where('id', '=', returnId).executeTakeFirstOrThrow();
  const refunded = await trx.selectFrom('payments').select('id').where('return_id', '=', returnId).where('kind', '=', 'refund').where('status', '<>', 'failed').executeTakeFirst();
  if (row.exchange_order_id || refunded) throw new AppError('invalid_state', `return ${r.number} was already ${row.exchange_order_id ? 'exchanged' : 'refunded'}`);

  const value = (await planRefund(trx, spec)).explanation.totalMinor;
  const order = money.order;
  const customer = await trx.selectFrom('customers').select(['name', 'email', 'phone']).where('id', '=', order.customerId).executeTakeFirstOrThrow();
  const subtotal = input.lines.reduce((a, l) => a + l.unitPriceMinor * l.quantity, 0);
  const tax = input.lines.reduce((a, l) => a + (l.taxMinor ?? 0), 0);
  const shipping = input.shippingMinor ?? 0;
  const total = subtotal + tax + shipping;
  const paidByReturn = Math.min(value, total);
  const capture: CaptureOrder = {
    channel: order.channelId,
    externalRef: `${order.externalRef}/X-${r.number}`,
    currency: order.currency,
    customer: { name: customer.name, ...(customer.email && { email: customer.email }), ...(customer.phone && { phone: customer.phone }) },
    ...(order.shippingAddress && { shippingAddress: order.shippingAddress }),
    ...(order.billingAddress && { billingAddress: order.billingAddress }),
    deliveryMethod: order.deliveryMethod,
    ...(order.pickupLocationId && { pickupLocation: order.pickupLocationId }),
    lines: input.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor, ...(l.taxMinor !== undefined && { taxMinor: l.taxMinor }) })),
    shippingMinor: shipping,
    totals: { subtotalMinor: subtotal, discountMinor: 0, shippingMinor: shipping, taxMinor: tax, totalMinor: total },
    // Review sees it paid as far as the returned goods pay for it; the ledger gets the transfer below, not the channel's row.
    payment: { method: 'exchange', authorizedMinor: paidByReturn },
    buyerRemark: `Exchange for return ${r.number} of order ${order.number}`,
  };
  const captured = await captureOrder(trx, capture, { ...ctx, idempotency: null });
  await persistOutcome(trx, { ...ctx, idempotency: null }, null, { ...captured, value: null }, 201);
  const replacement: Order = captured.value;
  if (paidByReturn > 0) {
    const from = await lockOrderMoney(trx, order.id);
    await writeTransfer(trx, from, { id: replacement.id, number: replacement.number }, { captured: paidByReturn, authorized: 0 }, `exchange for return ${r.number}`, ctx);
  }
  await trx.updateTable('returns').set({ exchange_order_id: replacement.id, exchange_minor: paidByReturn }).where('id', '=', returnId).execute();
  const difference = total - value;
  const rule = `the returned goods are worth ${formatMoney(value, order.currency)} (the return's refund quote); the replacement costs ${formatMoney(total, order.currency)}; `
    + (difference > 0 ? `${formatMoney(difference, order.currency)} is due on the replacement order` : difference < 0 ? `the return's refund pays back ${formatMoney(-difference, order.currency)}` : 'nothing to pay either way');
  await addTimeline(trx, order.id, ctx.actorName, [{
    type: 'return_exchanged', message: `Return ${r.number} exchanged: replacement order ${replacement.number}; ${rule}`,
    details: { returnId, replacementOrderId: replacement.id, paidByReturnMinor: paidByReturn, priceDifferenceMinor: difference }, event: 'order.return_exchanged',
  }]);
  return {
    created: true,
    value: {
      return: await loadReturn(trx, returnId), replacementOrderId: replacement.id, replacementNumber: replacement.number, returnedValueMinor: value,
      replacementTotalMinor: total, paidByReturnMinor: paidByReturn, priceDifferenceMinor: difference, rule,
    },
    audit: { action: 'return.exchanged', entityType: 'return', entityId: returnId, details: { replacementOrderId: replacement.id, paidByReturnMinor: paidByReturn } },
  };
}

/**
 * The payment module's front door: the ledger per order (authorise, capture, void, refund, chargeback), providers
 * and their adapters, refunds with their explanation. The only file other modules import (a lint rule enforces it).
 */
export { registerPaymentRoutes, type PaymentDeps } from './payment.routes.js';
export { paymentChecks } from './check.js';
export { Payment } from './payment.js';
export type { MoneyRequest as MoneyRequestOf } from './move-money.js';
export { RefundExplanation } from './refund-rules.js';
export { planRefund, refundOf, requirePayable, type RefundSpec } from './refund-payment.js';
export { moneyRequest, answer } from './money-request.js';
export { recoverPayments } from './recover-payments.js';
export { followOrder } from './follow-order.js';
export { familiesToMove, writeTransfer } from './money-family.js';
export { lockOrderMoney } from './order-money.js';
export { ordersToFollow } from './payment.repository.js';
export type { SettleHooks } from './settle-effects.js';
export type { PaymentProvider, ProviderRequest, ProviderAnswer } from './provider.js';
export { paymentEvents } from './payment-events.js';
export { totalInBaseCurrency, type BaseCurrencyTotal } from './fx-rates.js';

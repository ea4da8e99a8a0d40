/** The payment ledger as the API shows it: rows, an order's money summary, and the requests that move money. */
import { Type, type Static, type TLiteral } from 'typebox';
import { CurrencyCode, Id, Nullable, Timestamp } from '../http/schemas.js';
import { paymentStates } from './ledger.js';
import { paymentKinds, paymentStatuses } from './payment-status.js';
import { RefundExplanation } from './refund-rules.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)) as [TLiteral<T>, ...TLiteral<T>[]]);

const PositiveMinor = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Integer count of the currency\'s minor units (cents)' });

export const Payment = Type.Object({
  id: Id,
  orderId: Id,
  kind: literals(paymentKinds),
  status: literals(paymentStatuses),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  provider: Type.String(),
  method: Nullable(Type.String()),
  providerReference: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  returnId: Nullable(Id),
  reason: Nullable(Type.String()),
  explanation: Nullable(RefundExplanation),
  capturedPartMinor: Type.Integer({ description: 'Transfers: the part of the moved authorisation that was captured' }),
  counterpartOrderId: Nullable(Id),
  actor: Type.String(),
  createdAt: Timestamp,
  settledAt: Nullable(Timestamp),
});
export type Payment = Static<typeof Payment>;

export const PaymentSummary = Type.Object({
  orderId: Id,
  currency: Type.String(),
  orderTotalMinor: Type.Integer(),
  state: literals(paymentStates),
  authorizedMinor: Type.Integer(),
  voidedMinor: Type.Integer(),
  capturedMinor: Type.Integer(),
  refundedMinor: Type.Integer(),
  chargedBackMinor: Type.Integer(),
  pendingMinor: Type.Integer({ description: 'Movements whose outcome the provider has not told yet' }),
  capturableMinor: Type.Integer({ description: 'Authorised, not yet captured or voided' }),
  refundableMinor: Type.Integer({ description: 'Captured, not yet refunded or charged back' }),
  balanceDueMinor: Type.Integer({ description: 'Order total less captured' }),
  overpaidMinor: Type.Integer({ description: 'Captured beyond what the order costs after cancellations (nothing once cancelled), less charged back and refunded for cancellations: what a cancellation refund still owes' }),
  paymentTermsDays: Nullable(Type.Integer({ description: 'Invoice terms (an offline channel, a customer with payment terms): the customer\'s days to pay; null otherwise' })),
  dueAt: Nullable(Type.String({ format: 'date', description: 'For invoice terms: the placed day (UTC) plus the customer\'s payment terms' })),
  overdue: Type.Boolean({ description: 'On invoice terms, money still owed after the due day' }),
  daysOverdue: Type.Integer({ description: 'Days past the due day while overdue; 0 otherwise' }),
  provider: Type.String({ description: 'The channel\'s payment provider' }),
  capturePolicy: Type.String({ description: 'at_order or at_shipment' }),
  payments: Type.Array(Payment),
});
export type PaymentSummary = Static<typeof PaymentSummary>;

export const testOutcomes = ['approve', 'decline', 'timeout', 'late'] as const;
export type TestOutcome = (typeof testOutcomes)[number];

export const TestSettings = Type.Object({
  outcome: literals(testOutcomes),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'decline: the reason it gives (default card_declined)' })),
  delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, description: 'late: how long it takes to answer (default twice timeoutMs, so Ordo stops waiting and the movement stays pending)' })),
}, {
  additionalProperties: false,
  description: 'Kind test only: how the test provider answers every capture, void and refund — approve; decline with the reason; time out (never answers, never moves money: recovery fails the row); late (moves the money but answers after delayMs: past timeoutMs the row stays pending and recovery settles it)',
});
export type TestSettings = Static<typeof TestSettings>;

export const CaptureRequest = Type.Object({
  amountMinor: Type.Optional(PositiveMinor),
  currency: Type.Optional(CurrencyCode),
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'For offline payments: the bank transfer or receipt reference' })),
  test: Type.Optional(TestSettings),
}, { additionalProperties: false, description: 'Without amountMinor the channel\'s capture policy decides: the whole authorised amount (at_order) or the value of what has shipped (at_shipment), less what was captured. `test`: only when the channel\'s provider is of kind test, how it answers this one capture instead of its settings' });
export type CaptureRequest = Static<typeof CaptureRequest>;

export const VoidRequest = Type.Object({
  amountMinor: Type.Optional(PositiveMinor),
  currency: Type.Optional(CurrencyCode),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false, description: 'Without amountMinor, everything authorised and not captured is voided' });
export type VoidRequest = Static<typeof VoidRequest>;

export const ChargebackRequest = Type.Object({
  amountMinor: PositiveMinor,
  currency: CurrencyCode,
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
}, { additionalProperties: false });
export type ChargebackRequest = Static<typeof ChargebackRequest>;

export const RefundUnits = Type.Object({ lineId: Id, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }) }, { additionalProperties: false });

export const RefundRequest = Type.Object({
  order: Id,
  currency: CurrencyCode,
  lines: Type.Optional(Type.Array(RefundUnits, { maxItems: 500, description: 'Units to pay back (goods that did not come back: lost, a price adjustment per unit)' })),
  shipping: Type.Optional(Type.Boolean({ description: 'Pay back shipping and its tax (less what was refunded of it before)' })),
  amountMinor: Type.Optional(PositiveMinor),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
}, { additionalProperties: false, description: 'A refund without a return: goodwill (amountMinor), a price adjustment or lost goods (lines), or both' });
export type RefundRequest = Static<typeof RefundRequest>;

export const RefundQuoteRequest = Type.Omit(RefundRequest, ['reason']);
export type RefundQuoteRequest = Static<typeof RefundQuoteRequest>;


export const ProviderInput = Type.Object({
  code: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' }),
  kind: Type.Union([Type.Literal('offline'), Type.Literal('http'), Type.Literal('test')], { description: 'offline (cash on delivery, bank transfer, invoice), http (a provider over HTTP), test (answers as `test` says; never a default, only when created so)' }),
  baseUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 500, description: 'For kind http' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
  active: Type.Optional(Type.Boolean()),
  test: Type.Optional(TestSettings),
}, { additionalProperties: false });
export type ProviderInput = Static<typeof ProviderInput>;

export const Provider = Type.Object({
  code: Type.String(), kind: Type.String(), baseUrl: Nullable(Type.String()), timeoutMs: Type.Integer(), active: Type.Boolean(),
  test: Nullable(TestSettings),
});
export type Provider = Static<typeof Provider>;

export const PaymentPolicyInput = Type.Object({
  provider: Type.String({ minLength: 1, maxLength: 64 }),
  capture: Type.Union([Type.Literal('at_order'), Type.Literal('at_shipment')]),
}, { additionalProperties: false });
export type PaymentPolicyInput = Static<typeof PaymentPolicyInput>;

export const PaymentPolicy = Type.Object({ channelId: Id, provider: Type.String(), capture: Type.String() });
export type PaymentPolicy = Static<typeof PaymentPolicy>;

export const offlineMethods = ['cash_on_delivery', 'bank_transfer', 'invoice', 'cash', 'cheque'] as const;

export const ReceivedRequest = Type.Object({
  amountMinor: PositiveMinor,
  currency: CurrencyCode,
  method: Type.Optional(literals(offlineMethods)),
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The bank transfer, receipt or cheque reference' })),
  receivedOn: Type.Optional(Type.String({ format: 'date', description: 'The day the money came (default today)' })),
  payer: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
}, { additionalProperties: false, description: 'Offline money that came for the order (cash on delivery, a bank transfer, an invoice paid): recorded as a settled capture, never more than the order still owes' });
export type ReceivedRequest = Static<typeof ReceivedRequest>;

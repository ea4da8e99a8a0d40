import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { problemResponse } from '../http/openapi.js';
import { IdParams } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { capturePayment } from './capture-payment.js';
import { followOrder } from './follow-order.js';
import { FxRates, FxRatesInput, listFxRates, PaymentReport, paymentReport, saveFxRates } from './fx-rates.js';
import { answer, moneyRequest } from './money-request.js';
import {
  CaptureRequest, ChargebackRequest, Payment, PaymentPolicy, PaymentPolicyInput, PaymentSummary, Provider, ProviderInput,
  RefundQuoteRequest, RefundRequest, VoidRequest,
} from './payment.js';
import { findPayment, listProviders, toPayment } from './payment.repository.js';
import { paymentSummary } from './payment-summary.js';
import { recordChargeback } from './record-chargeback.js';
import { recoverPayments } from './recover-payments.js';
import { planRefund, refundOf } from './refund-payment.js';
import { RefundExplanation } from './refund-rules.js';
import { savePaymentPolicy, saveProvider } from './save-provider.js';
import type { SettleHooks } from './settle-effects.js';
import { voidPayment } from './void-payment.js';

const tags = ['payments'];

export interface PaymentDeps { db: Db; run: RunCommand; hooks: SettleHooks }

const Accepted = { description: 'The provider did not answer in time: the movement is pending (it still counts against the limits); POST /v1/payments/recover or a repeat with the same Idempotency-Key finishes it', content: { 'application/json': { schema: Payment } } };
const unknownOrder = problemResponse('An unknown order or order line in the body (`not_found`)');
const moneyErrors = {
  202: Accepted,
  402: problemResponse('The provider declined (`payment_declined`); the failed row is in `payment`, its reason in `reason`'),
  409: problemResponse('More than the ledger allows (`capture_exceeds_authorized`, `refund_exceeds_captured`) or not the order\'s currency (`currency_mismatch`), with the numbers involved; or the Idempotency-Key was used for another request (`idempotency_key_reused`)'),
  428: problemResponse('No Idempotency-Key (`idempotency_key_required`): every money movement needs one'),
};

export function registerPaymentRoutes(app: App, { db, run, hooks }: PaymentDeps): void {
  app.get('/orders/:id/payments', {
    config: { permission: 'order:read' },
    schema: { tags, summary: 'An order\'s money: paid, refunded, balance due, and every ledger row', params: IdParams, response: { 200: PaymentSummary } },
  }, (request) => paymentSummary(db, request.params.id));

  app.post('/orders/:id/payments/capture', {
    config: { permission: 'payment:write' },
    schema: {
      tags, summary: 'Capture authorised money (or record offline money received)', params: IdParams, body: CaptureRequest,
      description: 'Without amountMinor, the channel\'s capture policy decides the amount: all that is authorised (at_order), or the value of what has shipped (at_shipment), less what was captured. The provider is called outside any transaction: the row is written pending first. A decline puts the order on hold (payment_capture_failed) with the provider\'s reason.',
      response: { 201: Payment, ...moneyErrors },
    },
  }, async (request, reply) => answer(reply, await capturePayment(db, request.params.id, request.body, moneyRequest(request), hooks)));

  app.post('/orders/:id/payments/void', {
    config: { permission: 'payment:write' },
    schema: { tags, summary: 'Void authorised money not captured', params: IdParams, body: VoidRequest, response: { 201: Payment, ...moneyErrors } },
  }, async (request, reply) => answer(reply, await voidPayment(db, request.params.id, request.body, moneyRequest(request), hooks)));

  app.post('/orders/:id/payments/chargebacks', {
    config: { permission: 'payment:write' },
    schema: { tags, summary: 'Record a chargeback the customer\'s bank made', params: IdParams, body: ChargebackRequest, response: { 201: Payment, ...moneyErrors } },
  }, async (request, reply) => answer(reply, await recordChargeback(db, request.params.id, request.body, moneyRequest(request), hooks)));

  app.post('/orders/:id/payments/follow', {
    config: { permission: 'payment:write' },
    schema: {
      tags, summary: 'Make the order\'s money follow it now: void what it no longer needs, refund what cancelled units paid, capture by the policy',
      description: 'What the job payments.follow does every minute, for one order (docs/payments.md, "Money follows the order"). Only for channels whose provider is not offline; orders in a split or merge family are left to a person (`left` says why).',
      params: IdParams, body: Type.Object({}, { additionalProperties: false }),
      response: { 200: Type.Object({ orderId: Type.String(), moved: Type.Array(Payment), left: Type.Union([Type.Null(), Type.String()]) }) },
    },
  }, async (request) => followOrder(db, request.params.id, hooks, { requestId: request.id, actorId: request.principal.id, actorName: request.principal.name }));

  app.get('/payments/:id', {
    config: { permission: 'order:read' },
    schema: { tags, summary: 'A payment ledger row', params: IdParams, response: { 200: Payment } },
  }, async (request) => {
    const row = await findPayment(db, request.params.id);
    if (!row) throw notFound('payment', request.params.id);
    return toPayment(row);
  });

  app.post('/payments/recover', {
    config: { permission: 'payment:write' },
    schema: {
      tags, summary: 'Finish pending movements: ask each provider what became of them',
      body: Type.Object({ olderThanSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, default: 60 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ settled: Type.Array(Payment), stillPending: Type.Integer() }) },
    },
  }, async (request) => recoverPayments(db, hooks, {
    olderThanMs: (request.body.olderThanSeconds ?? 60) * 1000,
    actor: { requestId: request.id, actorId: request.principal.id, actorName: request.principal.name },
  }));

  app.post('/refunds/quote', {
    config: { permission: 'order:read' },
    schema: {
      tags: ['refunds'], summary: 'What a refund of some units (and shipping, or an amount) would pay, and why — nothing is written',
      body: RefundQuoteRequest, response: { 200: RefundExplanation, 404: unknownOrder, 409: problemResponse('Units already refunded, or not the order\'s currency') },
    },
  }, async (request) => {
    const b = request.body;
    return db.transaction().execute(async (trx) => (await planRefund(trx, {
      orderId: b.order, currency: b.currency, lines: b.lines ?? [], shipping: b.shipping ? 'asked' : 'never', refundShipping: true,
      restockingFeeBps: 0, goodwillMinor: b.amountMinor ?? 0, reason: 'quote',
    })).explanation);
  });

  app.post('/refunds', {
    config: { permission: 'refund:write' },
    schema: {
      tags: ['refunds'], summary: 'Refund without a return: goodwill, a price adjustment, lost goods',
      description: 'The answer\'s `explanation` gives every number with its inputs and rule. Refunds of returns are made with POST /v1/returns/{id}/refund.',
      body: RefundRequest, response: { 201: Payment, 404: unknownOrder, ...moneyErrors },
    },
  }, async (request, reply) => {
    const b = request.body;
    return answer(reply, await refundOf(db, {
      orderId: b.order, currency: b.currency, lines: b.lines ?? [], shipping: b.shipping ? 'asked' : 'never', refundShipping: true,
      restockingFeeBps: 0, goodwillMinor: b.amountMinor ?? 0, reason: b.reason,
    }, moneyRequest(request), hooks));
  });

  app.get('/refunds/:id', {
    config: { permission: 'order:read' },
    schema: { tags: ['refunds'], summary: 'A refund with its explanation', params: IdParams, response: { 200: Payment } },
  }, async (request) => {
    const row = await findPayment(db, request.params.id);
    if (!row || row.kind !== 'refund') throw notFound('refund', request.params.id);
    return toPayment(row);
  });

  app.get('/fx-rates', {
    config: { permission: 'order:read' },
    schema: { tags, summary: 'The base currency and the exchange rates, by currency and the day each takes effect', response: { 200: FxRates } },
  }, () => listFxRates(db));

  app.put('/fx-rates', {
    config: { permission: 'payment:write' },
    schema: { tags, summary: 'Set the base currency and add or replace exchange rates (by currency and day)', body: FxRatesInput, response: { 200: FxRates } },
  }, (request, reply) => run(request, reply, (trx) => saveFxRates(trx, request.body)));

  app.get('/payments/report', {
    config: { permission: 'order:read' },
    schema: {
      tags, summary: 'Settled money movements of a period per kind, in the base currency at each day\'s rate',
      querystring: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
      response: { 200: PaymentReport, 409: problemResponse('A currency has no exchange rate on or before a day in the period (`fx_rate_missing`, with `currency` and `date`)') },
    },
  }, (request) => paymentReport(db, request.query.from, request.query.to));

  app.get('/payment-providers', {
    config: { permission: 'order:read' },
    schema: { tags, summary: 'The payment providers', response: { 200: Type.Object({ data: Type.Array(Provider) }) } },
  }, async () => ({ data: await listProviders(db) }));

  app.put('/payment-providers/:code', {
    config: { permission: 'payment:write' },
    schema: {
      tags, summary: 'Create or change a payment provider', params: Type.Object({ code: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' }) }, { additionalProperties: false }),
      body: Type.Omit(ProviderInput, ['code']), response: { 200: Provider, 201: Provider },
    },
  }, (request, reply) => run(request, reply, (trx) => saveProvider(trx, request.params.code, request.body)));

  app.put('/channels/:id/payment-policy', {
    config: { permission: 'payment:write' },
    schema: {
      tags, summary: 'Set a channel\'s payment provider and capture policy', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'Channel id or code' }) }, { additionalProperties: false }),
      body: PaymentPolicyInput, response: { 200: PaymentPolicy },
    },
  }, (request, reply) => run(request, reply, (trx) => savePaymentPolicy(trx, request.params.id, request.body)));
}

import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { problemResponse } from '../http/openapi.js';
import { IdParams } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import { BankFileQuery, BankFileResult, importBankFile, matchBankRows, readBankFile, refuseUnlessSkipping } from './bank-file.js';
import { capturePayment, recordReceived } from './capture-payment.js';
import { Receivables, ReceivablesQuery, receivables } from './invoice-terms.js';
import { followOrder } from './follow-order.js';
import { FxRates, FxRatesInput, listFxRates, PaymentReport, paymentReport, saveFxRates } from './fx-rates.js';
import { answer, moneyRequest } from './money-request.js';
import {
  CaptureRequest, ChargebackRequest, Payment, PaymentPolicy, PaymentPolicyInput, PaymentSummary, Provider, ProviderInput,
  ReceivedRequest, RefundQuoteRequest, RefundRequest, VoidRequest,
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

  app.post('/orders/:id/payments/received', {
    config: { permission: 'payment:write' },
    schema: {
      tags, summary: 'Record offline money received for the order (cash on delivery, bank transfer, invoice paid)',
      description: 'For channels whose payment provider is offline: the money is recorded as a settled capture (with the authorisation it lacked), never more than the order total less what was captured (`capture_exceeds_authorized`, with the numbers). An order paid through another provider is a 409 `invalid_state`: capture it instead. Bank files: POST /v1/payments/bank-files.',
      params: IdParams, body: ReceivedRequest,
      response: { 201: Payment, 404: problemResponse('Unknown order (`not_found`)'), ...moneyErrors },
    },
  }, async (request, reply) => answer(reply, await recordReceived(db, request.params.id, request.body, moneyRequest(request), hooks)));

  // A bank file is handed to the route as the request stream (bank-file.ts reads it row by row).
  if (!app.hasContentTypeParser('text/csv')) app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

  app.post('/payments/bank-files', {
    config: { permission: 'payment:write' },
    schema: {
      tags, summary: 'Import a bank file: record the offline payments it shows against the orders they name',
      description: 'The body is CSV (`Content-Type: text/csv`) with the header line `date,amount,currency,reference` and optionally `payer` and `order` (any order and case; other columns are ignored), '
        + 'one incoming payment a row: `date` YYYY-MM-DD, `amount` a decimal such as 247.45. A row pays the order whose number is in `order`, or else in `reference`. '
        + 'It is recorded as a settled capture of the order\'s offline payment, within the same limits as POST /v1/orders/{id}/payments/received. '
        + 'All rows are recorded in one transaction. A row that cannot be recorded (`malformed`, `not_received`, `unmatched`, `ambiguous`, `currency_mismatch`, `capture_exceeds_authorized` with the numbers, `invalid_state`) '
        + 'by default (`onError=reject`) refuses the whole file: a 422 `bulk_rejected` lists every such row and nothing is recorded; with `onError=skip` the other rows are recorded and those listed. '
        + 'Importing the same file again records nothing twice: its rows answer `already_recorded`.',
      consumes: ['text/csv'],
      querystring: BankFileQuery,
      response: {
        200: BankFileResult,
        413: problemResponse(`More than 10,000 rows (\`payload_too_large\`): send several files`),
        415: problemResponse('The body is not text/csv (`unsupported_media_type`)'),
        422: problemResponse('Rows that cannot be recorded (`bulk_rejected`): `rows` lists each with its line, `problem`, `message` and numbers; nothing was recorded'),
      },
    },
  }, async (request, reply) => {
    const contentType = String(request.headers['content-type'] ?? '');
    if (!contentType.startsWith('text/csv')) {
      throw new AppError('unsupported_media_type', `send the bank file with Content-Type: text/csv (this request sent ${contentType ? `Content-Type: ${contentType}` : 'no Content-Type'})`);
    }
    // Read and matched before the transaction: a refused file holds no lock and records nothing.
    const read = await readBankFile(request.body as Readable);
    const { matched, bad } = await matchBankRows(db, read.rows);
    const notRecordable = [...read.bad, ...bad];
    refuseUnlessSkipping(notRecordable, request.query);
    const hash = createHash('sha256');
    for (const m of matched) hash.update(`${m.row.key ?? ''}\n`);
    // The stream is read: an Idempotency-Key compares the rows read instead.
    (request as { body: unknown }).body = request.headers['idempotency-key'] ? { rows: read.rows.length + read.bad.length, digest: hash.digest('hex') } : undefined;
    return run(request, reply, (trx, ctx) => importBankFile(trx, { rows: read.rows.length + read.bad.length, matched, bad: notRecordable }, request.query, ctx.actorName, hooks));
  });

  app.get('/payments/receivables', {
    config: { permission: 'order:read' },
    schema: {
      tags, summary: 'What is owed on B2B invoice terms, by due day (`overdue=true`: only the overdue)',
      description: 'Orders of offline channels whose customer has payment terms (`paymentTermsDays` > 0), not cancelled and not fully paid: the due day is the placed day (UTC) plus the terms; overdue once it passed with money still owed.',
      querystring: ReceivablesQuery, response: { 200: Receivables },
    },
  }, (request) => receivables(db, request.query));

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
      description: 'Kind test is the built-in test provider (docs/payments.md): it answers as its `test` settings say, and only a provider created with kind test does. The built-in provider `offline` (the default of channels without a payment policy) stays offline.',
      body: Type.Omit(ProviderInput, ['code']), response: { 200: Provider, 201: Provider, 409: problemResponse('The built-in provider offline cannot change its kind (`invalid_state`)') },
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

import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { problemResponse } from '../http/openapi.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Id, IdParams, ListQuery, Page } from '../http/schemas.js';
import { answer, moneyRequest, Payment, RefundExplanation, type SettleHooks } from '../payment/index.js';
import { decideReturn } from './decide-return.js';
import { ExchangeRequest, ExchangeResult, exchangeReturn } from './exchange-return.js';
import { inspectReturn } from './inspect-return.js';
import { receiveReturn } from './receive-return.js';
import { quoteReturnRefund, refundReturn } from './refund-return.js';
import { requestReturn } from './request-return.js';
import { returnInsight } from './return-insight.js';
import { listReturnIds, loadReturn, loadReturns, policyOf } from './return.repository.js';
import { returnStatuses } from './return-status.js';
import { DecideReturn, InspectReturn, ReceiveReturn, RefundReturn, RequestReturn, Return, ReturnPolicy, ReturnPolicyInput } from './returns.js';
import { saveReturnPolicy } from './save-return-policy.js';
import { resolveRefs } from '../inventory/index.js';

const tags = ['returns'];

export interface ReturnDeps { db: Db; run: RunCommand; hooks: SettleHooks }

export function registerReturnRoutes(app: App, { db, run, hooks }: ReturnDeps): void {
  app.post('/returns', {
    config: { permission: 'return:write' },
    schema: {
      tags, summary: 'Ask for a return of some units of some shipped lines (→ requested)', body: RequestReturn,
      response: {
        201: Return,
        404: problemResponse('An unknown order or order line in the body (`not_found`)'),
        409: problemResponse('More than was shipped and not yet returned (`return_exceeds_shipped`), after the channel\'s window (`return_window_closed`), or a SKU the channel does not take back (`not_returnable`), with the numbers involved'),
      },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => requestReturn(trx, request.body, ctx)));

  app.get('/returns', {
    config: { permission: 'order:read' },
    schema: {
      tags, summary: 'List returns, newest first',
      querystring: Type.Object({ ...ListQuery, order: Type.Optional(Id), status: Type.Optional(Type.Union(returnStatuses.map((s) => Type.Literal(s)))) }, { additionalProperties: false }),
      response: { 200: Page(Return) },
    },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    const after = decodeCursor(cursor, ['uuid']);
    const ids = await listReturnIds(db, { ...filter, beforeId: after?.[0], limit: limit + 1 });
    return page(request, await loadReturns(db, ids), limit, (last) => [last.id]);
  });

  app.get('/returns/insight', {
    config: { permission: 'order:read' },
    schema: {
      tags, summary: 'Return rate by SKU, by reason or by channel over a period; the most returned first',
      querystring: Type.Object({
        from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }),
        groupBy: Type.Optional(Type.Union([Type.Literal('sku'), Type.Literal('reason'), Type.Literal('channel')], { default: 'sku' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(Type.Object({
        key: Type.String(), returnedUnits: Type.Integer(), shippedUnits: Type.Union([Type.Null(), Type.Integer()]),
        returnRate: Type.Union([Type.Null(), Type.Number({ description: 'returned ÷ shipped in the period' })]), returns: Type.Integer(),
      })) }) },
    },
  }, async (request) => ({
    data: await returnInsight(db, { from: new Date(request.query.from), to: new Date(request.query.to), groupBy: request.query.groupBy ?? 'sku', limit: request.query.limit ?? 50 }),
  }));

  app.get('/returns/:id', {
    config: { permission: 'order:read' },
    schema: { tags, summary: 'Get a return', params: IdParams, response: { 200: Return } },
  }, (request) => loadReturn(db, request.params.id));

  for (const to of ['approved', 'rejected', 'cancelled', 'closed'] as const) {
    const verb = { approved: 'approve', rejected: 'reject', cancelled: 'cancel', closed: 'close' }[to];
    app.post(`/returns/:id/${verb}`, {
      config: { permission: 'return:write' },
      schema: { tags, summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} a return (→ ${to})`, params: IdParams, body: DecideReturn, response: { 200: Return } },
    }, (request, reply) => run(request, reply, (trx, ctx) => decideReturn(trx, request.params.id, to, request.body, ctx)));
  }

  app.post('/returns/:id/receive', {
    config: { permission: 'return:write' },
    schema: { tags, summary: 'The goods arrived at a location (→ received); the order lines count them as returned', params: IdParams, body: ReceiveReturn, response: { 200: Return } },
  }, (request, reply) => run(request, reply, (trx, ctx) => receiveReturn(trx, request.params.id, request.body, ctx)));

  app.post('/returns/:id/inspect', {
    config: { permission: 'return:write' },
    schema: { tags, summary: 'Each received unit to stock, quarantine or write-off (→ inspected)', params: IdParams, body: InspectReturn, response: { 200: Return } },
  }, (request, reply) => run(request, reply, (trx, ctx) => inspectReturn(trx, request.params.id, request.body, ctx)));

  app.get('/returns/:id/refund-quote', {
    config: { permission: 'order:read' },
    schema: { tags, summary: 'What refunding the return would pay, and why (nothing is written)', params: IdParams, response: { 200: RefundExplanation } },
  }, (request) => quoteReturnRefund(db, request.params.id));

  app.post('/returns/:id/refund', {
    config: { permission: 'return:write' },
    schema: {
      tags, summary: 'Refund the units that came back (→ refunded once the provider confirms)', params: IdParams, body: RefundReturn,
      description: 'Every unit received, by the channel\'s return policy (restocking fee; shipping with the last unit of the order when the policy refunds it). The answer\'s `explanation` gives every number with its inputs and rule. Needs an Idempotency-Key.',
      response: {
        201: Payment,
        202: { description: 'The provider did not answer in time; the refund is pending', content: { 'application/json': { schema: Payment } } },
        402: problemResponse('The provider declined (`payment_declined`)'),
        409: problemResponse('Not inspected, already refunded, or more than is captured and not yet refunded (`refund_exceeds_captured`), with the numbers'),
        428: problemResponse('No Idempotency-Key (`idempotency_key_required`)'),
      },
    },
  }, async (request, reply) => answer(reply, await refundReturn(db, request.params.id, request.body.currency, moneyRequest(request), hooks)));

  app.post('/returns/:id/exchange', {
    config: { permission: 'return:write' },
    schema: {
      tags, summary: 'Exchange: a replacement order for the goods that came back, paid by what they are worth',
      description: 'The replacement is captured through capture\'s path (checks, review rules, reservations at once, events), linked to the return. What the returned goods are worth (the refund quote) moves from the original order to the replacement; a difference is due on the replacement (capture it) or paid back by the return\'s refund.',
      params: IdParams, body: ExchangeRequest, response: { 201: ExchangeResult },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => exchangeReturn(trx, request.params.id, request.body, ctx)));

  app.get('/channels/:id/return-policy', {
    config: { permission: 'channel:read' },
    schema: { tags, summary: 'A channel\'s return policy', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'Channel id or code' }) }, { additionalProperties: false }), response: { 200: ReturnPolicy } },
  }, async (request) => policyOf(db, (await resolveRefs(db, { channel: [request.params.id] })).channel(request.params.id)));

  app.put('/channels/:id/return-policy', {
    config: { permission: 'return:write' },
    schema: {
      tags, summary: 'Set a channel\'s return policy (the window is the channel\'s returnWindowDays)',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'Channel id or code' }) }, { additionalProperties: false }),
      body: ReturnPolicyInput, response: { 200: ReturnPolicy },
    },
  }, (request, reply) => run(request, reply, (trx) => saveReturnPolicy(trx, request.params.id, request.body)));
}

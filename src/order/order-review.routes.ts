/** Review: the rules that stop or flag orders at capture, and people's decisions on the holds they put on. */
import { Type } from 'typebox';
import { personalDataOf } from '../access/index.js';
import type { App } from '../http/app.js';
import { IdParams, IfMatch, expectedVersion } from '../http/schemas.js';
import { HoldDecision, rejectHold, releaseHold } from './decide-hold.js';
import { PlaceHold, placeHold } from './place-hold.js';
import { OrderView, redactOrder } from './redact-order.js';
import { afterWarehouseChange, type OrderDeps } from './routes.js';
import { ReviewRuleInput, ReviewRulePatch, ReviewRuleView, changeReviewRule, createReviewRule, listReviewRules } from './save-review-rule.js';

const tags = ['orders'];
const ruleTags = ['review rules'];
const HoldParams = Type.Object({ id: IdParams.properties.id, holdId: IdParams.properties.id }, { additionalProperties: false });

export function registerOrderReviewRoutes(app: App, { db, run, hooks }: OrderDeps): void {
  app.get('/review-rules', {
    config: { permission: 'order:read' },
    schema: {
      tags: ruleTags,
      summary: 'Every review rule, in the order they are applied (priority, then code)',
      response: { 200: Type.Object({ data: Type.Array(ReviewRuleView) }) },
    },
  }, async () => ({ data: await listReviewRules(db) }));

  app.post('/review-rules', {
    config: { permission: 'order:rules' },
    schema: {
      tags: ruleTags,
      summary: 'Create a review rule (disabled unless `enabled: true`)',
      description: 'A rule holds or flags a captured order when all (or any) of its conditions match the order\'s facts.',
      body: ReviewRuleInput,
      response: { 201: ReviewRuleView },
    },
  }, (request, reply) => run(request, reply, (trx) => createReviewRule(trx, request.body)));

  app.patch('/review-rules/:id', {
    config: { permission: 'order:rules' },
    schema: {
      tags: ruleTags,
      summary: 'Change a review rule: enable or disable it, or change its condition, action or priority',
      params: IdParams,
      headers: IfMatch,
      body: ReviewRulePatch,
      response: { 200: ReviewRuleView },
    },
  }, (request, reply) => run(request, reply, (trx) => changeReviewRule(trx, request.params.id, request.body, expectedVersion(request.headers))));

  app.post('/orders/:id/holds', {
    config: { permission: 'order:review' },
    schema: {
      tags,
      summary: 'Hold an order by hand (from received, confirmed or allocated; a held order gets another hold)',
      params: IdParams,
      body: PlaceHold,
      response: { 201: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => placeHold(trx, request.params.id, request.body, ctx)), personalDataOf(request)));

  app.post('/orders/:id/holds/:holdId/release', {
    config: { permission: 'order:review' },
    schema: {
      tags,
      summary: 'Release a hold; when none is left open the order is confirmed (and allocated when every unit is reserved)',
      params: HoldParams,
      body: HoldDecision,
      response: { 200: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => afterWarehouseChange(hooks, trx, ctx, releaseHold(trx, request.params.id, request.params.holdId, request.body, ctx))), personalDataOf(request)));

  app.post('/orders/:id/holds/:holdId/reject', {
    config: { permission: 'order:review' },
    schema: {
      tags,
      summary: 'Reject a hold: the order is cancelled and its reserved stock released',
      params: HoldParams,
      body: HoldDecision,
      response: { 200: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => afterWarehouseChange(hooks, trx, ctx, rejectHold(trx, request.params.id, request.params.holdId, request.body, ctx))), personalDataOf(request)));
}

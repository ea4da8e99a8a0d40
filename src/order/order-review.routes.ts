/** Review: the rules that stop or flag orders at capture, and people's decisions on the holds they put on. */
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import { personalDataOf } from '../access/index.js';
import { isRetryable, type CommandContext } from '../db/command.js';
import type { Trx } from '../db/database.js';
import type { App } from '../http/app.js';
import { itemProblem, type problemOf } from '../http/problem.js';
import { IdParams, IfMatch, expectedVersion } from '../http/schemas.js';
import { BulkHoldDecision, HoldDecision, rejectHold, rejectOpenHold, releaseHold, releaseOpenHolds } from './decide-hold.js';
import type { Order } from './order.js';
import { loadOrder } from './order.repository.js';
import { PlaceHold, placeHold } from './place-hold.js';
import { OrderView, redactOrder } from './redact-order.js';
import { afterWarehouseChange, type OrderDeps } from './routes.js';
import { ReviewRuleInput, ReviewRulePatch, ReviewRuleView, changeReviewRule, createReviewRule, listReviewRules } from './save-review-rule.js';

const tags = ['orders'];
const ruleTags = ['review rules'];

const BulkHoldResult = Type.Object({
  decided: Type.Integer({ description: 'Orders whose holds were decided' }),
  failed: Type.Integer({ description: 'Orders left as they were, each with its error' }),
  results: Type.Array(Type.Object({
    orderId: Type.String({ format: 'uuid' }),
    result: Type.Union([Type.Literal('released'), Type.Literal('rejected'), Type.Literal('failed')]),
    number: Type.Optional(Type.String()),
    status: Type.Optional(Type.String({ description: 'The order\'s status after the decision' })),
    error: Type.Optional(Type.Object({ code: Type.String(), detail: Type.String() }, { additionalProperties: true })),
  }), { description: 'One per order, in the order sent' }),
});
type BulkHoldResult = Static<typeof BulkHoldResult>;

const HoldParams = Type.Object({ id: IdParams.properties.id, holdId: IdParams.properties.id }, { additionalProperties: false });

export function registerOrderReviewRoutes(app: App, { db, run, hooks }: OrderDeps): void {
  // The review queue decides many orders at once. Each order stands alone, in a savepoint of the request's
  // transaction: one that cannot be decided (no longer on hold, no hold of the reason) is reported and undoes none
  // of the others. Orders are locked in id order, so two bulk decisions over the same orders queue, not deadlock.
  const bulk = (decision: 'released' | 'rejected', decide: (trx: Trx, orderId: string, input: Omit<BulkHoldDecision, 'orderIds'>, ctx: CommandContext) => Promise<Order>) =>
    (request: { body: BulkHoldDecision; log: Parameters<typeof problemOf>[1]; id: string }) => async (trx: Trx, ctx: CommandContext) => {
      const { orderIds, ...input } = request.body;
      const outcome = new Map<string, BulkHoldResult['results'][number]>();
      for (const orderId of [...orderIds].sort()) {
        await sql`SAVEPOINT bulk_hold`.execute(trx);
        try {
          let order = await decide(trx, orderId, input, ctx);
          // Its fulfilment orders follow (released to the warehouse, or withdrawn), as for a single decision.
          if (hooks?.warehouseChanged) {
            await hooks.warehouseChanged(trx, order.id, ctx.actorName);
            order = await loadOrder(trx, order.id);
          }
          await sql`RELEASE SAVEPOINT bulk_hold`.execute(trx);
          outcome.set(orderId, { orderId, result: decision, number: order.number, status: order.status });
        } catch (e) {
          await sql`ROLLBACK TO SAVEPOINT bulk_hold`.execute(trx);
          // A deadlock or a lost race is not this order's answer: the runner runs the whole request again.
          if (isRetryable(e)) throw e;
          outcome.set(orderId, { orderId, result: 'failed', error: itemProblem(e, request.log, request.id) });
        }
      }
      const results = orderIds.map((id) => outcome.get(id)!);
      const decided = results.filter((r) => r.result !== 'failed');
      return {
        created: false,
        value: { decided: decided.length, failed: results.length - decided.length, results },
        audit: {
          action: decision === 'released' ? 'order.holds_released' : 'order.holds_rejected', entityType: 'order', entityId: null,
          details: { orderIds: decided.map((r) => r.orderId), failed: results.length - decided.length, reasonCode: input.reasonCode ?? null, note: input.note ?? null },
        },
      };
    };
  const bulkDescription = 'Each order stands or falls alone: the answer is 200 whatever each order\'s fate, and `results` says it per order (a failed one carries its error, as a single request would have answered it). With an Idempotency-Key the whole answer is replayed.';

  app.post('/orders/holds/release', {
    config: { permission: 'order:review' },
    schema: {
      tags,
      summary: 'Release the open holds of many orders at once (the review queue); each order whose last hold goes is confirmed',
      description: bulkDescription,
      body: BulkHoldDecision,
      response: { 200: BulkHoldResult },
    },
  }, (request, reply) => run(request, reply, bulk('released', releaseOpenHolds)(request), { status: () => 200 }));

  app.post('/orders/holds/reject', {
    config: { permission: 'order:review' },
    schema: {
      tags,
      summary: 'Reject a hold of each of many orders at once: each order is cancelled and its reserved stock released',
      description: bulkDescription,
      body: BulkHoldDecision,
      response: { 200: BulkHoldResult },
    },
  }, (request, reply) => run(request, reply, bulk('rejected', rejectOpenHold)(request), { status: () => 200 }));

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

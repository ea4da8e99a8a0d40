import { sql } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import { Type } from 'typebox';
import { personalDataOf } from '../access/index.js';
import type { FastifyBaseLogger } from 'fastify';
import type { App } from '../http/app.js';
import { inTransaction, type Db, type DbOrTrx } from '../db/database.js';
import { isRetryable, type CommandContext, type CommandResult, MAX_ATTEMPTS } from '../db/command.js';
import { type AutocommitOptions, type RunCommand } from '../http/command.js';
import { itemProblem } from '../http/problem.js';
import { Id, IdParams } from '../http/schemas.js';
import { batchedCapture, type CaptureBatched } from './capture-batch.js';
import { captureOrder } from './capture-order.js';
import { CaptureOrder, type Order } from './order.js';
import { listTimeline, loadOrder } from './order.repository.js';
import { unknownRefResponse } from '../http/openapi.js';
import { OrderView, TimelineEntry, redactOrder, redactTimelineEntry } from './redact-order.js';

const tags = ['orders'];
const MAX_BULK_ORDERS = 500;

const BulkResult = Type.Object({
  created: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(Type.Object({
    index: Type.Integer(),
    externalRef: Type.String(),
    result: Type.Union([Type.Literal('created'), Type.Literal('duplicate'), Type.Literal('rejected')]),
    orderId: Type.Optional(Id),
    number: Type.Optional(Type.String()),
    status: Type.Optional(Type.String()),
    error: Type.Optional(Type.Object({ code: Type.String(), detail: Type.String() }, { additionalProperties: true })),
  })),
});

/**
 * The process's one capture pipeline (batchedCapture), its decisions counted in `metrics`: POST /v1/orders, the
 * connectors' orders and the pull jobs all join its batches, so that one write runs at a time (ADR 0002) and each
 * batch counts what the others have not written yet.
 */
export function meteredCapture(batchDb: Db, log: FastifyBaseLogger, metrics: Registry): CaptureBatched {
  const decisions = new Counter({
    name: 'ordo_capture_batch_decisions_total',
    help: 'Captures decided in a batch, by decision: placed, refused (409 insufficient_stock), failed (another client error), answered_before (Idempotency-Key replay), transactional (left to a transaction of its own)',
    labelNames: ['decision'] as const,
    registers: [metrics],
  });
  return batchedCapture(batchDb, log, (decision) => decisions.inc({ decision }));
}

export function registerOrderRoutes(app: App, { db, run, captureBatched }: { db: Db; run: RunCommand; captureBatched: CaptureBatched }): void {
  // First in a batch with concurrent captures; what a batch leaves (and every retry) in a transaction of its own.
  const capture = (input: CaptureOrder) => (db: DbOrTrx, ctx: CommandContext) =>
    (ctx.attempt === 1 ? captureBatched(input, ctx) : captureOrder(inTransaction(db), input, ctx));
  const captureOptions: AutocommitOptions<Order> = { ownsIdempotency: true, autocommit: (attempt) => attempt === 1 };
  app.post('/orders', {
    config: { permission: 'order:write' },
    schema: {
      tags,
      summary: 'Capture an order: checked, reviewed and its stock reserved, all or nothing',
      description: 'Idempotent twice over: the Idempotency-Key header, and (channel, externalRef): sending an order the channel already sent answers 200 with the existing order and `duplicate: true`. Concurrent captures are decided and written together (up to 16 per statement); each keeps its own answer.',
      body: CaptureOrder,
      response: { 201: OrderView, 200: OrderView, 404: unknownRefResponse('channel, SKU or pickup location') },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, capture(request.body), captureOptions), personalDataOf(request)));

  app.post('/orders/bulk', {
    config: { permission: 'order:write' },
    schema: {
      tags,
      summary: 'Capture up to 500 orders (channel sync); each order stands or falls alone',
      body: Type.Object({ orders: Type.Array(CaptureOrder, { minItems: 1, maxItems: MAX_BULK_ORDERS }) }, { additionalProperties: false }),
      response: { 200: BulkResult },
    },
  }, (request, reply) => run(request, reply, async (trx, ctx) => {
    // Every order first joins the capture batches, in its order (their statements, their connections). What a batch
    // leaves to a transaction runs here, one order after another, each in a savepoint of this request's transaction:
    // a bulk takes one connection of the pool however many of its orders fall back, and a refused order leaves no
    // trace and undoes none of the others.
    const first = await Promise.allSettled(request.body.orders.map((input) => captureBatched(input, ctx)));
    const results: Type.Static<typeof BulkResult>['results'] = [];
    for (const [index, input] of request.body.orders.entries()) {
      const tried = first[index] as PromiseSettledResult<CommandResult<Order>>;
      let outcome = tried.status === 'fulfilled' ? tried.value : null;
      let error: unknown = tried.status === 'rejected' ? tried.reason : null;
      for (let attempt = 2; isRetryable(error) && attempt <= MAX_ATTEMPTS; attempt++) {
        await sql`SAVEPOINT bulk_order`.execute(trx);
        try {
          outcome = await captureOrder(trx, input, { ...ctx, attempt });
          error = null;
          await sql`RELEASE SAVEPOINT bulk_order`.execute(trx);
        } catch (e) {
          await sql`ROLLBACK TO SAVEPOINT bulk_order`.execute(trx);
          error = e;
        }
      }
      if (outcome) {
        results.push({ index, externalRef: input.externalRef, result: outcome.created ? 'created' : 'duplicate', orderId: outcome.value.id, number: outcome.value.number, status: outcome.value.status });
      } else {
        // Refused, or failed alone (its savepoint undid it): other orders of the bulk may be committed already by
        // their batches, so a failure is this order's answer, never the whole bulk's.
        results.push({ index, externalRef: input.externalRef, result: 'rejected', error: itemProblem(error, request.log, request.id) });
      }
    }
    const count = (r: string) => results.filter((x) => x.result === r).length;
    return {
      created: count('created') > 0,
      value: { created: count('created'), duplicates: count('duplicate'), rejected: count('rejected'), results },
      audit: { action: 'order.bulk_captured', entityType: 'order', entityId: null, details: { created: count('created'), rejected: count('rejected') } },
    };
    // One answer for the whole bulk, whatever each order's fate: each result says it.
  }, { status: () => 200 }));

  app.get('/orders/:id', {
    config: { permission: 'order:read' },
    schema: { tags, summary: 'Get an order with its lines, holds and flags', params: IdParams, response: { 200: OrderView } },
  }, async (request) => redactOrder(await loadOrder(db, request.params.id), personalDataOf(request)));

  app.get('/orders/:id/timeline', {
    config: { permission: 'order:read' },
    schema: {
      tags,
      summary: 'Everything that happened to an order, oldest first: who, when, what changed',
      params: IdParams,
      response: {
        200: Type.Object({ data: Type.Array(TimelineEntry) }),
      },
    },
  }, async (request) => {
    await loadOrder(db, request.params.id);
    const rows = await listTimeline(db, request.params.id);
    return { data: rows.map((r) => redactTimelineEntry({ ...r, id: String(r.id), at: r.at.toISOString() }, personalDataOf(request))) };
  });
}

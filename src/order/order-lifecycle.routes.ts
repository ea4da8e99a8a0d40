/**
 * The order's way after review: cancel, take back from the warehouse, deliver, complete. Every step is a use case.
 * Handing the order to the warehouse (`…/release`) and recording a parcel (`…/ship`) are the fulfilment module's
 * routes (src/fulfillment/fulfillment-order.routes.ts): they create fulfilment orders and shipments.
 */
import { personalDataOf } from '../access/index.js';
import type { App } from '../http/app.js';
import { IdParams } from '../http/schemas.js';
import { CancelOrderRequest, cancelOrder } from './cancel-order.js';
import { completeOrder } from './complete-order.js';
import { DeliverOrderRequest, deliverOrder } from './deliver-order.js';
import { RecallOrderRequest, recallOrder } from './recall-order.js';
import { OrderView, redactOrder } from './redact-order.js';
import { afterWarehouseChange, type OrderDeps } from './routes.js';

const tags = ['orders'];

export function registerOrderLifecycleRoutes(app: App, { run, hooks }: OrderDeps): void {
  app.post('/orders/:id/cancel', {
    config: { permission: 'order:write' },
    schema: {
      tags,
      summary: 'Cancel an order, or some units of some lines, until they ship',
      description: 'Reserved units are released; backordered units just become cancelled; each line\'s discounts and tax follow its remaining units. Cancelling every unit cancels the order. Allowed while the order is received, on_hold, confirmed, allocated, in_fulfillment (the customer cancels before the parcel leaves) or partially_shipped (the rest is cancelled; an order whose every remaining unit has shipped becomes shipped).',
      params: IdParams,
      body: CancelOrderRequest,
      response: { 200: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => afterWarehouseChange(hooks, trx, ctx, cancelOrder(trx, request.params.id, request.body, ctx))), personalDataOf(request)));

  app.post('/orders/:id/recall', {
    config: { permission: 'order:write' },
    schema: {
      tags,
      summary: 'Take an order back from the warehouse before anything ships (→ allocated, or → confirmed with units to source again)',
      description: 'Without lines the order goes back to allocated with its reservations. With lines (units the warehouse could not find) those reservations are released and the units wait to be sourced again (backordered); the order goes back to confirmed.',
      params: IdParams,
      body: RecallOrderRequest,
      response: { 200: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => afterWarehouseChange(hooks, trx, ctx, recallOrder(trx, request.params.id, request.body, ctx))), personalDataOf(request)));

  app.post('/orders/:id/deliver', {
    config: { permission: 'order:write' },
    schema: { tags, summary: 'Record delivery of a shipped order (→ delivered)', params: IdParams, body: DeliverOrderRequest, response: { 200: OrderView } },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => deliverOrder(trx, request.params.id, request.body, ctx)), personalDataOf(request)));

  app.post('/orders/:id/complete', {
    config: { permission: 'order:write' },
    schema: { tags, summary: 'Close a delivered order (→ completed)', params: IdParams, response: { 200: OrderView } },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => completeOrder(trx, request.params.id, ctx)), personalDataOf(request)));
}

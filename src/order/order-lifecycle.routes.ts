/** The order's way after review: cancel, hand to the warehouse, ship, deliver, complete. Every step is a use case. */
import { Type } from 'typebox';
import { personalDataOf } from '../access/index.js';
import type { App } from '../http/app.js';
import { IdParams } from '../http/schemas.js';
import { CancelOrderRequest, cancelOrder } from './cancel-order.js';
import { completeOrder } from './complete-order.js';
import { DeliverOrderRequest, deliverOrder } from './deliver-order.js';
import { RecallOrderRequest, recallOrder } from './recall-order.js';
import { releaseOrder } from './release-order.js';
import { OrderView, redactOrder } from './redact-order.js';
import type { OrderDeps } from './routes.js';
import { ShipOrderRequest, Shipment, shipOrder } from './ship-order.js';

const tags = ['orders'];
const ShipOrderResult = Type.Object({ shipment: Shipment, order: OrderView });

export function registerOrderLifecycleRoutes(app: App, { run }: OrderDeps): void {
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
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => cancelOrder(trx, request.params.id, request.body, ctx)), personalDataOf(request)));

  app.post('/orders/:id/release', {
    config: { permission: 'order:write' },
    schema: { tags, summary: 'Hand an allocated order to the warehouse (→ in_fulfillment)', params: IdParams, response: { 200: OrderView } },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => releaseOrder(trx, request.params.id, ctx)), personalDataOf(request)));

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
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => recallOrder(trx, request.params.id, request.body, ctx)), personalDataOf(request)));

  app.post('/orders/:id/ship', {
    config: { permission: 'order:ship' },
    schema: {
      tags,
      summary: 'Record a parcel: ships reserved units of some lines (→ partially_shipped or shipped)',
      description: 'Commits the reservations of the shipped units (on hand goes down, a shipment movement in the ledger). The warehouse role may ship; it gets the parcel\'s address back in full and the customer\'s name, e-mail and phone masked.',
      params: IdParams,
      body: ShipOrderRequest,
      response: { 201: ShipOrderResult },
    },
  }, async (request, reply) => {
    const { shipment, order } = await run(request, reply, (trx, ctx) => shipOrder(trx, request.params.id, request.body, ctx));
    return { shipment, order: redactOrder(order, personalDataOf(request)) };
  });

  app.post('/orders/:id/deliver', {
    config: { permission: 'order:write' },
    schema: { tags, summary: 'Record delivery of a shipped order (→ delivered)', params: IdParams, body: DeliverOrderRequest, response: { 200: OrderView } },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => deliverOrder(trx, request.params.id, request.body, ctx)), personalDataOf(request)));

  app.post('/orders/:id/complete', {
    config: { permission: 'order:write' },
    schema: { tags, summary: 'Close a delivered order (→ completed)', params: IdParams, response: { 200: OrderView } },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => completeOrder(trx, request.params.id, ctx)), personalDataOf(request)));
}

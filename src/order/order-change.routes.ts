/** Order edits while the order is still editable: details, lines, split and merge. Thin: schema, permission, use case. */
import { Type } from 'typebox';
import { personalDataOf } from '../access/index.js';
import type { App } from '../http/app.js';
import { Id, IdParams, IfMatch, Nullable, expectedVersion } from '../http/schemas.js';
import { addLine } from './add-line.js';
import { cancelLine } from './cancel-line.js';
import { changeLineQuantity } from './change-line-quantity.js';
import { changeOrderDetails } from './change-order-details.js';
import { mergeOrders } from './merge-orders.js';
import { Address, CaptureLine, MAX_LINES } from './order.js';
import { OrderView, redactOrder } from './redact-order.js';
import type { OrderDeps } from './routes.js';
import { splitOrder } from './split-order.js';
import { resourceOrderCommand } from './resource-order.js';
import { problemResponse } from '../http/openapi.js';

const tags = ['orders'];
const editable = 'Only while the order is received, on hold, confirmed or allocated (else 409 `invalid_state`). With If-Match, a stale version is a 409 `version_conflict`.';

const LineParams = Type.Object({ id: Id, lineId: Id }, { additionalProperties: false });

const OrderDetailsPatch = Type.Object({
  shippingAddress: Type.Optional(Address),
  billingAddress: Type.Optional(Nullable(Address)),
  buyerRemark: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
}, { additionalProperties: false, minProperties: 1 });

const LineQuantity = Type.Object({
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'The new ordered quantity; not below shipped + cancelled' }),
}, { additionalProperties: false });

const SplitRequest = Type.Object({
  lines: Type.Array(Type.Object({
    lineId: Id,
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Open units to move into the new order' }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_LINES }),
}, { additionalProperties: false });

const ResourceRequest = Type.Object({
  excludeLocations: Type.Array(Type.String({ minLength: 1, maxLength: 64, description: 'Location code or id' }), { minItems: 1, maxItems: 100, uniqueItems: true }),
  reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why, for the timeline: e.g. "warehouse closed for stock-take"' }),
}, { additionalProperties: false });

const MergeRequest = Type.Object({
  orderIds: Type.Array(Id, { minItems: 2, maxItems: 20, uniqueItems: true }),
}, { additionalProperties: false });

export function registerOrderChangeRoutes(app: App, { run }: OrderDeps): void {
  app.patch('/orders/:id', {
    config: { permission: 'order:write' },
    schema: {
      tags, summary: 'Change the shipping or billing address or the buyer\'s remark', description: editable,
      params: IdParams, headers: IfMatch, body: OrderDetailsPatch, response: { 200: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) =>
    changeOrderDetails(trx, request.params.id, request.body, expectedVersion(request.headers), ctx)), personalDataOf(request)));

  app.post('/orders/:id/lines', {
    config: { permission: 'order:write' },
    schema: {
      tags, summary: 'Add a line, reserved at once (409 `insufficient_stock` when no location has it)', description: editable,
      params: IdParams, headers: IfMatch, body: CaptureLine, response: { 201: OrderView, 404: problemResponse('No such order, or an unknown SKU (`not_found`)') },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) =>
    addLine(trx, request.params.id, request.body, expectedVersion(request.headers), ctx)), personalDataOf(request)));

  app.patch('/orders/:id/lines/:lineId', {
    config: { permission: 'order:write' },
    schema: {
      tags, summary: 'Change a line\'s quantity: more reserves at its location, fewer releases',
      description: `${editable} Totals are recomputed; the line's discount and tax follow its quantity in proportion.`,
      params: LineParams, headers: IfMatch, body: LineQuantity, response: { 200: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) =>
    changeLineQuantity(trx, request.params.id, request.params.lineId, request.body.quantity, expectedVersion(request.headers), ctx)), personalDataOf(request)));

  app.delete('/orders/:id/lines/:lineId', {
    config: { permission: 'order:write' },
    schema: {
      tags, summary: 'Cancel a line\'s open units (the line stays, cancelled); the last line cancels the order', description: editable,
      params: LineParams, headers: IfMatch, response: { 200: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) =>
    cancelLine(trx, request.params.id, request.params.lineId, expectedVersion(request.headers), ctx)), personalDataOf(request)));

  app.post('/orders/:id/resource', {
    config: { permission: 'order:write' },
    schema: {
      tags, summary: 'Source an order\'s reserved lines again, away from some locations',
      description: 'Lines reserved at the named locations are released there and sourced again by the channel\'s rule set over the other locations (docs/sourcing.md); what no other location has is backordered. The decision is stored (GET /v1/orders/{id}/sourcing) and on the timeline (`resourced`). Allowed while the order is on_hold, confirmed, allocated or in_fulfillment (else 409 `invalid_state`).',
      params: IdParams, body: ResourceRequest, response: { 200: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => resourceOrderCommand(trx, request.params.id, request.body, ctx)), personalDataOf(request)));

  app.post('/orders/:id/split', {
    config: { permission: 'order:write' },
    schema: {
      tags, summary: 'Move some units into a new order: ship what is there now, the rest later',
      description: `${editable} The new order is numbered like the original plus -2, -3…; reservations move with the units; shipping stays on the original.`,
      params: IdParams, headers: IfMatch, body: SplitRequest,
      response: { 201: Type.Object({ original: OrderView, split: OrderView }) },
    },
  }, async (request, reply) => {
    const { original, split } = await run(request, reply, (trx, ctx) =>
      splitOrder(trx, request.params.id, request.body, expectedVersion(request.headers), ctx));
    return { original: redactOrder(original, personalDataOf(request)), split: redactOrder(split, personalDataOf(request)) };
  });

  app.post('/orders/merge', {
    config: { permission: 'order:write' },
    schema: {
      tags, summary: 'Merge open orders of one customer to one address into the oldest of them',
      description: 'All must be editable and share customer, channel, currency, shipping address and delivery method (else 409 naming the first mismatch). The others are cancelled with mergedInto set; their open units, reservations and shipping charges move to the target.',
      body: MergeRequest, response: { 200: OrderView, 404: problemResponse('An order in `orderIds` does not exist (`not_found`)') },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => mergeOrders(trx, request.body.orderIds, ctx)), personalDataOf(request)));
}

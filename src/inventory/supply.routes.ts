import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Trx } from '../db/database.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Id, IdParams, ListQuery, Nullable, Page, Timestamp } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { IsoDate, Quantity, Ref } from './inventory.js';
import { resolveRefs } from './refs.repository.js';
import type { InventoryDeps } from './routes.js';
import { actorOf } from './stock.routes.js';
import { findSupplyOrder, listSupplyOrders, type SupplyLineRow, type SupplyOrderRow } from './supply.repository.js';
import { cancelSupply, createSupply, receiveSupply } from './supply.js';
import { problemResponse, unknownRefResponse } from '../http/openapi.js';

const tags = ['inventory'];
const SupplyStatus = Type.Union([Type.Literal('open'), Type.Literal('in_transit'), Type.Literal('received'), Type.Literal('cancelled')]);

const SupplyOrder = Type.Object({
  id: Id,
  type: Type.Union([Type.Literal('purchase_order'), Type.Literal('production_order'), Type.Literal('transfer')]),
  reference: Nullable(Type.String()),
  location: Type.String({ description: 'Destination location code' }),
  sourceLocation: Nullable(Type.String({ description: 'Transfers: where the goods come from' })),
  status: SupplyStatus,
  expectedOn: IsoDate,
  lines: Type.Array(Type.Object({
    sku: Type.String(), quantity: Type.Integer(), received: Type.Integer(),
    reserved: Type.Integer({ description: 'Promised to presale reservations' }),
    available: Type.Integer({ description: 'Still expected and not promised' }), expectedOn: IsoDate,
  })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const toSupplyOrder = ({ order, lines }: { order: SupplyOrderRow; lines: SupplyLineRow[] }) => ({
  id: order.id, type: order.type as 'transfer', reference: order.reference, location: order.locationCode,
  sourceLocation: order.sourceLocationCode, status: order.status as 'open', expectedOn: order.expectedOn,
  lines: lines.map((l) => ({
    sku: l.skuCode, quantity: l.quantity, received: l.received, reserved: l.reserved,
    available: l.open ? l.quantity - l.received - l.reserved : 0, expectedOn: l.expectedOn,
  })),
  createdAt: order.createdAt.toISOString(), updatedAt: order.updatedAt.toISOString(),
});

const SupplyLines = Type.Array(Type.Object({ sku: Ref, quantity: Quantity, expectedOn: Type.Optional(IsoDate) }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 });
const ReceiveBody = Type.Object({
  lines: Type.Optional(Type.Array(Type.Object({ sku: Ref, quantity: Quantity }, { additionalProperties: false }), { minItems: 1, maxItems: 1000, description: 'Omit to receive everything still expected' })),
}, { additionalProperties: false });

async function loaded(trx: Trx, id: string) {
  const found = await findSupplyOrder(trx, id);
  if (!found) throw notFound('supply order', id);
  return toSupplyOrder(found);
}

export function registerSupplyRoutes(app: App, { db, run }: InventoryDeps): void {
  app.post('/supply', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Record incoming supply: a purchase or production order with expected dates',
      body: Type.Object({
        type: Type.Union([Type.Literal('purchase_order'), Type.Literal('production_order')]),
        reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        location: Ref,
        expectedOn: IsoDate,
        lines: SupplyLines,
      }, { additionalProperties: false }),
      response: { 201: SupplyOrder, 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, async (trx, ctx) => {
    const b = request.body;
    const refs = await resolveRefs(trx, { sku: b.lines.map((l) => l.sku), location: [b.location] });
    const id = await createSupply(trx, {
      type: b.type, reference: b.reference ?? null, locationId: refs.location(b.location), sourceLocationId: null, expectedOn: b.expectedOn,
      lines: b.lines.map((l) => ({ skuId: refs.sku(l.sku), quantity: l.quantity, expectedOn: l.expectedOn })),
    }, actorOf(ctx));
    return { created: true, value: await loaded(trx, id), audit: { action: 'supply.created', entityType: 'supply_order', entityId: id } };
  }));

  app.post('/stock/transfers', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Transfer stock between locations: it leaves the source now and is in transit until received',
      body: Type.Object({
        from: Ref,
        to: Ref,
        reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        expectedOn: IsoDate,
        lines: SupplyLines,
      }, { additionalProperties: false }),
      response: { 201: SupplyOrder, 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, async (trx, ctx) => {
    const b = request.body;
    const refs = await resolveRefs(trx, { sku: b.lines.map((l) => l.sku), location: [b.from, b.to] });
    const id = await createSupply(trx, {
      type: 'transfer', reference: b.reference ?? null, locationId: refs.location(b.to), sourceLocationId: refs.location(b.from), expectedOn: b.expectedOn,
      lines: b.lines.map((l) => ({ skuId: refs.sku(l.sku), quantity: l.quantity, expectedOn: l.expectedOn })),
    }, actorOf(ctx));
    return { created: true, value: await loaded(trx, id), audit: { action: 'transfer.shipped', entityType: 'supply_order', entityId: id } };
  }));

  for (const path of ['/supply/:id/receive', '/stock/transfers/:id/receive']) {
    app.post(path, {
      config: { permission: 'inventory:write' },
      schema: { tags, summary: 'Receive supply (all still expected, or the lines given) into on hand', params: IdParams, body: ReceiveBody, response: { 200: SupplyOrder, 404: problemResponse('No such supply order, or an unknown SKU in the lines (`not_found`)') } },
    }, (request, reply) => run(request, reply, async (trx, ctx) => {
      const lines = request.body.lines ?? null;
      const refs = await resolveRefs(trx, { sku: (lines ?? []).map((l) => l.sku) });
      await receiveSupply(trx, request.params.id, lines && lines.map((l) => ({ skuId: refs.sku(l.sku), quantity: l.quantity })), actorOf(ctx));
      return { created: false, value: await loaded(trx, request.params.id), audit: { action: 'supply.received', entityType: 'supply_order', entityId: request.params.id } };
    }));
  }

  app.post('/supply/:id/cancel', {
    config: { permission: 'inventory:write' },
    schema: { tags, summary: 'Cancel an open purchase or production order (presale reservations on it are released)', params: IdParams, response: { 200: SupplyOrder } },
  }, (request, reply) => run(request, reply, async (trx, ctx) => {
    await cancelSupply(trx, request.params.id, actorOf(ctx));
    return { created: false, value: await loaded(trx, request.params.id), audit: { action: 'supply.cancelled', entityType: 'supply_order', entityId: request.params.id } };
  }));

  app.get('/supply', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'List incoming supply (purchase orders, production orders, transfers)',
      querystring: Type.Object({
        ...ListQuery,
        status: Type.Optional(SupplyStatus),
        type: Type.Optional(Type.Union([Type.Literal('purchase_order'), Type.Literal('production_order'), Type.Literal('transfer')])),
        location: Type.Optional(Ref),
        sku: Type.Optional(Ref),
      }, { additionalProperties: false }),
      response: { 200: Page(SupplyOrder), 404: unknownRefResponse() },
    },
  }, async (request) => {
    const { limit = 50, cursor, location, sku, ...rest } = request.query;
    const refs = await resolveRefs(db, { sku: sku ? [sku] : [], location: location ? [location] : [] });
    const after = decodeCursor(cursor, ['uuid']);
    const rows = await listSupplyOrders(db, { ...rest, locationId: location ? refs.location(location) : undefined, skuId: sku ? refs.sku(sku) : undefined, afterId: after?.[0], limit: limit + 1 });
    return page(request, rows.map(toSupplyOrder), limit, (last) => [last.id]);
  });

  app.get('/supply/:id', {
    config: { permission: 'inventory:read' },
    schema: { tags, summary: 'Get a supply order', params: IdParams, response: { 200: SupplyOrder } },
  }, async (request) => {
    const found = await findSupplyOrder(db, request.params.id);
    if (!found) throw notFound('supply order', request.params.id);
    return toSupplyOrder(found);
  });
}

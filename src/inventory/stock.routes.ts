import { Type } from 'typebox';
import type { App } from '../http/app.js';
import { decodeCursor, page } from '../http/pagination.js';
import { ListQuery, Nullable, Page, Timestamp } from '../http/schemas.js';
import { adjustStock } from './adjust-stock.js';
import { LevelAfter, Note, Quantity, Ref, StockLevel, movementReasons, toStockLevel } from './inventory.js';
import { quarantineStock, releaseQuarantine } from './quarantine-stock.js';
import { receiveStock } from './receive-stock.js';
import { resolveRefs } from './refs.repository.js';
import type { InventoryDeps } from './routes.js';
import { changeStockSettings, StockSettingsRequest } from './stock-settings.js';
import { listMovements, listStock } from './stock.repository.js';
import { unknownRefResponse } from '../http/openapi.js';

const tags = ['inventory'];
const Lines = <T extends Parameters<typeof Type.Object>[0]>(props: T) =>
  Type.Array(Type.Object(props, { additionalProperties: false }), { minItems: 1, maxItems: 1000 });
const Levels = Type.Object({ levels: Type.Array(LevelAfter) });

/** Other route files of the module name the actor of their commands with it. */
export { actorOf } from './move-stock.js';

export function registerStockRoutes(app: App, { db, run }: InventoryDeps): void {
  app.get('/stock', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'Stock per SKU and location: on hand, reserved, quarantined, safety stock, available',
      querystring: Type.Object({
        ...ListQuery,
        sku: Type.Optional(Ref),
        location: Type.Optional(Ref),
        nonZero: Type.Optional(Type.Boolean({ description: 'Only rows with something on hand, reserved or quarantined' })),
      }, { additionalProperties: false }),
      response: { 200: Page(StockLevel), 404: unknownRefResponse() },
    },
  }, async (request) => {
    const { limit = 50, cursor, sku, location, nonZero } = request.query;
    const refs = await resolveRefs(db, { sku: sku ? [sku] : [], location: location ? [location] : [] });
    const after = decodeCursor(cursor, ['text', 'text']);
    const rows = await listStock(db, {
      skuId: sku ? refs.sku(sku) : undefined, locationId: location ? refs.location(location) : undefined, nonZero, after, limit: limit + 1,
    });
    return page(request, rows.map(toStockLevel), limit, (last) => [last.sku, last.location]);
  });

  app.get('/stock/movements', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'The movement ledger, newest first',
      querystring: Type.Object({
        ...ListQuery,
        sku: Type.Optional(Ref),
        location: Type.Optional(Ref),
        referenceType: Type.Optional(Type.String({ maxLength: 64 })),
        referenceId: Type.Optional(Type.String({ maxLength: 128 })),
      }, { additionalProperties: false }),
      response: {
        404: unknownRefResponse(),
        200: Page(Type.Object({
          id: Type.String(), at: Timestamp, sku: Type.String(), location: Type.String(),
          reason: Type.String({ description: `One of ${movementReasons.join(', ')}` }),
          onHandDelta: Type.Integer(), reservedDelta: Type.Integer(), quarantinedDelta: Type.Integer(),
          referenceType: Nullable(Type.String()), referenceId: Nullable(Type.String()), actor: Type.String(), note: Nullable(Type.String()),
        })),
      },
    },
  }, async (request) => {
    const { limit = 50, cursor, sku, location, referenceType, referenceId } = request.query;
    const refs = await resolveRefs(db, { sku: sku ? [sku] : [], location: location ? [location] : [] });
    const before = decodeCursor(cursor, ['bigint']);
    const rows = await listMovements(db, {
      skuId: sku ? refs.sku(sku) : undefined, locationId: location ? refs.location(location) : undefined,
      referenceType, referenceId, beforeId: before?.[0], limit: limit + 1,
    });
    const data = rows.map((r) => ({ ...r, id: String(r.id), at: r.at.toISOString(), sku: r.skuCode, location: r.locationCode}));
    return page(request, data, limit, (last) => [Number(last.id)]);
  });

  app.post('/stock/receipts', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Receive stock at a location (without a purchase order; see /v1/supply for those)',
      body: Type.Object({
        location: Ref,
        reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. the delivery note number' })),
        note: Type.Optional(Note),
        lines: Lines({ sku: Ref, quantity: Quantity }),
      }, { additionalProperties: false }),
      response: { 201: Levels, 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => receiveStock(trx, request.body, ctx)));

  app.post('/stock/adjustments', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Correct on-hand quantities up or down, with a reason; all lines or none',
      body: Type.Object({
        lines: Lines({
          sku: Ref,
          location: Ref,
          delta: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000, not: { const: 0 }, description: 'Units to add (positive) or remove (negative)' }),
          reason: Type.String({ minLength: 1, maxLength: 64, description: 'e.g. damaged, lost, found, correction' }),
          note: Type.Optional(Note),
        }),
      }, { additionalProperties: false }),
      response: { 201: Levels, 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => adjustStock(trx, request.body, ctx)));

  app.post('/stock/quarantine', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Hold damaged or suspect units: still on hand, no longer available',
      body: Type.Object({ lines: Lines({ sku: Ref, location: Ref, quantity: Quantity, note: Type.Optional(Note) }) }, { additionalProperties: false }),
      response: { 201: Levels, 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => quarantineStock(trx, request.body, ctx)));

  app.post('/stock/quarantine/release', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Release quarantined units: back to available (restock) or off the books (write_off)',
      body: Type.Object({
        lines: Lines({ sku: Ref, location: Ref, quantity: Quantity, disposition: Type.Union([Type.Literal('restock'), Type.Literal('write_off')]), note: Type.Optional(Note) }),
      }, { additionalProperties: false }),
      response: { 201: Levels, 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => releaseQuarantine(trx, request.body, ctx)));

  app.put('/stock/settings', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Set safety stock (fixed units or weeks of supply) and reorder points per SKU and location',
      body: StockSettingsRequest,
      response: { 200: Type.Object({ items: Type.Array(StockLevel) }), 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, async (trx) => {
    const items = await changeStockSettings(trx, request.body.items);
    return { created: false, value: { items }, audit: { action: 'stock.settings_changed', entityType: 'stock', entityId: null, details: { items: items.length } } };
  }));

}

import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { decodeCursor, page } from '../http/pagination.js';
import { IdParams, IfMatch, ListQuery, Page, expectedVersion } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { createSku } from './create-sku.js';
import { Sku, SkuInput, SkuPatch } from './sku.js';
import { findSkuById, listSkus, toSku } from './sku.repository.js';
import { changeSku } from './update-sku.js';
import { upsertSkuBatch } from './upsert-skus.js';
import { BulkRequest, BulkResult } from '../http/bulk.js';
import { bulkRejectedResponse } from '../http/openapi.js';

const tags = ['catalog'];

export function registerCatalogRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  app.post('/skus', {
    config: { permission: 'catalog:write' },
    schema: { tags, summary: 'Create a SKU', body: SkuInput, response: { 201: Sku } },
  }, (request, reply) => run(request, reply, (trx) => createSku(trx, request.body)));

  app.post('/skus/bulk', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      summary: 'Create or replace up to 1,000 SKUs by code, all or nothing',
      description:
        'Each item is the whole SKU; fields left out are reset. A bad batch writes nothing and its answer lists every bad ' +
        'item by index: 400 (`validation_failed`) when an item breaks the schema, 422 (`bulk_rejected`) when well-formed ' +
        'items cannot all be saved (a code twice, another SKU\'s barcode, an unknown currency).',
      body: BulkRequest(SkuInput),
      response: { 200: BulkResult(Sku), 422: bulkRejectedResponse },
    },
  }, (request, reply) => run(request, reply, (trx) => upsertSkuBatch(trx, request.body.items)));

  app.get('/skus', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      summary: 'List SKUs by code',
      querystring: Type.Object({
        ...ListQuery,
        code: Type.Optional(Type.String({ maxLength: 64 })),
        barcode: Type.Optional(Type.String({ maxLength: 64 })),
        active: Type.Optional(Type.Boolean()),
        q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Prefix of the name or code, any case' })),
      }, { additionalProperties: false }),
      response: { 200: Page(Sku) },
    },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    const after = decodeCursor(cursor, ['text']);
    const rows = await listSkus(db, { ...filter, afterCode: after?.[0], limit: limit + 1 });
    return page(request, rows.map(toSku), limit, (last) => [last.code]);
  });

  app.get('/skus/:id', {
    config: { permission: 'catalog:read' },
    schema: { tags, summary: 'Get a SKU', params: IdParams, response: { 200: Sku } },
  }, async (request) => {
    const row = await findSkuById(db, request.params.id);
    if (!row) throw notFound('SKU', request.params.id);
    return toSku(row);
  });

  app.patch('/skus/:id', {
    config: { permission: 'catalog:write' },
    schema: { tags, summary: 'Change some fields of a SKU', params: IdParams, headers: IfMatch, body: SkuPatch, response: { 200: Sku } },
  }, (request, reply) =>
    run(request, reply, (trx) => changeSku(trx, request.params.id, request.body, expectedVersion(request.headers))));
}

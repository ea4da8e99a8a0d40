/** Cycle count routes: thin, see count-stock.ts for the rules. */
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import { decodeCursor, page } from '../http/pagination.js';
import { IdParams, ListQuery, Page } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import {
  OpenCountRequest, RecordCountRequest, StockCount, StockCountSummary, cancelCount, countStatuses, findCount, listCounts,
  openCount, postCount, recordCountLines,
} from './count-stock.js';
import { Ref } from './inventory.js';
import type { InventoryDeps } from './routes.js';
import { actorOf } from './stock.routes.js';
import { problemResponse, unknownRefResponse } from '../http/openapi.js';

const tags = ['inventory'];

export function registerCountRoutes(app: App, { db, run }: InventoryDeps): void {
  app.post('/stock/counts', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Open a cycle count at a location, snapshotting the expected on hand of each SKU',
      body: OpenCountRequest,
      response: { 201: StockCount, 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, (trx) => openCount(trx, request.body)));

  app.post('/stock/counts/:id/lines', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Record counted quantities (a SKU not in the count yet is added to it)',
      params: IdParams,
      body: RecordCountRequest,
      response: { 200: StockCount, 404: problemResponse('No such count, or an unknown SKU (`not_found`)') },
    },
  }, (request, reply) => run(request, reply, (trx) => recordCountLines(trx, request.params.id, request.body)));

  app.post('/stock/counts/:id/post', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Post the variances of the counted lines as count movements, all or nothing',
      params: IdParams,
      response: { 200: StockCount },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => postCount(trx, request.params.id, actorOf(ctx))));

  app.post('/stock/counts/:id/cancel', {
    config: { permission: 'inventory:write' },
    schema: { tags, summary: 'Cancel an open count; nothing is posted', params: IdParams, response: { 200: StockCount } },
  }, (request, reply) => run(request, reply, (trx) => cancelCount(trx, request.params.id)));

  app.get('/stock/counts', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'List cycle counts, newest first',
      querystring: Type.Object({
        ...ListQuery,
        status: Type.Optional(Type.Enum(countStatuses)),
        location: Type.Optional(Ref),
      }, { additionalProperties: false }),
      response: { 200: Page(StockCountSummary), 404: unknownRefResponse() },
    },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    const after = decodeCursor(cursor, ['uuid'])?.[0];
    const rows = await listCounts(db, { ...filter, beforeId: after, limit: limit + 1 });
    return page(request, rows, limit, (last) => [last.id]);
  });

  app.get('/stock/counts/:id', {
    config: { permission: 'inventory:read' },
    schema: { tags, summary: 'Get a count with its lines and variance report', params: IdParams, response: { 200: StockCount } },
  }, async (request) => {
    const count = await findCount(db, request.params.id);
    if (!count) throw notFound('stock count', request.params.id);
    return count;
  });
}

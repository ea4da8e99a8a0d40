import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import { BulkRequest, BulkResult } from '../http/bulk.js';
import type { RunCommand } from '../http/command.js';
import { decodeCursor, page } from '../http/pagination.js';
import { IdParams, IfMatch, ListQuery, Page, expectedVersion } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { Location, LocationInput, LocationPatch, LocationType } from './location.js';
import { findLocationById, listLocations, toLocation } from './location.repository.js';
import { changeLocation, createLocation, upsertLocationBatch } from './save-location.js';
import { bulkRejectedResponse } from '../http/openapi.js';

const tags = ['locations'];

export function registerLocationRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  app.post('/locations', {
    config: { permission: 'location:write' },
    schema: { tags, summary: 'Create a location (warehouse, store, drop-shipper)', body: LocationInput, response: { 201: Location } },
  }, (request, reply) => run(request, reply, (trx) => createLocation(trx, request.body)));

  app.post('/locations/bulk', {
    config: { permission: 'location:write' },
    schema: {
      tags,
      summary: 'Create or replace up to 1,000 locations by code, all or nothing',
      body: BulkRequest(LocationInput),
      response: { 200: BulkResult(Location), 422: bulkRejectedResponse },
    },
  }, (request, reply) => run(request, reply, (trx) => upsertLocationBatch(trx, request.body.items)));

  app.get('/locations', {
    config: { permission: 'location:read' },
    schema: {
      tags,
      summary: 'List locations by code',
      querystring: Type.Object({
        ...ListQuery,
        code: Type.Optional(Type.String({ maxLength: 64 })),
        type: Type.Optional(LocationType),
        region: Type.Optional(Type.String({ maxLength: 64 })),
        active: Type.Optional(Type.Boolean()),
        canShip: Type.Optional(Type.Boolean()),
        canPickup: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      response: { 200: Page(Location) },
    },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    const after = decodeCursor(cursor, ['text']);
    const rows = await listLocations(db, { ...filter, afterCode: after?.[0], limit: limit + 1 });
    return page(request, rows.map(toLocation), limit, (last) => [last.code]);
  });

  app.get('/locations/:id', {
    config: { permission: 'location:read' },
    schema: { tags, summary: 'Get a location', params: IdParams, response: { 200: Location } },
  }, async (request) => {
    const row = await findLocationById(db, request.params.id);
    if (!row) throw notFound('location', request.params.id);
    return toLocation(row);
  });

  app.patch('/locations/:id', {
    config: { permission: 'location:write' },
    schema: { tags, summary: 'Change some fields of a location', params: IdParams, headers: IfMatch, body: LocationPatch, response: { 200: Location } },
  }, (request, reply) =>
    run(request, reply, (trx) => changeLocation(trx, request.params.id, request.body, expectedVersion(request.headers))));
}

/** Carriers, their services and each service's rate table. */
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { IfMatch, expectedVersion } from '../http/schemas.js';
import { problemResponse } from '../http/openapi.js';
import { AppError } from '../shared/errors.js';
import { Carrier, CarrierInput, CarrierPatch } from './carrier.js';
import { findCarrierRow, listCarriers, listServices, loadCarrier, toCarrier } from './carrier.repository.js';
import { RateTable, RateTableInput } from './rate-table.js';
import { changeCarrier, createCarrier, upsertCarrier } from './save-carrier.js';
import { registerRateRoutes } from './rate.routes.js';
import { getRateTable, setRateTable } from './set-rate-table.js';

const Ref = Type.String({ minLength: 1, maxLength: 64, description: 'Carrier code or id' });
const CarrierParams = Type.Object({ id: Ref }, { additionalProperties: false });
const ServiceParams = Type.Object({ id: Ref, service: Type.String({ minLength: 1, maxLength: 64, description: 'Service code' }) }, { additionalProperties: false });

export function registerCarrierRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  const tags = ['fulfillment'];
  app.put('/carriers', {
    config: { permission: 'carrier:write' },
    schema: { tags, summary: 'Create or replace a carrier by code (services not listed are deactivated)', body: CarrierInput, response: { 200: Carrier } },
  }, (request, reply) => run(request, reply, async (trx) => {
    const carrier = await upsertCarrier(trx, request.body);
    return { created: false, value: carrier, audit: { action: 'carrier.saved', entityType: 'carrier', entityId: carrier.id } };
  }));

  app.post('/carriers', {
    config: { permission: 'carrier:write' },
    schema: { tags, summary: 'Create a carrier with its services', body: CarrierInput, response: { 201: Carrier } },
  }, (request, reply) => run(request, reply, (trx) => createCarrier(trx, request.body)));

  app.get('/carriers', {
    config: { permission: 'carrier:read' },
    schema: { tags, summary: 'List carriers', response: { 200: Type.Object({ data: Type.Array(Carrier) }) } },
  }, async () => {
    const rows = await listCarriers(db);
    const services = await listServices(db, rows.map((r) => r.id));
    return { data: rows.map((r) => toCarrier(r, services)) };
  });

  app.get('/carriers/:id', {
    config: { permission: 'carrier:read' },
    schema: { tags, summary: 'Get a carrier with its services', params: CarrierParams, response: { 200: Carrier } },
  }, async (request) => {
    const row = await findCarrierRow(db, request.params.id);
    if (!row) throw new AppError('not_found', `unknown carrier "${request.params.id}"; see GET /v1/carriers`, { entity: 'carrier', id: request.params.id });
    return loadCarrier(db, row);
  });

  app.patch('/carriers/:id', {
    config: { permission: 'carrier:write' },
    schema: { tags, summary: 'Change a carrier; services are added or changed by code', params: CarrierParams, headers: IfMatch, body: CarrierPatch, response: { 200: Carrier } },
  }, (request, reply) => run(request, reply, (trx) => changeCarrier(trx, request.params.id, request.body, expectedVersion(request.headers))));

  app.put('/carriers/:id/services/:service/rate-table', {
    config: { permission: 'carrier:write' },
    schema: {
      tags, summary: 'Set a service\'s rate table: zones by origin and destination region, first + additional weight or weight bands',
      params: ServiceParams, body: RateTableInput,
      response: { 200: RateTable, 201: RateTable, 404: problemResponse('The carrier or its service does not exist (`not_found`, `entity` says which)') },
    },
  }, (request, reply) => run(request, reply, (trx) => setRateTable(trx, request.params.id, request.params.service, request.body)));

  app.get('/carriers/:id/services/:service/rate-table', {
    config: { permission: 'carrier:read' },
    schema: { tags, summary: 'Read a service\'s rate table', params: ServiceParams, response: { 200: RateTable } },
  }, async (request) => getRateTable(db, request.params.id, request.params.service));

  registerRateRoutes(app, { db });
}

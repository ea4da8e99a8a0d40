/** Carriers and their service levels (the fulfilment module's first piece: rates and labels come with it). */
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { Carrier, CarrierInput } from './carrier.js';
import { listCarriers, toCarrier } from './carrier.repository.js';
import { upsertCarrier } from './save-carrier.js';

export function registerCarrierRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  const tags = ['fulfillment'];
  app.put('/carriers', {
    config: { permission: 'carrier:write' },
    schema: { tags, summary: 'Create or replace a carrier by code', body: CarrierInput, response: { 200: Carrier } },
  }, (request, reply) => run(request, reply, async (trx) => {
    const carrier = await upsertCarrier(trx, request.body);
    return { created: false, value: carrier, audit: { action: 'carrier.saved', entityType: 'carrier', entityId: carrier.id } };
  }));

  app.get('/carriers', {
    config: { permission: 'carrier:read' },
    schema: { tags, summary: 'List carriers', response: { 200: Type.Object({ data: Type.Array(Carrier) }) } },
  }, async () => ({ data: (await listCarriers(db)).map(toCarrier) }));
}

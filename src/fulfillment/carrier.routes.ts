/** Carriers and their service levels (the fulfilment module's first piece: rates and labels come with it). */
import { Type, type Static } from 'typebox';
import type { App } from '../app.js';
import type { Db, DbOrTrx, Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import type { RunCommand } from '../http/command.js';
import { Code, Id, Name, Nullable, Timestamp } from '../http/schemas.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';

const Service = Type.Object({
  code: Code,
  name: Name,
  transitDays: Type.Integer({ minimum: 0, maximum: 60 }),
}, { additionalProperties: false });

export const CarrierInput = Type.Object({
  code: Code,
  name: Name,
  services: Type.Array(Service, { minItems: 1, maxItems: 50 }),
  trackingUrlTemplate: Type.Optional(Nullable(Type.String({ maxLength: 500, pattern: '^https://.*\\{trackingNumber\\}', description: 'e.g. https://carrier.example/track/{trackingNumber}' }))),
  active: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

const Carrier = Type.Object({
  id: Id, code: Type.String(), name: Type.String(), services: Type.Array(Service),
  trackingUrlTemplate: Nullable(Type.String()), active: Type.Boolean(), createdAt: Timestamp, updatedAt: Timestamp,
});

const select = (db: DbOrTrx) => db.selectFrom('carriers').selectAll();
const toCarrier = (r: Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>) => ({
  id: r.id, code: r.code, name: r.name, services: r.services, trackingUrlTemplate: r.tracking_url_template,
  active: r.active, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
});

/** Creates or replaces a carrier by code. */
export async function upsertCarrier(trx: Trx, input: Static<typeof CarrierInput>) {
  try {
    const row = await trx.insertInto('carriers')
      .values({ id: newId(), code: input.code, name: input.name, services: JSON.stringify(input.services), tracking_url_template: input.trackingUrlTemplate ?? null, active: input.active ?? true })
      .onConflict((oc) => oc.column('code').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'), services: eb.ref('excluded.services'), tracking_url_template: eb.ref('excluded.tracking_url_template'),
        active: eb.ref('excluded.active'), updated_at: new Date(),
      })))
      .returningAll().executeTakeFirstOrThrow();
    return toCarrier(row);
  } catch (e) {
    if (isPgError(e, pgCode.checkViolation)) throw new AppError('validation_failed', 'trackingUrlTemplate must be an https URL containing {trackingNumber}');
    throw e;
  }
}

export function registerCarrierRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  const tags = ['fulfillment'];
  app.put('/carriers', {
    config: { permission: 'carrier:write' },
    schema: { tags, summary: 'Create or replace a carrier by code', body: CarrierInput, response: { 200: Carrier } },
  }, (request, reply) => run(request, reply, async (trx) => {
    const carrier = await upsertCarrier(trx, request.body);
    return { status: 200, body: carrier, audit: { action: 'carrier.saved', entityType: 'carrier', entityId: carrier.id } };
  }));

  app.get('/carriers', {
    config: { permission: 'carrier:read' },
    schema: { tags, summary: 'List carriers', response: { 200: Type.Object({ data: Type.Array(Carrier) }) } },
  }, async () => ({ data: (await select(db).orderBy('code').execute()).map(toCarrier) }));
}

/** SQL for carriers and their services. */
import { sql, type Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { codeOrId } from '../db/refs.js';
import type { Carriers, CarrierServices } from '../db/types.js';
import { newId } from '../shared/ids.js';
import type { Carrier, CarrierAdapterKind, CarrierInput, CarrierPatch, Service, ServiceInput } from './carrier.js';
import { serviceDays } from './carrier.js';

export type CarrierRow = Selectable<Carriers>;
export type ServiceRow = Selectable<CarrierServices> & { has_rate_table: boolean };

export const toService = (s: ServiceRow): Service => ({
  code: s.code, name: s.name, transitDays: s.transit_days_max, transitDaysMin: s.transit_days_min, transitDaysMax: s.transit_days_max,
  dimFactor: s.dim_factor, active: s.active, hasRateTable: s.has_rate_table,
});

export const toCarrier = (r: CarrierRow, services: readonly ServiceRow[]): Carrier => ({
  id: r.id, code: r.code, name: r.name, services: services.filter((s) => s.carrier_id === r.id).map(toService),
  trackingUrlTemplate: r.tracking_url_template, active: r.active, adapter: r.adapter as CarrierAdapterKind, version: r.version,
  createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
});

/**
 * Carriers, services and rate tables are cached by every process for capture (rate-book.ts): each change gives the
 * catalogue a new version in the changing transaction, and a process reloads when the version it sees is another.
 */
export async function bumpRateCatalog(trx: Trx): Promise<void> {
  await sql`UPDATE rate_catalog SET version = gen_random_uuid()`.execute(trx);
}

export async function insertCarrierRow(trx: Trx, id: string, input: CarrierInput): Promise<CarrierRow> {
  return trx.insertInto('carriers')
    .values({ id, code: input.code, name: input.name, tracking_url_template: input.trackingUrlTemplate ?? null, active: input.active ?? true, adapter: input.adapter ?? 'rate-table' })
    .returningAll().executeTakeFirstOrThrow();
}

/** Creates or replaces a carrier by code. */
export async function upsertCarrierRow(trx: Trx, id: string, input: CarrierInput): Promise<CarrierRow> {
  return trx.insertInto('carriers')
    .values({ id, code: input.code, name: input.name, tracking_url_template: input.trackingUrlTemplate ?? null, active: input.active ?? true, adapter: input.adapter ?? 'rate-table' })
    .onConflict((oc) => oc.column('code').doUpdateSet((eb) => ({
      name: eb.ref('excluded.name'), tracking_url_template: eb.ref('excluded.tracking_url_template'),
      active: eb.ref('excluded.active'), adapter: eb.ref('excluded.adapter'), version: sql`carriers.version + 1`, updated_at: new Date(),
    })))
    .returningAll().executeTakeFirstOrThrow();
}

export async function updateCarrierRow(trx: Trx, id: string, patch: Omit<CarrierPatch, 'services'>, expectedVersion?: number): Promise<CarrierRow | undefined> {
  let q = trx.updateTable('carriers').set({
    name: patch.name, tracking_url_template: patch.trackingUrlTemplate, active: patch.active, adapter: patch.adapter,
    version: sql`version + 1`, updated_at: sql`now()`,
  }).where('id', '=', id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  return q.returningAll().executeTakeFirst();
}

/**
 * Adds or changes services by code. With `deactivateOthers` (a carrier replaced whole), services not named are
 * deactivated, never deleted: their rate tables and the shipments that name them stay.
 */
export async function upsertServices(trx: Trx, carrierId: string, services: readonly ServiceInput[], opts: { deactivateOthers: boolean }): Promise<void> {
  const rows = services.map((s, i) => {
    const days = serviceDays(s, '');
    return {
      id: newId(), carrier_id: carrierId, code: s.code, name: s.name, transit_days_min: days.min, transit_days_max: days.max,
      dim_factor: s.dimFactor ?? null, active: s.active ?? true, position: i, dim_given: s.dimFactor !== undefined,
    };
  });
  if (rows.length > 0) {
    await trx.insertInto('carrier_services')
      .values(rows.map(({ dim_given: _given, ...r }) => r))
      .onConflict((oc) => oc.columns(['carrier_id', 'code']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'), transit_days_min: eb.ref('excluded.transit_days_min'), transit_days_max: eb.ref('excluded.transit_days_max'),
        active: eb.ref('excluded.active'), position: eb.ref('excluded.position'), updated_at: new Date(),
        // A service written without dimFactor keeps the one it has.
        dim_factor: sql`CASE WHEN excluded.code = ANY(${rows.filter((r) => r.dim_given).map((r) => r.code)}::text[]) THEN excluded.dim_factor ELSE carrier_services.dim_factor END`,
      })))
      .execute();
  }
  if (opts.deactivateOthers) {
    await trx.updateTable('carrier_services').set({ active: false, updated_at: new Date() })
      .where('carrier_id', '=', carrierId).where('code', 'not in', services.map((s) => s.code)).where('active', '=', true).execute();
  }
}

export async function listServices(db: DbOrTrx, carrierIds: readonly string[]): Promise<ServiceRow[]> {
  if (carrierIds.length === 0) return [];
  return db.selectFrom('carrier_services as s')
    .selectAll('s')
    .select(sql<boolean>`EXISTS (SELECT 1 FROM rate_tables t WHERE t.service_id = s.id)`.as('has_rate_table'))
    .where('s.carrier_id', 'in', carrierIds)
    .orderBy('s.carrier_id').orderBy('s.position').orderBy('s.code')
    .execute();
}

export async function listCarriers(db: DbOrTrx): Promise<CarrierRow[]> {
  return db.selectFrom('carriers').selectAll().orderBy('code').execute();
}

export async function findCarrierRow(db: DbOrTrx, ref: string): Promise<CarrierRow | undefined> {
  return db.selectFrom('carriers').selectAll().where(codeOrId(ref)).executeTakeFirst();
}

/** The carrier a reference names (its code or its id), with its services as `{ code, name, transitDays, active }`. */
export async function findCarrierByRef(db: DbOrTrx, ref: string): Promise<(CarrierRow & { services: Service[] }) | undefined> {
  const row = await findCarrierRow(db, ref);
  if (!row) return undefined;
  return { ...row, services: (await listServices(db, [row.id])).map(toService) };
}

/** A carrier as the API shows it. */
export async function loadCarrier(db: DbOrTrx, row: CarrierRow): Promise<Carrier> {
  return toCarrier(row, await listServices(db, [row.id]));
}

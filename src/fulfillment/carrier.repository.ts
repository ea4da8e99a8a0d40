/** SQL for carriers. */
import type { Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { codeOrId } from '../db/refs.js';
import type { Carriers } from '../db/types.js';
import type { Carrier, CarrierInput } from './carrier.js';

type CarrierRow = Selectable<Carriers>;

export const toCarrier = (r: CarrierRow): Carrier => ({
  id: r.id, code: r.code, name: r.name, services: r.services, trackingUrlTemplate: r.tracking_url_template,
  active: r.active, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
});

/** Creates or replaces a carrier by code. */
export async function upsertCarrierRow(trx: Trx, id: string, input: CarrierInput): Promise<CarrierRow> {
  return trx.insertInto('carriers')
    .values({ id, code: input.code, name: input.name, services: JSON.stringify(input.services), tracking_url_template: input.trackingUrlTemplate ?? null, active: input.active ?? true })
    .onConflict((oc) => oc.column('code').doUpdateSet((eb) => ({
      name: eb.ref('excluded.name'), services: eb.ref('excluded.services'), tracking_url_template: eb.ref('excluded.tracking_url_template'),
      active: eb.ref('excluded.active'), updated_at: new Date(),
    })))
    .returningAll().executeTakeFirstOrThrow();
}

export async function listCarriers(db: DbOrTrx): Promise<CarrierRow[]> {
  return db.selectFrom('carriers').selectAll().orderBy('code').execute();
}

/** The carrier a reference names (its code or its id). */
export async function findCarrierByRef(db: DbOrTrx, ref: string): Promise<CarrierRow | undefined> {
  return db.selectFrom('carriers').selectAll().where(codeOrId(ref)).executeTakeFirst();
}

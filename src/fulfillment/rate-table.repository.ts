/** SQL for rate tables, and the whole rate book (every service with its table) in one statement. */
import { sql, type Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import type { RateTables } from '../db/types.js';
import type { RateBook, RatedService } from './rate.js';
import type { Pricing, RateTable, RateTableInput } from './rate-table.js';

type RateTableRow = Selectable<RateTables>;

export const toRateTable = (carrier: string, service: string, r: RateTableRow): RateTable => ({
  carrier, service, currency: r.currency, pricing: r.pricing as Pricing, maxWeightGrams: r.max_weight_grams, zones: r.zones,
  version: r.version, updatedAt: r.updated_at.toISOString(),
});

export async function upsertRateTable(trx: Trx, serviceId: string, t: RateTableInput): Promise<RateTableRow> {
  return trx.insertInto('rate_tables')
    .values({ service_id: serviceId, currency: t.currency, pricing: t.pricing, zones: JSON.stringify(t.zones), max_weight_grams: t.maxWeightGrams ?? null })
    .onConflict((oc) => oc.column('service_id').doUpdateSet((eb) => ({
      currency: eb.ref('excluded.currency'), pricing: eb.ref('excluded.pricing'), zones: eb.ref('excluded.zones'), max_weight_grams: eb.ref('excluded.max_weight_grams'),
      version: sql`rate_tables.version + 1`, updated_at: new Date(),
    })))
    .returningAll().executeTakeFirstOrThrow();
}

export async function findRateTable(db: DbOrTrx, serviceId: string): Promise<RateTableRow | undefined> {
  return db.selectFrom('rate_tables').selectAll().where('service_id', '=', serviceId).executeTakeFirst();
}

/** Every service of every carrier with its rate table, and the catalogue version they belong to. */
export async function readRateBook(db: DbOrTrx): Promise<RateBook> {
  const { rows } = await sql<{ version: string; services: RatedService[] | null }>`
    SELECT (SELECT version::text || '@' || current_database() FROM rate_catalog) AS version,
      (SELECT json_agg(json_build_object(
          'carrier', c.code, 'carrierName', c.name, 'service', s.code, 'serviceName', s.name, 'adapter', c.adapter,
          'active', c.active AND s.active, 'transitDaysMin', s.transit_days_min, 'transitDaysMax', s.transit_days_max,
          'dimFactor', s.dim_factor,
          'table', CASE WHEN t.service_id IS NULL THEN NULL
                   ELSE json_build_object('currency', t.currency, 'pricing', t.pricing, 'zones', t.zones, 'maxWeightGrams', t.max_weight_grams) END)
        ORDER BY c.code, s.position, s.code)
       FROM carriers c JOIN carrier_services s ON s.carrier_id = c.id LEFT JOIN rate_tables t ON t.service_id = s.id) AS services
  `.execute(db);
  const row = rows[0];
  return {
    version: row?.version ?? '',
    services: row?.services ?? [],
  };
}

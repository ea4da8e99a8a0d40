/** Setting a service's rate table: checked whole (schema, then the rules a schema cannot say), then written. */
import type { Trx } from '../db/database.js';
import type { CommandResult } from '../db/command.js';
import type { DbOrTrx } from '../db/database.js';
import { AppError, notFound } from '../shared/errors.js';
import { bumpRateCatalog, findCarrierRow, type CarrierRow } from './carrier.repository.js';
import { rateTableProblems, type RateTable, type RateTableInput } from './rate-table.js';
import { findRateTable, toRateTable, upsertRateTable } from './rate-table.repository.js';

/** The carrier and its service a path names, or a 404 saying which is unknown. */
export async function findService(db: DbOrTrx, carrierRef: string, serviceCode: string): Promise<{ carrier: CarrierRow; serviceId: string }> {
  const carrier = await findCarrierRow(db, carrierRef);
  if (!carrier) throw new AppError('not_found', `unknown carrier "${carrierRef}"; see GET /v1/carriers`, { entity: 'carrier', id: carrierRef });
  const service = await db.selectFrom('carrier_services').select('id').where('carrier_id', '=', carrier.id).where('code', '=', serviceCode).executeTakeFirst();
  if (!service) throw new AppError('not_found', `carrier ${carrier.code} has no service "${serviceCode}"; add it with PATCH /v1/carriers/${carrier.code}`, { entity: 'service', id: serviceCode });
  return { carrier, serviceId: service.id };
}

export async function setRateTable(trx: Trx, carrierRef: string, serviceCode: string, input: RateTableInput): Promise<CommandResult<RateTable>> {
  const { carrier, serviceId } = await findService(trx, carrierRef, serviceCode);
  const problems = rateTableProblems(input);
  if (problems.length > 0) {
    throw new AppError('validation_failed', `the rate table is not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { errors: problems });
  }
  const row = await upsertRateTable(trx, serviceId, input);
  await bumpRateCatalog(trx);
  return {
    created: row.version === 1, value: toRateTable(carrier.code, serviceCode, row),
    audit: { action: 'rate_table.saved', entityType: 'carrier', entityId: carrier.id, details: { service: serviceCode, zones: input.zones.length, version: row.version } },
  };
}

export async function getRateTable(db: DbOrTrx, carrierRef: string, serviceCode: string): Promise<RateTable> {
  const { carrier, serviceId } = await findService(db, carrierRef, serviceCode);
  const row = await findRateTable(db, serviceId);
  if (!row) throw notFound('rate table of service', `${carrier.code}/${serviceCode}`);
  return toRateTable(carrier.code, serviceCode, row);
}

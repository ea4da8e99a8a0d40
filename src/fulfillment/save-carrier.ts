/** Creating, replacing and changing carriers with their services. Every change moves the rate catalogue's version. */
import type { Trx } from '../db/database.js';
import type { CommandResult } from '../db/command.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { AppError, missingOrConflict } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { serviceListProblems, type Carrier, type CarrierInput, type CarrierPatch } from './carrier.js';
import {
  bumpRateCatalog, findCarrierRow, insertCarrierRow, loadCarrier, updateCarrierRow, upsertCarrierRow, upsertServices,
} from './carrier.repository.js';

function checkServices(services: CarrierInput['services'] | undefined): void {
  if (!services) return;
  const problems = serviceListProblems(services, '/body/services');
  if (problems.length > 0) throw new AppError('validation_failed', problems.map((p) => `${p.path}: ${p.message}`).join('; '), { errors: problems });
}

const urlProblem = (e: unknown): never => {
  if (isPgError(e, pgCode.checkViolation)) throw new AppError('validation_failed', 'trackingUrlTemplate must be an https URL containing {trackingNumber}');
  throw e;
};

/** Creates or replaces a carrier by code (PUT /v1/carriers): services not listed are deactivated, never deleted. */
export async function upsertCarrier(trx: Trx, input: CarrierInput): Promise<Carrier> {
  checkServices(input.services);
  const row = await upsertCarrierRow(trx, newId(), input).catch(urlProblem);
  await upsertServices(trx, row.id, input.services, { deactivateOthers: true });
  await bumpRateCatalog(trx);
  return loadCarrier(trx, row);
}

/** Creates a carrier (POST /v1/carriers); its code must be new. */
export async function createCarrier(trx: Trx, input: CarrierInput): Promise<CommandResult<Carrier>> {
  checkServices(input.services);
  const row = await insertCarrierRow(trx, newId(), input).catch((e: unknown) => {
    if (isPgError(e, pgCode.uniqueViolation)) throw new AppError('already_exists', `a carrier with code "${input.code}" already exists; change it with PATCH /v1/carriers/${input.code}`);
    return urlProblem(e);
  });
  await upsertServices(trx, row.id, input.services, { deactivateOthers: false });
  await bumpRateCatalog(trx);
  const carrier = await loadCarrier(trx, row);
  return { created: true, value: carrier, audit: { action: 'carrier.created', entityType: 'carrier', entityId: carrier.id } };
}

/** Changes some fields of a carrier; `services` are added or changed by code. */
export async function changeCarrier(trx: Trx, ref: string, patch: CarrierPatch, expectedVersion?: number): Promise<CommandResult<Carrier>> {
  checkServices(patch.services);
  const current = await findCarrierRow(trx, ref);
  if (!current) throw missingOrConflict('carrier', ref, undefined, expectedVersion);
  const { services, ...fields } = patch;
  const row = await updateCarrierRow(trx, current.id, fields, expectedVersion).catch(urlProblem);
  if (!row) throw missingOrConflict('carrier', ref, current, expectedVersion);
  if (services) await upsertServices(trx, row.id, services, { deactivateOthers: false });
  await bumpRateCatalog(trx);
  const carrier = await loadCarrier(trx, row);
  return { created: false, value: carrier, audit: { action: 'carrier.updated', entityType: 'carrier', entityId: carrier.id, details: { fields: Object.keys(patch) } } };
}

/** The location use cases: create, change, and bulk upsert by code. */
import type { Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import type { CommandResult } from '../db/command.js';
import { publishSignals } from '../inventory/index.js';
import { resourceAwayFrom } from '../order/index.js';
import { findRepeats, summariseUpsert, type BulkSummary } from '../shared/bulk.js';
import { AppError, missingOrConflict, type FieldError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Location, LocationInput, LocationPatch } from './location.js';
import { findLocationById, insertLocation, toLocation, updateLocation, upsertLocations } from './location.repository.js';

/** A time zone sourcing can read the local time in (the database and Intl share the IANA names). */
function checkTimeZone(tz: string | null | undefined, path: string): FieldError[] {
  if (!tz) return [];
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return [];
  } catch {
    return [{ path, message: `unknown time zone "${tz}"; use an IANA name such as Asia/Shanghai or Europe/Berlin` }];
  }
}

function refuseBadTimeZones(errors: FieldError[]): void {
  if (errors.length > 0) throw new AppError('validation_failed', errors.map((e) => e.message).join('; '), { errors });
}

export async function createLocation(trx: Trx, input: LocationInput): Promise<CommandResult<Location>> {
  refuseBadTimeZones(checkTimeZone(input.timeZone, '/body/timeZone'));
  try {
    const location = toLocation(await insertLocation(trx, newId(), input));
    return { created: true, value: location, audit: { action: 'location.created', entityType: 'location', entityId: location.id } };
  } catch (e) {
    if (isPgError(e, pgCode.uniqueViolation)) {
      throw new AppError('already_exists', `a location with code "${input.code}" already exists; change it with PATCH /v1/locations/{id}`);
    }
    throw e;
  }
}

export async function changeLocation(trx: Trx, id: string, patch: LocationPatch, expectedVersion?: number): Promise<CommandResult<Location>> {
  refuseBadTimeZones(checkTimeZone(patch.timeZone, '/body/timeZone'));
  const row = await updateLocation(trx, id, patch, expectedVersion);
  if (!row) {
    throw missingOrConflict('location', id, await findLocationById(trx, id), expectedVersion);
  }
  // Opening or closing a location moves the ATP of what it stocks without touching stock, so no trigger publishes it.
  if (patch.active !== undefined) {
    const pairs = await trx.selectFrom('stock_levels').select(['sku_id as skuId', 'location_id as locationId']).where('location_id', '=', id).execute();
    await publishSignals(trx, pairs);
  }
  // A closed location ships nothing more: the orders reserved there are sourced again over the others (docs/sourcing.md).
  const moved = patch.active === false ? await resourceAwayFrom(trx, id, `location ${row.code} closed`) : 0;
  return { created: false, value: toLocation(row), audit: { action: 'location.updated', entityType: 'location', entityId: id, details: { fields: Object.keys(patch), ...(moved > 0 && { ordersSourcedAgain: moved }) } } };
}

export async function upsertLocationBatch(trx: Trx, items: LocationInput[]): Promise<CommandResult<BulkSummary<Location>>> {
  const errors: FieldError[] = [];
  findRepeats(items, 'code', (item) => item.code, errors);
  items.forEach((item, i) => errors.push(...checkTimeZone(item.timeZone, `/body/items/${i}/timeZone`)));
  if (errors.length > 0) {
    throw new AppError('bulk_rejected', `${errors.length} problem(s) in the items; nothing was written. Fix them and send the whole batch again`, { errors });
  }
  const changed = await upsertLocations(trx, items.map((input) => ({ id: newId(), input })));
  const body = summariseUpsert(items.map((i) => i.code), changed, toLocation);
  return {
    created: false,
    value: body,
    audit: { action: 'location.bulk_upserted', entityType: 'location', entityId: null, details: { created: body.created, updated: body.updated, count: items.length } },
  };
}

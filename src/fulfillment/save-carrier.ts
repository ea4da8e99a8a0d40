/** Creating or replacing a carrier by code. */
import type { Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Carrier, CarrierInput } from './carrier.js';
import { toCarrier, upsertCarrierRow } from './carrier.repository.js';

export async function upsertCarrier(trx: Trx, input: CarrierInput): Promise<Carrier> {
  try {
    return toCarrier(await upsertCarrierRow(trx, newId(), input));
  } catch (e) {
    if (isPgError(e, pgCode.checkViolation)) throw new AppError('validation_failed', 'trackingUrlTemplate must be an https URL containing {trackingNumber}');
    throw e;
  }
}

import type { Trx } from '../db/database.js';
import type { CommandResult } from '../db/command.js';
import { AppError, missingOrConflict } from '../shared/errors.js';
import { skuUniqueViolation } from './create-sku.js';
import { checkSku, type Sku, type SkuPatch } from './sku.js';
import { findSkuById, toSku, updateSku } from './sku.repository.js';

/** Changes some fields of a SKU. With `expectedVersion` (If-Match), a concurrent change makes this a 409. */
export async function changeSku(trx: Trx, id: string, patch: SkuPatch, expectedVersion?: number): Promise<CommandResult<Sku>> {
  const errors = checkSku(patch);
  if (errors.length > 0) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  let row;
  try {
    row = await updateSku(trx, id, patch, expectedVersion);
  } catch (e) {
    throw skuUniqueViolation(e, patch) ?? e;
  }
  if (!row) {
    throw missingOrConflict('SKU', id, await findSkuById(trx, id), expectedVersion);
  }
  return { created: false, value: toSku(row), audit: { action: 'sku.updated', entityType: 'sku', entityId: id, details: { fields: Object.keys(patch) } } };
}

import type { Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import type { CommandResult } from '../db/command.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { checkSku, type Sku, type SkuInput } from './sku.js';
import { insertSku, toSku } from './sku.repository.js';

export async function createSku(trx: Trx, input: SkuInput): Promise<CommandResult<Sku>> {
  const errors = checkSku(input);
  if (errors.length > 0) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  try {
    const sku = toSku(await insertSku(trx, newId(), input));
    return { created: true, value: sku, audit: { action: 'sku.created', entityType: 'sku', entityId: sku.id } };
  } catch (e) {
    throw skuUniqueViolation(e, input) ?? e;
  }
}

/** Turns a clash on a unique column into an error that names the value, or returns undefined for other errors. */
export function skuUniqueViolation(e: unknown, input: { code?: string; barcode?: string | null }): AppError | undefined {
  if (!isPgError(e, pgCode.uniqueViolation)) return undefined;
  if (e.constraint === 'skus_code_key') {
    return new AppError('already_exists', `a SKU with code "${input.code}" already exists; update it with PATCH /v1/skus/{id}, or use POST /v1/skus/bulk to upsert`);
  }
  if (e.constraint === 'skus_barcode_key') {
    return new AppError('already_exists', `another SKU already has barcode "${input.barcode}"; barcodes are unique`);
  }
  return undefined;
}

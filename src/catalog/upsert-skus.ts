import type { Trx } from '../db/database.js';
import type { CommandResult } from '../db/command.js';
import { AppError, type FieldError } from '../shared/errors.js';
import { findRepeats, summariseUpsert, type BulkSummary } from '../shared/bulk.js';
import { newId } from '../shared/ids.js';
import { checkSku, type Sku, type SkuInput } from './sku.js';
import { findBarcodeOwners, toSku, upsertSkus } from './sku.repository.js';

/**
 * Creates or replaces up to 1,000 SKUs by code, all or nothing: if any item is invalid, nothing is written and the
 * answer lists every invalid item by its index.
 */
export async function upsertSkuBatch(trx: Trx, items: SkuInput[]): Promise<CommandResult<BulkSummary<Sku>>> {
  const errors: FieldError[] = items.flatMap((item, i) => checkSku(item, `/body/items/${i}`));
  findRepeats(items, 'code', (item) => item.code, errors);
  const barcodes = findRepeats(items, 'barcode', (item) => item.barcode, errors);
  const owners = await findBarcodeOwners(trx, [...barcodes.keys()]);
  for (const [barcode, i] of barcodes) {
    const owner = owners.get(barcode);
    if (owner !== undefined && owner !== items[i]?.code) {
      errors.push({ path: `/body/items/${i}/barcode`, message: `"${barcode}" belongs to SKU ${owner}` });
    }
  }
  if (errors.length > 0) {
    throw new AppError('bulk_rejected', `${errors.length} problem(s) in the items; nothing was written. Fix them and send the whole batch again`, { errors });
  }
  const changed = await upsertSkus(trx, items.map((input) => ({ id: newId(), input })));
  const body = summariseUpsert(items.map((i) => i.code), changed, toSku);
  return {
    created: false,
    value: body,
    audit: { action: 'sku.bulk_upserted', entityType: 'sku', entityId: null, details: { created: body.created, updated: body.updated, count: items.length } },
  };
}

/** SKUs as a table: one row per SKU, written through the catalog's bulk upsert (by code). */
import { SkuInput, upsertSkuBatch } from '../catalog/index.js';
import { keysetPages } from './keyset.js';
import { Cells, defined, bulkUpsertWrite, schemaProblems, type RowProblem, type TableEntity } from './table-entity.js';

const columns = ['code', 'name', 'barcode', 'weightGrams', 'lengthMm', 'widthMm', 'heightMm', 'priceMinor', 'currency', 'active', 'attributes'] as const;

const renamed: Record<string, string> = { amountMinor: 'priceMinor', price: 'priceMinor', dimensions: 'lengthMm' };
const columnOf = (path: string) => {
  const last = path.split('/').filter(Boolean);
  if (last[0] === 'attributes') return 'attributes';
  const name = last.at(-1) ?? 'row';
  return renamed[name] ?? name;
};

export const skuTable: TableEntity<SkuInput> = {
  name: 'skus',
  columns,
  required: ['code', 'name'],
  chunkSize: 1000,
  parse(values, row) {
    const c = new Cells(values, row);
    const length = c.int('lengthMm');
    const width = c.int('widthMm');
    const height = c.int('heightMm');
    const dims = [length, width, height].filter((d) => d !== undefined).length;
    if (dims !== 0 && dims !== 3) c.problem(length === undefined ? 'lengthMm' : width === undefined ? 'widthMm' : 'heightMm', 'give all three dimensions (lengthMm, widthMm, heightMm) or none');
    const amountMinor = c.int('priceMinor');
    const currency = c.text('currency')?.trim();
    if ((amountMinor === undefined) !== (currency === undefined)) c.problem(amountMinor === undefined ? 'priceMinor' : 'currency', 'a price needs both priceMinor and currency');
    const input = defined({
      code: c.text('code')?.trim(),
      name: c.text('name'),
      barcode: c.text('barcode')?.trim(),
      weightGrams: c.int('weightGrams'),
      dimensions: dims === 3 ? { lengthMm: length, widthMm: width, heightMm: height } : undefined,
      price: amountMinor !== undefined && currency !== undefined ? { amountMinor, currency } : undefined,
      active: c.bool('active'),
      attributes: c.json('attributes'),
    });
    const problems: RowProblem[] = [...c.problems, ...schemaProblems(SkuInput, input, row, columnOf).filter((p) => !c.problems.some((q) => q.column === p.column))];
    return problems.length > 0 ? problems : (input as SkuInput);
  },
  write: bulkUpsertWrite(upsertSkuBatch, columnOf),
  async *exportRows(db) {
    // A read of the whole catalog in code order, like a report: the catalog's list reads one page for the API.
    const rows = keysetPages((after: string | undefined, limit) => {
      let q = db.selectFrom('skus').selectAll().orderBy('code').limit(limit);
      if (after !== undefined) q = q.where('code', '>', after);
      return q.execute();
    }, (r) => r.code);
    for await (const r of rows) {
      yield [r.code, r.name, r.barcode, r.weight_grams, r.length_mm, r.width_mm, r.height_mm, r.price_minor, r.currency, r.active,
        Object.keys(r.attributes).length > 0 ? JSON.stringify(r.attributes) : null];
    }
  },
};

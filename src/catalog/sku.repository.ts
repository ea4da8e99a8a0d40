/** SQL for SKUs: plain functions over a Db or a transaction. */
import { sql, type Selectable } from 'kysely';
import { codeOrId } from '../db/refs.js';
import type { DbOrTrx, Trx } from '../db/database.js';
import type { Skus } from '../db/types.js';
import type { Sku, SkuInput, SkuPatch } from './sku.js';

type SkuRow = Selectable<Skus>;

export function toSku(row: SkuRow): Sku {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    barcode: row.barcode,
    weightGrams: row.weight_grams,
    dimensions: row.length_mm === null ? null
      : { lengthMm: row.length_mm, widthMm: row.width_mm ?? 0, heightMm: row.height_mm ?? 0 },
    price: row.price_minor === null || row.currency === null ? null : { amountMinor: row.price_minor, currency: row.currency },
    active: row.active,
    attributes: row.attributes,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Column values of a SKU as given; `undefined` leaves a column as it is (on update) or at its default (insert). */
function columns(input: Partial<SkuInput>) {
  return {
    name: input.name,
    barcode: input.barcode,
    weight_grams: input.weightGrams,
    ...(input.dimensions !== undefined && {
      length_mm: input.dimensions?.lengthMm ?? null,
      width_mm: input.dimensions?.widthMm ?? null,
      height_mm: input.dimensions?.heightMm ?? null,
    }),
    ...(input.price !== undefined && {
      price_minor: input.price?.amountMinor ?? null,
      currency: input.price?.currency ?? null,
    }),
    active: input.active,
    attributes: input.attributes === undefined ? undefined : JSON.stringify(input.attributes),
  };
}

export async function insertSku(trx: Trx, id: string, input: SkuInput): Promise<SkuRow> {
  return trx
    .insertInto('skus')
    .values({ id, code: input.code, ...columns(input), name: input.name, attributes: JSON.stringify(input.attributes ?? {}) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateSku(trx: Trx, id: string, patch: SkuPatch, expectedVersion?: number): Promise<SkuRow | undefined> {
  let q = trx
    .updateTable('skus')
    .set({ ...columns(patch), version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  return q.returningAll().executeTakeFirst();
}

export async function findSkuById(db: DbOrTrx, id: string): Promise<SkuRow | undefined> {
  return db.selectFrom('skus').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The SKU a reference names (its code or its id). */
export async function findSkuByRef(db: DbOrTrx, ref: string): Promise<SkuRow | undefined> {
  return db.selectFrom('skus').selectAll().where(codeOrId(ref)).executeTakeFirst();
}

export async function findBarcodeOwners(db: DbOrTrx, barcodes: string[]): Promise<Map<string, string>> {
  if (barcodes.length === 0) return new Map();
  const rows = await db.selectFrom('skus').select(['code', 'barcode']).where('barcode', 'in', barcodes).execute();
  return new Map(rows.map((r) => [r.barcode ?? '', r.code]));
}

export interface SkuFilter {
  code?: string;
  barcode?: string;
  active?: boolean;
  /** Case-insensitive prefix of the name or the code. */
  q?: string;
  afterCode?: string;
  limit: number;
}

export async function listSkus(db: DbOrTrx, f: SkuFilter): Promise<SkuRow[]> {
  let q = db.selectFrom('skus').selectAll().orderBy('code').limit(f.limit);
  if (f.code !== undefined) q = q.where('code', '=', f.code);
  if (f.barcode !== undefined) q = q.where('barcode', '=', f.barcode);
  if (f.active !== undefined) q = q.where('active', '=', f.active);
  if (f.q !== undefined) {
    const prefix = `${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb(sql`lower(name)`, 'like', prefix), eb(sql`lower(code)`, 'like', prefix)]));
  }
  if (f.afterCode !== undefined) q = q.where('code', '>', f.afterCode);
  return q.execute();
}

/**
 * Inserts or replaces many SKUs by code in one statement. An item is the whole SKU as the sender knows it (fields
 * it leaves out are reset). Rows whose values do not change are left alone (no version bump) and not returned.
 */
export async function upsertSkus(trx: Trx, items: { id: string; input: SkuInput }[]): Promise<(SkuRow & { inserted: boolean })[]> {
  const payload = items.map(({ id, input }) => ({
    id,
    code: input.code,
    name: input.name,
    barcode: input.barcode ?? null,
    weight_grams: input.weightGrams ?? null,
    length_mm: input.dimensions?.lengthMm ?? null,
    width_mm: input.dimensions?.widthMm ?? null,
    height_mm: input.dimensions?.heightMm ?? null,
    price_minor: input.price?.amountMinor ?? null,
    currency: input.price?.currency ?? null,
    active: input.active ?? true,
    attributes: input.attributes ?? {},
  }));
  const result = await sql<SkuRow & { inserted: boolean }>`
    INSERT INTO skus (id, code, name, barcode, weight_grams, length_mm, width_mm, height_mm, price_minor, currency, active, attributes)
    SELECT x.id, x.code, x.name, x.barcode, x.weight_grams, x.length_mm, x.width_mm, x.height_mm, x.price_minor,
           x.currency, x.active, x.attributes
    FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) AS x(
      id uuid, code text, name text, barcode text, weight_grams int, length_mm int, width_mm int, height_mm int,
      price_minor bigint, currency text, active boolean, attributes jsonb)
    ON CONFLICT (code) DO UPDATE SET
      name = excluded.name, barcode = excluded.barcode, weight_grams = excluded.weight_grams,
      length_mm = excluded.length_mm, width_mm = excluded.width_mm, height_mm = excluded.height_mm,
      price_minor = excluded.price_minor, currency = excluded.currency, active = excluded.active,
      attributes = excluded.attributes, version = skus.version + 1, updated_at = now()
    WHERE (skus.name, skus.barcode, skus.weight_grams, skus.length_mm, skus.width_mm, skus.height_mm,
           skus.price_minor, skus.currency, skus.active, skus.attributes)
      IS DISTINCT FROM (excluded.name, excluded.barcode, excluded.weight_grams, excluded.length_mm, excluded.width_mm,
           excluded.height_mm, excluded.price_minor, excluded.currency, excluded.active, excluded.attributes)
    RETURNING *, (xmax = 0) AS inserted
  `.execute(trx);
  return result.rows;
}

/** Pieces shared by the all-or-nothing bulk upserts (SKUs, locations…). */
import type { FieldError } from './errors.js';

/** Reports every item whose `field` repeats an earlier item's value; returns the first index of each value. */
export function findRepeats<T>(items: readonly T[], field: string, value: (item: T) => string | null | undefined, errors: FieldError[]): Map<string, number> {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const v = value(item);
    if (v === null || v === undefined) return;
    const earlier = first.get(v);
    if (earlier === undefined) first.set(v, i);
    else errors.push({ path: `/body/items/${i}/${field}`, message: `"${v}" is also in item ${earlier}; each ${field} once per request` });
  });
  return first;
}

export type BulkItemResult<T> = { code: string; result: 'created' | 'updated' | 'unchanged'; resource?: T };

export interface BulkSummary<T> {
  created: number;
  updated: number;
  unchanged: number;
  items: BulkItemResult<T>[];
}

/** Shapes the answer of a bulk upsert: rows the statement returned were created or updated, the rest unchanged. */
export function summariseUpsert<Row extends { code: string; inserted: boolean }, T>(
  codes: readonly string[],
  changed: readonly Row[],
  toApi: (row: Row) => T,
): BulkSummary<T> {
  const byCode = new Map(changed.map((row) => [row.code, row]));
  const items: BulkItemResult<T>[] = codes.map((code) => {
    const row = byCode.get(code);
    return row ? { code, result: row.inserted ? 'created' : 'updated', resource: toApi(row) } : { code, result: 'unchanged' };
  });
  const created = items.filter((r) => r.result === 'created').length;
  const updated = items.filter((r) => r.result === 'updated').length;
  return { created, updated, unchanged: codes.length - created - updated, items };
}

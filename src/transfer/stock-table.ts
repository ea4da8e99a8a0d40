/**
 * Stock levels as a table: one row per SKU × location with its absolute on-hand number, written through the ERP/WMS
 * sync use case (the ledger records each change as `external_sync` from the import's source). The numbers are
 * recorded as the source `import` unless the caller names another; every row of one import has the import's start as
 * its version, so a pair given twice in a file keeps its first number (the second is reported as ignored).
 * reserved, quarantined and safetyStock are exported for information; an import ignores them.
 */
import { MAX_SYNC_ROWS, resolveRefs, syncStock } from '../inventory/index.js';
import { AppError } from '../shared/errors.js';
import { keysetPages } from './keyset.js';
import { Cells, type RowProblem, type TableEntity } from './table-entity.js';
import { sql } from 'kysely';

interface StockRow { sku: string; location: string; onHand: number }

/** Every change is applied: an import is the number to have, not a report to approve (ERP syncs keep their thresholds). */
const NEVER_HOLD = { units: 0, percent: 0 };

export const stockTable: TableEntity<StockRow> = {
  name: 'stock',
  columns: ['sku', 'location', 'onHand', 'reserved', 'quarantined', 'safetyStock'],
  required: ['sku', 'location', 'onHand'],
  readOnly: ['reserved', 'quarantined', 'safetyStock'],
  chunkSize: MAX_SYNC_ROWS,
  parse(values, row) {
    const c = new Cells(values, row);
    const sku = c.text('sku')?.trim();
    const location = c.text('location')?.trim();
    const onHand = c.int('onHand');
    if (sku === undefined) c.problem('sku', 'required: give the SKU\'s code');
    if (location === undefined) c.problem('location', 'required: give the location\'s code');
    if (onHand === undefined && !c.problems.some((p) => p.column === 'onHand')) c.problem('onHand', 'required: give the units on hand');
    if (onHand !== undefined && (onHand < 0 || onHand > 1_000_000_000)) c.problem('onHand', `${onHand} is not between 0 and 1,000,000,000`);
    return c.problems.length > 0 ? c.problems : { sku: sku as string, location: location as string, onHand: onHand as number };
  },
  async write(trx, units, ctx) {
    const rows = units.map((u) => u.value);
    const problems: RowProblem[] = [];
    try {
      await resolveRefs(trx, { sku: rows.map((r) => r.sku), location: rows.map((r) => r.location) });
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'not_found') throw e;
      const missing = new Set(((e.extra.missing ?? []) as { kind: string; ref: string }[]).map((m) => `${m.kind}:${m.ref}`));
      units.forEach((u) => {
        if (missing.has(`sku:${u.value.sku}`)) problems.push({ row: u.rows[0] as number, column: 'sku', message: `unknown SKU "${u.value.sku}": import the SKUs first, or check the code` });
        if (missing.has(`location:${u.value.location}`)) problems.push({ row: u.rows[0] as number, column: 'location', message: `unknown location "${u.value.location}": import the locations first, or check the code` });
      });
    }
    if (problems.length > 0) return { created: 0, updated: 0, unchanged: 0, problems };
    const version = ctx.startedAt.getTime();
    const result = await syncStock(trx, { source: ctx.source, rows: rows.map((r) => ({ ...r, version })), holdThreshold: NEVER_HOLD }, NEVER_HOLD, ctx.actor);
    const notes = result.value.rows.filter((r) => r.outcome === 'held' || r.outcome === 'ignored').map((r) => ({
      row: units[r.index]?.rows[0] ?? 0,
      column: 'onHand',
      message: r.outcome === 'held' ? `held for approval (${r.reason ?? ''}): ${r.onHand} is below what is reserved; see GET /v1/stock/discrepancies`
        : `ignored (${r.reason ?? ''}): the pair is given earlier in the file`,
    }));
    return { created: 0, updated: result.value.applied, unchanged: result.value.unchanged, problems: [], notes };
  },
  async *exportRows(db) {
    // A read of every stock row in (SKU code, location code) order, like a report.
    const rows = keysetPages((after: [string, string] | undefined, limit) => sql<{ sku: string; location: string; on_hand: number; reserved: number; quarantined: number; safety_stock: number }>`
      SELECT s.code AS sku, l.code AS location, sl.on_hand, sl.reserved, sl.quarantined, sl.safety_stock
      FROM stock_levels sl JOIN skus s ON s.id = sl.sku_id JOIN locations l ON l.id = sl.location_id
      ${after ? sql`WHERE (s.code, l.code) > (${after[0]}, ${after[1]})` : sql``}
      ORDER BY s.code, l.code LIMIT ${limit}`.execute(db).then((r) => r.rows), (r) => [r.sku, r.location] as [string, string]);
    for await (const r of rows) yield [r.sku, r.location, r.on_hand, r.reserved, r.quarantined, r.safety_stock];
  },
};

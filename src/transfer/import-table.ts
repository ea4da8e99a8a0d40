/**
 * Imports a table file into one entity, streaming: rows are read, checked and written a chunk at a time, so memory
 * stays flat at a million rows.
 *
 * All or nothing (the default): the whole import is one transaction. Every row is checked, and the good ones written
 * as it goes (so that a later row is checked against what the earlier ones made), but if any row is bad the
 * transaction is rolled back: nothing is written and the report names every bad row, column and what to fix.
 *
 * keepGood: each chunk commits by itself with its good rows; bad rows are skipped and reported. The report's
 * `lastRow` is the last row committed, so an interrupted import resumes with `fromRow` = lastRow + 1 (the CLI prints
 * it). Re-importing rows is harmless anyway: SKUs and locations upsert by code, customers by e-mail or phone, stock is
 * an absolute number, orders are skipped when their channel and external reference exist.
 */
import type { Readable } from 'node:stream';
import { sql, type ControlledTransaction } from 'kysely';
import { writeAudit } from '../access/index.js';
import type { Db, Trx } from '../db/database.js';
import type { DB } from '../db/types.js';
import { AppError } from '../shared/errors.js';
import { readTable, type ReadOptions, type TableFormat } from './read-table.js';
import type { EntityName, RowProblem, TableEntity, Unit, WriteContext } from './table-entity.js';

/** Problems listed in a report (all are counted). */
export const MAX_LISTED = 1000;

export interface ImportOptions extends ReadOptions {
  keepGood?: boolean;
  /** Skip the data rows before this row number (the header is row 1; the first data row is 2). */
  fromRow?: number;
  /** Stock: the source its numbers are recorded under (default `import`). */
  source?: string;
  actorName: string;
  actorId?: string | null;
  requestId?: string | null;
  /**
   * Runs in the import's last transaction, before it commits (the HTTP route claims the Idempotency-Key there and
   * stores the answer): a throw rolls back what that transaction holds (without keepGood: everything).
   */
  beforeCommit?: (trx: Trx, report: ImportReport) => Promise<void>;
  /** Called after every chunk with the rows read so far and the last row committed (keepGood). */
  onProgress?: (rowsRead: number, lastRow: number) => void;
}

export interface ImportReport {
  entity: EntityName;
  format: TableFormat;
  encoding: string;
  /** Data rows read (after `fromRow`). */
  rows: number;
  /** True when the good rows were committed (always with keepGood; without it only when no row was bad). */
  written: boolean;
  created: number;
  updated: number;
  unchanged: number;
  /** Bad rows (each listed in `problems`, up to 1,000 problems). */
  rejected: number;
  problems: RowProblem[];
  /** Rows written that are worth a look (stock held for approval, a pair given twice). */
  notes: RowProblem[];
  /** The last row committed: resume with fromRow = lastRow + 1. 0 when nothing was committed. */
  lastRow: number;
}

interface Pending<R> { key: string | undefined; rows: { row: number; value: R }[]; bad: boolean }

export async function importTable<R, U>(db: Db, entity: TableEntity<R, U>, input: Readable, opts: ImportOptions): Promise<ImportReport> {
  const table = await readTable(input, opts);
  checkColumns(entity, table.columns);
  const ctx: WriteContext = { actor: opts.actorName, source: opts.source ?? 'import', startedAt: new Date() };
  const report: ImportReport = {
    entity: entity.name, format: table.format, encoding: table.encoding, rows: 0, written: false,
    created: 0, updated: 0, unchanged: 0, rejected: 0, problems: [], notes: [], lastRow: 0,
  };
  const badRows = new Set<number>();
  const problem = (p: RowProblem) => {
    if (!badRows.has(p.row)) {
      badRows.add(p.row);
      report.rejected += 1;
    }
    if (report.problems.length < MAX_LISTED) report.problems.push(p);
  };

  // All or nothing: one transaction for everything; keepGood: one per chunk.
  let whole: ControlledTransaction<DB> | undefined = opts.keepGood ? undefined : await db.startTransaction().execute();
  let chunk: Unit<U>[] = [];
  let pending: Pending<R> | undefined;
  let lastReadRow = 0;

  const writeChunk = async (trx: Trx, units: Unit<U>[]) => {
    // A chunk the use case refuses in part is written again without the refused units (at most a few rounds: a
    // refused unit never comes back).
    let todo = units;
    for (let round = 0; todo.length > 0 && round < 5; round++) {
      await sql`SAVEPOINT import_chunk`.execute(trx);
      const outcome = await entity.write(trx, todo, ctx);
      if (outcome.problems.length === 0) {
        await sql`RELEASE SAVEPOINT import_chunk`.execute(trx);
        report.created += outcome.created;
        report.updated += outcome.updated;
        report.unchanged += outcome.unchanged;
        for (const n of outcome.notes ?? []) if (report.notes.length < MAX_LISTED) report.notes.push(n);
        return;
      }
      await sql`ROLLBACK TO SAVEPOINT import_chunk`.execute(trx);
      const refused = new Set(outcome.problems.map((p) => p.row));
      for (const p of outcome.problems) problem(p);
      todo = todo.filter((u) => !u.rows.some((r) => refused.has(r)));
    }
  };

  // One chunk is written while the next is read and checked (parsing and the database overlap); never more than one
  // in flight, so memory holds at most two chunks.
  let inflight: Promise<void> = Promise.resolve();
  const write = async (units: Unit<U>[]) => {
    const lastRow = units.at(-1)?.rows.at(-1) ?? 0;
    if (whole) {
      await writeChunk(whole, units);
    } else {
      await db.transaction().execute((trx) => writeChunk(trx, units));
      report.lastRow = lastRow;
      report.written = true;
    }
    opts.onProgress?.(report.rows, report.lastRow);
  };
  const flush = async () => {
    await inflight;
    if (chunk.length === 0) return;
    const units = chunk;
    chunk = [];
    inflight = write(units);
    // Awaited at the next flush or at the end; a failure meanwhile must not count as unhandled.
    inflight.catch(() => undefined);
  };

  const close = async (p: Pending<R>) => {
    if (p.bad) return;
    let value: U;
    if (entity.assemble) {
      const assembled = entity.assemble(p.rows);
      if (Array.isArray(assembled)) {
        for (const a of assembled) problem(a);
        return;
      }
      value = assembled;
    } else {
      value = (p.rows[0] as { value: R }).value as unknown as U;
    }
    chunk.push({ rows: p.rows.map((r) => r.row), value });
    if (chunk.length >= entity.chunkSize) await flush();
  };

  try {
    for await (const { row, values, problem: rowProblem } of table.rows) {
      lastReadRow = row;
      if (opts.fromRow !== undefined && row < opts.fromRow) continue;
      report.rows += 1;
      const parsed = rowProblem ? [{ row, column: 'row', message: rowProblem }] : entity.parse(values, row);
      const isBad = Array.isArray(parsed);
      const key = isBad || !entity.key ? undefined : entity.key(parsed);
      // A bad row of a grouped entity spoils its group: it joins the group it names, if it can be told.
      const badKey = isBad && entity.key ? groupKeyOf(values) : undefined;
      const groupKey = key ?? badKey;
      if (pending && (groupKey === undefined || pending.key !== groupKey)) {
        await close(pending);
        pending = undefined;
      }
      if (isBad) {
        for (const p of parsed) problem(p);
        if (badKey !== undefined) {
          if (pending) pending.bad = true;
          else pending = { key: badKey, rows: [], bad: true };
        }
        continue;
      }
      if (!pending) pending = { key, rows: [], bad: false };
      pending.rows.push({ row, value: parsed });
      if (key === undefined) {
        await close(pending);
        pending = undefined;
      }
    }
    if (pending) await close(pending);
    await flush();
    await inflight;
    if (whole) {
      if (report.rejected > 0) {
        await whole.rollback().execute();
        report.created = report.updated = report.unchanged = 0;
        report.notes = [];
      } else {
        await writeAudit(whole, auditEntry(report, opts));
        report.written = true;
        report.lastRow = lastReadRow;
        report.problems.sort((a, b) => a.row - b.row);
        await opts.beforeCommit?.(whole, report);
        await whole.commit().execute();
      }
      whole = undefined;
    } else {
      report.lastRow = lastReadRow;
      report.problems.sort((a, b) => a.row - b.row);
      await db.transaction().execute(async (trx) => {
        await writeAudit(trx, auditEntry(report, opts));
        await opts.beforeCommit?.(trx, report);
      });
    }
    report.problems.sort((a, b) => a.row - b.row);
    return report;
  } catch (e) {
    await inflight.catch(() => undefined);
    if (whole) await whole.rollback().execute().catch(() => undefined);
    if (e instanceof AppError && !opts.keepGood) {
      e.extra.lastRow = 0;
    } else if (e instanceof AppError) {
      // Chunks before the failure are committed: say where to resume.
      e.extra.lastRow = report.lastRow;
      (e as { detail: string }).detail += `; rows up to ${report.lastRow} were imported: resume from row ${report.lastRow + 1}`;
    }
    throw e;
  }
}

/** The group a bad order row belongs to, if its channel and external reference can be read. */
function groupKeyOf(values: Record<string, string>): string | undefined {
  const channel = values.channel?.trim();
  const ref = values.externalRef?.trim();
  return channel && ref ? `${channel}\u0000${ref}` : undefined;
}

function checkColumns(entity: TableEntity<unknown, unknown>, columns: readonly string[]): void {
  const missing = entity.required.filter((c) => !columns.includes(c));
  const unknown = columns.filter((c) => !entity.columns.includes(c));
  const errors = [
    ...missing.map((c) => ({ path: '/body/row/1', message: `column ${c} is missing` })),
    ...unknown.map((c) => ({ path: '/body/row/1', message: `unknown column "${c}"` })),
  ];
  if (errors.length > 0) {
    throw new AppError('validation_failed',
      `the header row (row 1) ${[missing.length > 0 ? `lacks ${missing.join(', ')}` : '', unknown.length > 0 ? `has unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` : ''].filter(Boolean).join(' and ')}: `
      + `the ${entity.name} columns are ${entity.columns.join(',')} (required: ${entity.required.join(', ')}); nothing was imported`, { errors });
  }
}

function auditEntry(report: ImportReport, opts: ImportOptions) {
  return {
    actorId: opts.actorId ?? null, actorName: opts.actorName, action: `${report.entity}.imported`, entityType: report.entity, entityId: null,
    requestId: opts.requestId ?? null,
    details: { format: report.format, encoding: report.encoding, rows: report.rows, created: report.created, updated: report.updated, unchanged: report.unchanged, rejected: report.rejected, keepGood: opts.keepGood ?? false, fromRow: opts.fromRow ?? null },
  };
}

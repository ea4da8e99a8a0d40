/**
 * What an importable and exportable table is: its columns, how one row of text becomes an input (or the problems
 * that name its row and column), how a chunk of inputs is written through the owning module's use case, and how its
 * rows are read for an export.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema } from 'typebox';
import type { Db, Trx } from '../db/database.js';
import { textProblem } from '../http/validation.js';
import type { Cell } from './write-table.js';
import { AppError } from '../shared/errors.js';

export const entityNames = ['skus', 'locations', 'stock', 'customers', 'orders'] as const;
export type EntityName = (typeof entityNames)[number];

export interface RowProblem {
  row: number;
  column: string;
  message: string;
}

/** What one or more rows of the file make: one SKU, or one order from its line rows. */
export interface Unit<T> {
  rows: number[];
  value: T;
}

export interface WriteOutcome {
  created: number;
  updated: number;
  unchanged: number;
  /** Rows the use case refused (a barcode another SKU has, an unknown SKU in an order…); nothing of the chunk is kept. */
  problems: RowProblem[];
  /** Rows written but worth a look (stock held for approval, a pair given twice). */
  notes?: RowProblem[];
}

export interface WriteContext {
  actor: string;
  /** Stock: the source the numbers are recorded under. */
  source: string;
  /** When the import started (stock versions, audit). */
  startedAt: Date;
}

export interface TableEntity<R = unknown, U = R> {
  name: EntityName;
  /** Every column, in the order an export writes them; an import accepts them in any order. */
  columns: readonly string[];
  /** Columns an import must have. */
  required: readonly string[];
  /** Columns an export writes for information only; an import accepts and ignores them. */
  readOnly?: readonly string[];
  /** Units written per statement batch (and per commit with keepGood). */
  chunkSize: number;
  /** One row's text as an input, or what is wrong with it. */
  parse(values: Record<string, string>, row: number): R | RowProblem[];
  /** Rows that make one unit share a key (orders: channel + external reference); rows without `key` are a unit each. */
  key?(value: R): string;
  /** The rows of a unit as one input; default: the one row's value. */
  assemble?(rows: { row: number; value: R }[]): U | RowProblem[];
  write(trx: Trx, units: Unit<U>[], ctx: WriteContext): Promise<WriteOutcome>;
  /** Every row, in a stable order, read in keyset pages. */
  exportRows(db: Db): AsyncIterable<Cell[]>;
}

const ajv = addFormats.default(new Ajv({ allErrors: true, strict: false, removeAdditional: false, coerceTypes: false }));
const compiled = new WeakMap<object, ReturnType<typeof ajv.compile>>();

/**
 * Checks an input built from a row against the API's own schema (one source of the rules), naming the column of each
 * problem: the last part of the JSON path, renamed where the column is called otherwise (`/price/amountMinor` →
 * priceMinor).
 */
export function schemaProblems(schema: TSchema, input: unknown, row: number, columnOf: (path: string) => string): RowProblem[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(input)) return [];
  const errors = (validate.errors ?? []);
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.params.type === 'null'));
  const seen = new Set<string>();
  const problems: RowProblem[] = [];
  for (const e of specific.length > 0 ? specific : errors) {
    const path = e.keyword === 'required' ? `${e.instancePath}/${String(e.params.missingProperty)}` : e.instancePath;
    const column = columnOf(path);
    if (seen.has(column)) continue;
    seen.add(column);
    const message = e.keyword === 'required' ? 'required: give a value'
      : e.keyword === 'const' || e.keyword === 'enum' ? `must be one of ${allowedAt(specific, e.instancePath).join(', ')}` : (e.message ?? e.keyword);
    problems.push({ row, column, message });
  }
  return problems;
}

function allowedAt(errors: ErrorObject[], path: string): string[] {
  return errors.filter((e) => e.instancePath === path && (e.keyword === 'const' || e.keyword === 'enum'))
    .flatMap((e) => (e.keyword === 'enum' ? (e.params.allowedValues as unknown[]) : [e.params.allowedValue as unknown])).map(String);
}

/**
 * Reads the cells of one row as typed values, collecting a problem per bad cell. An empty cell is absent (undefined).
 * Text with a NUL or a lone surrogate is refused here, as the JSON API refuses it.
 */
export class Cells {
  readonly problems: RowProblem[] = [];
  constructor(private readonly values: Record<string, string>, readonly row: number) {
    for (const [column, text] of Object.entries(values)) {
      const problem = textProblem(text);
      if (problem) this.problems.push({ row, column, message: problem });
    }
  }

  problem(column: string, message: string): void {
    this.problems.push({ row: this.row, column, message });
  }

  text(column: string): string | undefined {
    const v = this.values[column];
    return v === undefined || v === '' ? undefined : v;
  }

  /** A whole number written without separators ("12", not "12.0" or "1,200"). */
  int(column: string): number | undefined {
    const v = this.text(column)?.trim();
    if (v === undefined) return undefined;
    if (!/^-?\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) {
      this.problem(column, `"${v}" is not a whole number: write digits only, e.g. 1200 (money in minor units: 12.00 EUR is 1200)`);
      return undefined;
    }
    return Number(v);
  }

  number(column: string): number | undefined {
    const v = this.text(column)?.trim();
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^-?\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) {
      this.problem(column, `"${v}" is not a number: write e.g. 52.52`);
      return undefined;
    }
    return n;
  }

  bool(column: string): boolean | undefined {
    const v = this.text(column)?.trim().toLowerCase();
    if (v === undefined) return undefined;
    if (['true', 'yes', '1', 'y'].includes(v)) return true;
    if (['false', 'no', '0', 'n'].includes(v)) return false;
    this.problem(column, `"${v}" is not true or false`);
    return undefined;
  }

  /** A JSON object written in one cell (SKU attributes). */
  json(column: string): Record<string, unknown> | undefined {
    const v = this.text(column);
    if (v === undefined) return undefined;
    try {
      const parsed: unknown = JSON.parse(v);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
    this.problem(column, 'not a JSON object: write e.g. {"colour":"red","size":"M"}');
    return undefined;
  }

  /** An instant: ISO 8601 with a time zone, or a date alone (midnight UTC). */
  timestamp(column: string): string | undefined {
    const v = this.text(column)?.trim();
    if (v === undefined) return undefined;
    const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
    const t = Date.parse(iso);
    if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(v) || Number.isNaN(t) || v.startsWith('0000')) {
      this.problem(column, `"${v}" is not a date and time: write ISO 8601 with its zone, e.g. 2025-11-11T10:00:00+08:00, or a date 2025-11-11`);
      return undefined;
    }
    return new Date(t).toISOString();
  }
}

/** Drops undefined properties, so that an absent cell is an absent field to the schema. */
export function defined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** Maps a bulk use case's `/body/items/i/field` errors back to the rows of the chunk. */
export function itemProblems(errors: { path: string; message: string }[], units: readonly Unit<unknown>[], columnOf: (path: string) => string): RowProblem[] {
  return errors.map((e) => {
    const m = /^\/body\/items\/(\d+)(\/.*)?$/.exec(e.path);
    const unit = m ? units[Number(m[1])] : undefined;
    return { row: unit?.rows[0] ?? 0, column: columnOf(m?.[2] ?? ''), message: e.message };
  });
}

/**
 * The `write` of an entity imported through a module's bulk upsert (SKUs, locations): its counts, or the rows its
 * `bulk_rejected` error names, mapped back to the chunk's rows.
 */
export function bulkUpsertWrite<U>(
  upsert: (trx: Trx, items: U[]) => Promise<{ value: { created: number; updated: number; unchanged: number } }>,
  columnOf: (path: string) => string,
): TableEntity<U>['write'] {
  return async (trx, units) => {
    try {
      const { value } = await upsert(trx, units.map((u) => u.value));
      return { created: value.created, updated: value.updated, unchanged: value.unchanged, problems: [] };
    } catch (e) {
      if (e instanceof AppError && e.code === 'bulk_rejected') return { created: 0, updated: 0, unchanged: 0, problems: itemProblems((e.extra.errors ?? []), units, columnOf) };
      throw e;
    }
  };
}

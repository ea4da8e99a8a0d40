/**
 * A whole stock snapshot from an ERP or WMS as one request body, CSV or NDJSON, read as a stream: each row is checked
 * as it arrives (the same rules as a row of PUT /v1/stock/sync), then the rows are applied in chunks of 5,000 in one
 * transaction through the same decision as the JSON batches (syncRows). A bad row is reported with its line, its
 * field and what to fix; by default one bad row refuses the snapshot and nothing is applied, with `onError: 'skip'`
 * the good rows are applied and the bad ones reported.
 */
import { parse } from 'csv-parse';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import type { CommandResult } from '../db/command.js';
import type { DbOrTrx, Trx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { MAX_UNITS } from './inventory.js';
import { resolveRefs } from './refs.repository.js';
import { holdReasons, MAX_SYNC_ROWS, syncOutcomes, tally, type Thresholds } from './stock-sync.js';
import { syncRows, type ResolvedSyncRow } from './sync-stock.js';
import { Id } from '../http/schemas.js';

export const MAX_SNAPSHOT_ROWS = 1_000_000;
/** Bad rows listed in an answer (all are counted). */
const MAX_LISTED = 1000;

export const snapshotTypes = { csv: 'text/csv', ndjson: 'application/x-ndjson' } as const;

export const SnapshotQuery = Type.Object({
  source: Type.String({ minLength: 1, maxLength: 64, description: 'Who reports, e.g. "sap"; versions are compared per source' }),
  onError: Type.Optional(Type.Enum(['reject', 'skip'], {
    default: 'reject',
    description: '`reject` (default): one bad row refuses the snapshot and nothing is applied; `skip`: the good rows are applied and the bad ones reported',
  })),
  holdUnits: Type.Optional(Type.Integer({ minimum: 0, description: 'Hold a change of at least this many units (0 = never); default SYNC_HOLD_UNITS' })),
  holdPercent: Type.Optional(Type.Number({ minimum: 0, description: 'Hold a change of at least this percent of Ordo\'s on hand (0 = never); default SYNC_HOLD_PERCENT' })),
}, { additionalProperties: false });
export type SnapshotQuery = Static<typeof SnapshotQuery>;

const BadRow = Type.Object({
  line: Type.Integer({ description: 'Line of the body (1 = the first line; in CSV the header is line 1)' }),
  field: Type.String({ description: 'sku, location, onHand, version, or row for a line that is not a row at all' }),
  message: Type.String({ description: 'What is wrong and what to send instead' }),
});
export type BadRow = Static<typeof BadRow>;

export const SnapshotResult = Type.Object({
  rows: Type.Integer({ description: 'Rows read' }),
  applied: Type.Integer(),
  unchanged: Type.Integer(),
  held: Type.Integer(),
  ignored: Type.Integer(),
  rejected: Type.Integer({ description: 'Bad rows, skipped (onError=skip)' }),
  changes: Type.Array(Type.Object({
    line: Type.Integer(),
    sku: Type.String({ description: 'As sent' }),
    location: Type.String({ description: 'As sent' }),
    outcome: Type.Enum(syncOutcomes),
    reason: Type.Optional(Type.String({ description: `Why a row was held (${holdReasons.join(', ')}) or ignored (stale, newer_in_request)` })),
    ordoOnHand: Type.Integer({ description: 'Ordo\'s on hand before this snapshot' }),
    onHand: Type.Integer({ description: 'The source\'s number' }),
    discrepancyId: Type.Optional(Id),
  }), { description: 'Every row that was not unchanged: applied, held or ignored' }),
  badRows: Type.Array(BadRow, { description: `The bad rows, at most ${MAX_LISTED} listed` }),
});
export type SnapshotResult = Static<typeof SnapshotResult>;

interface ReadRow { line: number; sku: string; location: string; onHand: number; version: number }

/** Checks one row's fields as sent (strings from CSV, any JSON value from NDJSON); returns the row or its errors. */
export function checkRow(line: number, raw: Record<string, unknown>): ReadRow | BadRow[] {
  const bad: BadRow[] = [];
  const ref = (field: 'sku' | 'location') => {
    const v = raw[field];
    if (typeof v !== 'string' || v.trim() === '') bad.push({ line, field, message: `missing: give the ${field === 'sku' ? 'SKU' : 'location'}'s id or code` });
    else if (v.length > 64) bad.push({ line, field, message: 'at most 64 characters: give the id or code' });
    return typeof v === 'string' ? v : '';
  };
  const num = (field: 'onHand' | 'version', whole: boolean) => {
    const v = raw[field];
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN;
    if (v === undefined || v === null || v === '') bad.push({ line, field, message: `missing: give ${field === 'onHand' ? 'the absolute quantity on hand' : 'the source\'s version of this number (or a timestamp in ms)'}` });
    else if (!Number.isFinite(n) || n < 0) bad.push({ line, field, message: `${JSON.stringify(v)} is not a number of 0 or more` });
    else if (whole && !Number.isInteger(n)) bad.push({ line, field, message: `${JSON.stringify(v)} is not a whole number of units` });
    else if (whole && n > MAX_UNITS) bad.push({ line, field, message: `${n} is more than ${MAX_UNITS} units` });
    return n;
  };
  const row = { line, sku: ref('sku'), location: ref('location'), onHand: num('onHand', true), version: num('version', false) };
  const unknown = Object.keys(raw).filter((k) => !['sku', 'location', 'onHand', 'version'].includes(k));
  if (unknown.length > 0) bad.push({ line, field: unknown[0] ?? 'row', message: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: a row has sku, location, onHand and version` });
  return bad.length > 0 ? bad : row;
}

/** Reads every row of the body; bad rows are collected, not thrown. */
export async function readSnapshot(body: Readable, type: keyof typeof snapshotTypes): Promise<{ rows: ReadRow[]; bad: BadRow[]; badCount: number }> {
  const rows: ReadRow[] = [];
  const bad: BadRow[] = [];
  let badCount = 0;
  const take = (result: ReadRow | BadRow[]) => {
    if (Array.isArray(result)) {
      badCount += 1;
      for (const b of result) if (bad.length < MAX_LISTED) bad.push(b);
    } else {
      rows.push(result);
    }
    if (rows.length + badCount > MAX_SNAPSHOT_ROWS) {
      throw new AppError('payload_too_large', `a snapshot has at most ${MAX_SNAPSHOT_ROWS.toLocaleString('en')} rows: send it in several snapshots (e.g. one per location)`);
    }
  };
  if (type === 'ndjson') {
    let line = 0;
    for await (const text of createInterface({ input: body, crlfDelay: Infinity })) {
      line += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        take([{ line, field: 'row', message: 'not a JSON object: send one object per line, e.g. {"sku":"A-1","location":"WH1","onHand":5,"version":1}' }]);
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        take([{ line, field: 'row', message: 'not a JSON object: send one object per line, e.g. {"sku":"A-1","location":"WH1","onHand":5,"version":1}' }]);
        continue;
      }
      take(checkRow(line, value as Record<string, unknown>));
    }
    return { rows, bad, badCount };
  }
  const parser = body.pipe(parse({
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim());
      const missing = ['sku', 'location', 'onHand', 'version'].filter((c) => !names.includes(c));
      if (missing.length > 0) {
        throw new AppError('validation_failed', `the CSV header (line 1) lacks ${missing.join(', ')}: start with the line "sku,location,onHand,version"`, {
          errors: [{ path: '/body/line/1', message: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` }],
        });
      }
      return names;
    },
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  }));
  // csv-parse counts records of the wrong length so far: one more is this record's.
  let wrongLength = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; invalid_field_length: number } }>) {
      if (info.invalid_field_length > wrongLength) {
        wrongLength = info.invalid_field_length;
        take([{ line: info.lines, field: 'row', message: 'not as many fields as the header: give sku,location,onHand,version' }]);
        continue;
      }
      take(checkRow(info.lines, record));
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    const err = e as { message?: string; lines?: number };
    throw new AppError('validation_failed', `the CSV cannot be read${err.lines ? ` at line ${err.lines}` : ''}: ${err.message ?? 'malformed'}`, {
      errors: [{ path: `/body/line/${err.lines ?? 0}`, message: err.message ?? 'malformed CSV' }],
    });
  }
  return { rows, bad, badCount };
}

/** Resolves the SKUs and locations of the rows (5,000 at a time); a row naming an unknown one is a bad row. */
async function resolveRows(db: DbOrTrx, rows: readonly ReadRow[]): Promise<{ resolved: (ResolvedSyncRow & { line: number })[]; bad: BadRow[] }> {
  const resolved: (ResolvedSyncRow & { line: number })[] = [];
  const bad: BadRow[] = [];
  for (let i = 0; i < rows.length; i += MAX_SYNC_ROWS) {
    const chunk = rows.slice(i, i + MAX_SYNC_ROWS);
    let unknown = new Set<string>();
    let refs: Awaited<ReturnType<typeof resolveRefs>> | undefined;
    try {
      refs = await resolveRefs(db, { sku: chunk.map((r) => r.sku), location: chunk.map((r) => r.location) });
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'not_found') throw e;
      const missing = (e.extra.missing ?? []) as { kind: string; ref: string }[];
      unknown = new Set(missing.map((m) => `${m.kind}:${m.ref}`));
      const known = chunk.filter((r) => !unknown.has(`sku:${r.sku}`) && !unknown.has(`location:${r.location}`));
      refs = await resolveRefs(db, { sku: known.map((r) => r.sku), location: known.map((r) => r.location) });
    }
    for (const r of chunk) {
      const badSku = unknown.has(`sku:${r.sku}`);
      const badLocation = unknown.has(`location:${r.location}`);
      if (badSku) bad.push({ line: r.line, field: 'sku', message: `unknown SKU "${r.sku}": create it first, or check the id or code` });
      if (badLocation) bad.push({ line: r.line, field: 'location', message: `unknown location "${r.location}": create it first, or check the id or code` });
      if (!badSku && !badLocation) resolved.push({ ...r, skuId: refs.sku(r.sku), locationId: refs.location(r.location) });
    }
  }
  return { resolved, bad };
}

export interface SnapshotInput {
  body: Readable;
  type: keyof typeof snapshotTypes;
  query: SnapshotQuery;
  defaults: Thresholds;
}

/** Reads and checks the whole body (before any transaction), so that a refused snapshot applies nothing. */
export async function readAndCheckSnapshot(db: DbOrTrx, input: SnapshotInput) {
  const read = await readSnapshot(input.body, input.type);
  const { resolved, bad: unknownRefs } = await resolveRows(db, read.rows);
  const badLines = new Set(unknownRefs.map((b) => b.line));
  const bad = [...read.bad, ...unknownRefs.slice(0, Math.max(0, MAX_LISTED - read.bad.length))].sort((a, b) => a.line - b.line);
  const rejected = read.badCount + badLines.size;
  if (rejected > 0 && input.query.onError !== 'skip') {
    throw new AppError('validation_failed',
      `${rejected} row${rejected > 1 ? 's' : ''} of the snapshot ${rejected > 1 ? 'are' : 'is'} not valid (first: line ${bad[0]?.line}, ${bad[0]?.field}: ${bad[0]?.message}); `
      + 'nothing was applied: fix them and send the snapshot again, or send ?onError=skip to apply the other rows', {
        errors: bad.map((b) => ({ path: `/body/line/${b.line}/${b.field}`, message: b.message })),
        badRows: bad,
        rejected,
      });
  }
  return { rows: read.rows.length + read.badCount, resolved, bad, rejected };
}

/** Applies the checked rows in chunks of 5,000, in the transaction of the request. */
export async function syncSnapshot(
  trx: Trx,
  checked: Awaited<ReturnType<typeof readAndCheckSnapshot>>,
  query: SnapshotQuery,
  thresholds: Thresholds,
  actor: string,
): Promise<CommandResult<SnapshotResult>> {
  const counts = { applied: 0, unchanged: 0, held: 0, ignored: 0 };
  const changes: SnapshotResult['changes'] = [];
  for (let i = 0; i < checked.resolved.length; i += MAX_SYNC_ROWS) {
    const chunk = checked.resolved.slice(i, i + MAX_SYNC_ROWS);
    const decided = await syncRows(trx, query.source, chunk, thresholds, actor);
    const t = tally(decided.map((d) => d.decision.outcome));
    for (const k of syncOutcomes) counts[k] += t[k];
    for (const { row, index, decision, ordoOnHand, discrepancyId } of decided) {
      if (decision.outcome === 'unchanged') continue;
      changes.push({
        line: chunk[index]?.line ?? 0, sku: row.sku, location: row.location, outcome: decision.outcome,
        ...('reason' in decision && { reason: decision.reason }), ordoOnHand, onHand: row.onHand,
        ...(discrepancyId !== undefined && { discrepancyId }),
      });
    }
  }
  const body: SnapshotResult = { rows: checked.rows, ...counts, rejected: checked.rejected, changes, badRows: checked.bad };
  return {
    created: false,
    value: body,
    audit: { action: 'stock_sync.received', entityType: 'stock_sync', entityId: query.source, details: { ...counts, rows: checked.rows, rejected: checked.rejected, thresholds, snapshot: true } },
  };
}

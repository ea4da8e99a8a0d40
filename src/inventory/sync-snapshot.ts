/**
 * A whole stock snapshot from an ERP or WMS as one request body, CSV or NDJSON, streamed into PostgreSQL: Node copies
 * the body's lines as they arrive into a temporary table (COPY, nothing parsed per row in Node but a CSV's header),
 * then PostgreSQL reads and checks every row in one statement (the same rules as a row of PUT /v1/stock/sync),
 * resolves the SKUs and locations, and in the transaction stores every row's version and compares it with Ordo's on
 * hand in one more (snapshot.repository.ts). Only the rows that are not unchanged come back to Node, to be decided
 * like a JSON batch's (stock-sync.ts) and applied or held. A bad row is reported with its line, its field and what
 * to fix; by default one bad row refuses the snapshot and nothing is applied, with `onError: 'skip'` the good rows
 * are applied and the bad ones reported.
 */
import type pg from 'pg';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { Type, type Static } from 'typebox';
import type { CommandResult } from '../db/command.js';
import type { DbOrTrx, Trx } from '../db/database.js';
import { isPgError } from '../db/pg-errors.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { moveStock } from './move-stock.js';
import {
  badRows, copyLines, readRows, rowsDigest, storeAndCompareStaged, supersedeStaged, type CsvLayout, type SnapshotType,
} from './snapshot.repository.js';
import { decideSyncRow, holdReasons, MAX_SYNC_ROWS, syncOutcomes, type SyncDecision, type Thresholds } from './stock-sync.js';
import { insertDiscrepancies, lockLevels, lockSource } from './sync-stock.js';
import type { Movement } from './stock.repository.js';
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


const FIELDS = ['sku', 'location', 'onHand', 'version'] as const;

/** The CSV header (line 1) as Node reads it: where each field is, or a 400 naming the missing columns. */
export function csvLayout(headerLine: string): CsvLayout {
  const names = headerLine.replace(/^\uFEFF/, '').replace(/\r$/, '').split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1').trim());
  const missing = FIELDS.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw new AppError('validation_failed', `the CSV header (line 1) lacks ${missing.join(', ')}: start with the line "sku,location,onHand,version"`, {
      errors: [{ path: '/body/line/1', message: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` }],
    });
  }
  const at = (name: string) => names.indexOf(name) + 1;
  return {
    sku: at('sku'), location: at('location'), onHand: at('onHand'), version: at('version'), width: names.length,
    unknown: names.filter((n) => !(FIELDS as readonly string[]).includes(n)),
  };
}

/**
 * Between the request and COPY: counts lines (a body past MAX_SNAPSHOT_ROWS is refused as it streams) and, for a
 * CSV, takes the header line off and reads it. Works on the chunks as they come; no object per row.
 */
class SnapshotFeed extends Transform {
  layout: CsvLayout | null = null;
  private lines = 0;
  private head: Buffer[] | null;

  constructor(type: SnapshotType) {
    super();
    this.head = type === 'csv' ? [] : null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.lines += 1;
    if (this.lines > MAX_SNAPSHOT_ROWS + 1) {
      done(new AppError('payload_too_large', `a snapshot has at most ${MAX_SNAPSHOT_ROWS.toLocaleString('en')} rows: send it in several snapshots (e.g. one per location)`));
      return;
    }
    if (this.head === null) {
      done(null, chunk);
      return;
    }
    this.head.push(chunk);
    const all = Buffer.concat(this.head);
    const end = all.indexOf(10);
    if (end === -1) {
      this.head = [all];
      done();
      return;
    }
    this.head = null;
    try {
      this.layout = csvLayout(all.subarray(0, end).toString('utf8'));
    } catch (e) {
      done(e as Error);
      return;
    }
    done(null, all.subarray(end + 1));
  }

  override _flush(done: TransformCallback): void {
    if (this.head === null) {
      done();
      return;
    }
    // A body of one line: the header alone (no rows), or no header at all.
    try {
      this.layout = csvLayout(Buffer.concat(this.head).toString('utf8'));
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

export interface StagedSnapshot {
  /** Rows read (lines that are not empty). */
  rows: number;
  /** Bad rows, all counted. */
  rejected: number;
  /** The bad rows' problems, the first MAX_LISTED. */
  bad: BadRow[];
}

/**
 * Copies the body into the connection's temporary tables and checks every row there, before any transaction: a
 * refused snapshot holds no lock and applies nothing. `db` runs on `client`'s connection (the temporary tables are
 * its own). By default a bad row is a 400 listing them; with onError=skip the good rows go on to syncSnapshot.
 */
export async function stageSnapshot(client: pg.PoolClient, db: DbOrTrx, body: Readable, type: SnapshotType, query: SnapshotQuery): Promise<StagedSnapshot> {
  const feed = new SnapshotFeed(type);
  try {
    await copyLines(client, body, [feed], type === 'csv' ? 2 : 1);
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (!isPgError(e) || !(e instanceof Error)) throw e;
    // COPY refuses what is not text in the database's encoding (UTF-8) and a body with mixed line endings.
    const line = /line (\d+)/.exec(String((e as { where?: string }).where ?? ''))?.[1];
    const at = line ? Number(line) + (type === 'csv' ? 1 : 0) : undefined;
    throw new AppError('validation_failed', `the snapshot cannot be read${at ? ` at line ${at}` : ''}: ${e.message}; send UTF-8 text with one row per line`, {
      errors: [{ path: `/body/line/${at ?? 0}`, message: e.message }],
    });
  }
  const layout = type === 'csv' ? feed.layout : null;
  try {
    await readRows(db, type, layout, false);
  } catch (e) {
    // One line that is not JSON fails the cast of all of them: read again, line by line (slower, only for such bodies).
    if (type !== 'ndjson' || !isPgError(e)) throw e;
    await readRows(db, type, layout, true);
  }
  const found = await badRows(db, MAX_LISTED);
  const bad: BadRow[] = [];
  for (const { line, problems } of found.listed) {
    for (const p of problems) {
      const colon = p.indexOf(':');
      if (bad.length < MAX_LISTED) bad.push({ line, field: p.slice(0, colon), message: p.slice(colon + 1) });
    }
  }
  const rejected = found.bad;
  if (rejected > 0 && query.onError !== 'skip') {
    throw new AppError('validation_failed',
      `${rejected} row${rejected > 1 ? 's' : ''} of the snapshot ${rejected > 1 ? 'are' : 'is'} not valid (first: line ${bad[0]?.line}, ${bad[0]?.field}: ${bad[0]?.message}); `
      + 'nothing was applied: fix them and send the snapshot again, or send ?onError=skip to apply the other rows', {
        errors: bad.map((b) => ({ path: `/body/line/${b.line}/${b.field}`, message: b.message })),
        badRows: bad,
        rejected,
      });
  }
  return { rows: found.rows, rejected, bad };
}

/** What an Idempotency-Key compares for a snapshot: the rows as read and resolved (the body was streamed, not kept). */
export async function stagedDigest(db: DbOrTrx, type: SnapshotType, staged: StagedSnapshot) {
  return { type, rows: staged.rows, rejected: staged.rejected, digest: await rowsDigest(db) };
}

const keyOf = (p: { skuId: string; locationId: string }) => `${p.skuId}/${p.locationId}`;

/**
 * Applies the staged good rows in the transaction of the request (on the connection that staged them): one
 * statement stores every version and compares every row; the rows that differ are locked and decided 5,000 at a
 * time in (sku, location) order, the lock order shared with approval (sync-stock.ts); then the pending discrepancies
 * of the reported pairs are superseded and the held rows recorded.
 */
export async function syncSnapshot(trx: Trx, staged: StagedSnapshot, query: SnapshotQuery, thresholds: Thresholds, actor: string): Promise<CommandResult<SnapshotResult>> {
  const source = query.source;
  await lockSource(trx, source, 'exclusive');
  const compared = await storeAndCompareStaged(trx, source);
  const counts = { applied: 0, unchanged: staged.rows - staged.rejected - compared.length, held: 0, ignored: 0 };
  const changes: SnapshotResult['changes'] = [];
  const staleLines: number[] = [];
  const held: Parameters<typeof insertDiscrepancies>[2][number][] = [];
  for (let i = 0; i < compared.length; i += MAX_SYNC_ROWS) {
    const chunk = compared.slice(i, i + MAX_SYNC_ROWS);
    // Only the fresh rows that differ from Ordo's on hand take a lock on their stock row, and are decided on it.
    const locked = await lockLevels(trx, chunk.filter((r) => r.winner && r.fresh));
    const movements: Movement[] = [];
    for (const r of chunk) {
      const level = locked.get(keyOf(r)) ?? { onHand: r.ordoOnHand, reserved: r.reserved, quarantined: r.quarantined };
      let decision: SyncDecision;
      if (!r.winner) decision = { outcome: 'ignored', reason: 'newer_in_request' };
      else if (!r.fresh) decision = { outcome: 'ignored', reason: 'stale' };
      else decision = decideSyncRow(r, null, level, thresholds);
      counts[decision.outcome] += 1;
      if (decision.outcome === 'unchanged') continue;
      if (r.winner && !r.fresh) staleLines.push(r.line);
      const change: SnapshotResult['changes'][number] = { line: r.line, sku: r.sku, location: r.location, outcome: decision.outcome, ordoOnHand: level.onHand, onHand: r.onHand };
      if ('reason' in decision) change.reason = decision.reason;
      if (decision.outcome === 'applied') {
        movements.push({ skuId: r.skuId, locationId: r.locationId, onHand: decision.onHandDelta, reason: 'external_sync', referenceType: 'sync', referenceId: source });
      } else if (decision.outcome === 'held') {
        change.discrepancyId = newId();
        held.push({ id: change.discrepancyId, skuId: r.skuId, locationId: r.locationId, version: r.version, ordoOnHand: level.onHand, sourceOnHand: r.onHand, reason: decision.reason });
      }
      changes.push(change);
    }
    // Applied rows were checked against the locked counters, so the guard cannot refuse them here.
    if (movements.length > 0) await moveStock(trx, movements, actor, `the snapshot from ${source}`);
  }
  // Any newer number from the source replaces what an older held one asked for (see syncRows).
  await supersedeStaged(trx, source, staleLines);
  for (let i = 0; i < held.length; i += MAX_SYNC_ROWS) await insertDiscrepancies(trx, source, held.slice(i, i + MAX_SYNC_ROWS));
  changes.sort((a, b) => a.line - b.line);
  const body: SnapshotResult = { rows: staged.rows, ...counts, rejected: staged.rejected, changes, badRows: staged.bad };
  return {
    created: false,
    value: body,
    audit: { action: 'stock_sync.received', entityType: 'stock_sync', entityId: source, details: { ...counts, rows: staged.rows, rejected: staged.rejected, thresholds, snapshot: true } },
  };
}

/**
 * ERP/WMS sync use cases: take a batch of absolute on-hand numbers from a source, decide each row (stock-sync.ts),
 * apply the small changes, hold the suspicious ones as discrepancies for a person to approve or reject.
 *
 * A batch is a handful of statements whatever its size (arrays in, sets out), so 5,000 rows cost about what 5 do.
 * Lock order, shared with approval: the source's sync lock (lockSource: shared by JSON batches, exclusive for a
 * snapshot, which moves the source's snapshot versions), the source's sync-state rows, then stock rows (both by sku,
 * location), then discrepancies. Holding the sync-state row of (source, sku, location) serialises everything about
 * that source's number, so a version is compared with the newest one even under concurrent batches.
 *
 * A row's stored version is the greater of its own and its location's snapshot version while the snapshot covers it
 * (ADR 0011, migration 0040): `effectiveVersion`.
 */
import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { uuidArray } from '../db/refs.js';
import type { CommandResult } from '../db/command.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { moveStock } from './move-stock.js';
import { resolveRefs } from './refs.repository.js';
import {
  decideSyncRow, effectiveThresholds, newestPerKey, tally, type Discrepancy, type DiscrepancyStatus, type OrdoLevel,
  type ReconciliationRow, type SyncDecision, type SyncRequest, type SyncResult, type Thresholds,
} from './stock-sync.js';
import type { Movement } from './stock.repository.js';

interface Pair { skuId: string; locationId: string }
const keyOf = (p: Pair) => `${p.skuId}/${p.locationId}`;
const NO_STOCK: OrdoLevel = { onHand: 0, reserved: 0, quarantined: 0 };

export async function syncStock(trx: Trx, input: SyncRequest, defaults: Thresholds, actor: string): Promise<CommandResult<SyncResult>> {
  const refs = await resolveRefs(trx, { sku: input.rows.map((r) => r.sku), location: input.rows.map((r) => r.location) });
  const rows = input.rows.map((r) => ({ ...r, skuId: refs.sku(r.sku), locationId: refs.location(r.location) }));
  const thresholds = effectiveThresholds(defaults, input.holdThreshold);
  const decided = await syncRows(trx, input.source, rows, thresholds, actor);
  const counts = tally(decided.map((d) => d.decision.outcome));
  const body: SyncResult = { ...counts, rows: decided.map(resultRow) };
  return { created: false, value: body, audit: { action: 'stock_sync.received', entityType: 'stock_sync', entityId: input.source, details: { ...counts, rows: rows.length, thresholds } } };
}

/** A reported row with its SKU and location resolved. */
export interface ResolvedSyncRow extends Pair { sku: string; location: string; onHand: number; version: number }

export interface DecidedRow { row: ResolvedSyncRow; index: number; decision: SyncDecision; ordoOnHand: number; discrepancyId: string | undefined }

export const resultRow = ({ row, index, decision, ordoOnHand, discrepancyId }: DecidedRow): SyncResult['rows'][number] => {
  // Written out without spreads: 5,000 of these per request.
  const out: SyncResult['rows'][number] = { index, sku: row.sku, location: row.location, outcome: decision.outcome, ordoOnHand, onHand: row.onHand };
  if ('reason' in decision) out.reason = decision.reason;
  if (discrepancyId !== undefined) out.discrepancyId = discrepancyId;
  return out;
};

/**
 * Decides and applies up to 5,000 rows of one source (see the file comment). Unchanged rows cost one statement for
 * all of them: the statement that stores the source's newest versions also compares every row with Ordo's on hand,
 * so only the rows whose number differs are locked, decided in TypeScript, moved (ledger, signals) or held.
 */
export async function syncRows(trx: Trx, source: string, rows: readonly ResolvedSyncRow[], thresholds: Thresholds, actor: string): Promise<DecidedRow[]> {
  const keyed = rows.map((r) => ({ ...r, key: keyOf(r) }));
  const winners = newestPerKey(keyed);
  const pairs = keyed.filter((row, index) => winners.get(row.key) === index);

  // Rows missing from `compared` were stored and equal Ordo's on hand (most rows of a full-stock sync).
  await lockSource(trx, source, 'shared');
  const compared = await storeAndCompare(trx, source, pairs);
  // Only the rows whose number differs from Ordo's take a lock on their stock row, and are decided on what it holds.
  const differing = pairs.filter((p) => compared.get(p.key)?.fresh === true);
  const locked = await lockLevels(trx, differing);
  const decided: DecidedRow[] = keyed.map((row, index) => {
    const c = compared.get(row.key);
    // Not in `compared`: Ordo's on hand is the number of the key's winning row.
    const level = locked.get(row.key) ?? c?.level ?? { onHand: (keyed[winners.get(row.key) ?? index] ?? row).onHand, reserved: 0, quarantined: 0 };
    let decision: SyncDecision;
    if (winners.get(row.key) !== index) decision = { outcome: 'ignored', reason: 'newer_in_request' };
    else if (c?.fresh === false) decision = { outcome: 'ignored', reason: 'stale' };
    // The stored version (null: a pair never reported) no longer matters here: the statement kept only newer rows.
    else decision = decideSyncRow(row, null, level, thresholds);
    return { row, index, decision, ordoOnHand: level.onHand, discrepancyId: decision.outcome === 'held' ? newId() : undefined };
  });

  const movements: Movement[] = decided.flatMap(({ row, decision }) => (decision.outcome === 'applied'
    ? [{ skuId: row.skuId, locationId: row.locationId, onHand: decision.onHandDelta, reason: 'external_sync' as const, referenceType: 'sync', referenceId: source }]
    : []));
  // Applied rows were checked against the locked counters, so the guard cannot refuse them here.
  if (movements.length > 0) await moveStock(trx, movements, actor, `the sync from ${source}`);
  // Any newer number from the source replaces what an older held one asked for; approving the older one later would
  // set stock to a number the source itself no longer reports.
  await supersedePending(trx, source, decided.filter((d) => d.decision.outcome !== 'ignored').map((d) => d.row));
  await insertDiscrepancies(trx, source, decided.flatMap(({ row, decision, ordoOnHand, discrepancyId }) => (decision.outcome === 'held' && discrepancyId
    ? [{ id: discrepancyId, skuId: row.skuId, locationId: row.locationId, version: row.version, ordoOnHand, sourceOnHand: row.onHand, reason: decision.reason }]
    : [])));
  return decided;
}


const unnestPairs = (pairs: readonly Pair[]) =>
  sql`unnest(${uuidArray(pairs.map((p) => p.skuId))}::uuid[], ${uuidArray(pairs.map((p) => p.locationId))}::uuid[])`;

/**
 * One statement for every row: stores the source's number and version where the version is newer than the stored
 * one (or the pair is new), locking the source's sync-state row of every pair in key order, (location, sku) (a conflicting
 * row is locked even when the WHERE keeps it unchanged), and reads Ordo's counters of each pair. `fresh`: the row was
 * newer and stored. Reading the counters unlocked is enough for a row that changes nothing; the others are locked
 * and read again (lockLevels). Answers only the rows that are not both fresh and equal to Ordo's on hand: the others
 * are unchanged, and sending them back cost more than the rest of the statement's output.
 */
async function storeAndCompare(
  trx: Trx,
  source: string,
  pairs: readonly (Pair & { key: string; onHand: number; version: number })[],
): Promise<Map<string, { fresh: boolean; level: OrdoLevel }>> {
  if (pairs.length === 0) return new Map();
  const result = await sql<Pair & { fresh: boolean; onHand: number; reserved: number; quarantined: number }>`
    WITH input AS (
      SELECT * FROM unnest(${uuidArray(pairs.map((p) => p.skuId))}::uuid[], ${uuidArray(pairs.map((p) => p.locationId))}::uuid[],
        ${pairs.map((p) => p.onHand)}::int[], ${pairs.map((p) => p.version)}::numeric[]) AS i(sku_id, location_id, on_hand, version)
    ),
    stored AS (
      -- A new pair is not covered by its location's snapshot version (the snapshot did not report it).
      INSERT INTO stock_sync_state AS s (source, sku_id, location_id, version, on_hand, excluded_seq)
      SELECT ${source}, i.sku_id, i.location_id, i.version, i.on_hand, coalesce(w.seq, 0) FROM input i
      LEFT JOIN stock_sync_snapshots w ON w.source = ${source} AND w.location_id = i.location_id
      ORDER BY i.location_id, i.sku_id
      ON CONFLICT (source, sku_id, location_id) DO UPDATE SET version = excluded.version, on_hand = excluded.on_hand, reported_at = now()
      -- excluded.excluded_seq is the location's snapshot seq (0: none): the row is covered when its own is lower.
      WHERE excluded.version > s.version AND NOT (s.excluded_seq < excluded.excluded_seq AND EXISTS (
        SELECT 1 FROM stock_sync_snapshots w WHERE w.source = s.source AND w.location_id = s.location_id AND w.version >= excluded.version))
      RETURNING s.sku_id, s.location_id
    )
    SELECT i.sku_id AS "skuId", i.location_id AS "locationId", (f.sku_id IS NOT NULL) AS fresh,
           coalesce(l.on_hand, 0) AS "onHand", coalesce(l.reserved, 0) AS reserved, coalesce(l.quarantined, 0) AS quarantined
    FROM input i
    LEFT JOIN stored f ON f.sku_id = i.sku_id AND f.location_id = i.location_id
    LEFT JOIN stock_levels l ON l.sku_id = i.sku_id AND l.location_id = i.location_id
    WHERE f.sku_id IS NULL OR coalesce(l.on_hand, 0) <> i.on_hand
  `.execute(trx);
  return new Map(result.rows.map((r) => [keyOf(r), { fresh: r.fresh, level: { onHand: r.onHand, reserved: r.reserved, quarantined: r.quarantined } }]));
}

/**
 * The source's sync lock, first in the lock order: JSON batches take it shared (they run side by side, serialised
 * per pair by the sync-state rows), a snapshot exclusive, because it moves the source's snapshot versions, which
 * every batch reads, and skips the sync-state rows its version covers (so their row locks no longer serialise it).
 * A transaction-level advisory lock: nothing written, released at commit.
 */
export async function lockSource(trx: Trx, source: string, mode: 'shared' | 'exclusive'): Promise<void> {
  await (mode === 'shared'
    ? sql`SELECT pg_advisory_xact_lock_shared(${SYNC_LOCK}::int, hashtext(${source}))`
    : sql`SELECT pg_advisory_xact_lock(${SYNC_LOCK}::int, hashtext(${source}))`).execute(trx);
}
/** The first key of the sync lock (the second is the source's hash): issue 18, part 6. */
const SYNC_LOCK = 180_006;

/**
 * A sync-state row's version (`ss`, with `w` its source and location's row of stock_sync_snapshots, LEFT JOINed):
 * its own, or the snapshot's when the snapshot covers the row and is newer (ADR 0011).
 */
export const effectiveVersion = sql`CASE WHEN ss.excluded_seq < w.seq THEN greatest(ss.version, w.version) ELSE ss.version END`;
const effectiveReportedAt = sql`CASE WHEN ss.excluded_seq < w.seq AND w.version > ss.version THEN w.reported_at ELSE ss.reported_at END`;

/**
 * Locks the existing stock rows of the pairs, in (sku, location) order. A pair without a row reads as zero; should
 * another request create that row meanwhile, the applied delta simply adds to it, which is the same as that request
 * arriving just after this one.
 */
export async function lockLevels(trx: Trx, pairs: readonly Pair[]): Promise<Map<string, OrdoLevel>> {
  if (pairs.length === 0) return new Map();
  const result = await sql<Pair & OrdoLevel>`
    SELECT s.sku_id AS "skuId", s.location_id AS "locationId", s.on_hand AS "onHand", s.reserved, s.quarantined
    FROM stock_levels s JOIN ${unnestPairs(pairs)} AS p(sku_id, location_id) USING (sku_id, location_id)
    ORDER BY s.sku_id, s.location_id
    FOR UPDATE OF s
  `.execute(trx);
  const found = new Map(result.rows.map((r) => [keyOf(r), { onHand: r.onHand, reserved: r.reserved, quarantined: r.quarantined }]));
  // A pair whose row is gone (or never was) is zero, as in the original read.
  return new Map(pairs.map((p) => [keyOf(p), found.get(keyOf(p)) ?? NO_STOCK]));
}

/**
 * Runs after the sync-state rows are locked (a fresh snapshot sees every discrepancy of these pairs). A source with
 * no pending discrepancy at all, the usual case, costs one probe of the pending index instead of a join of every row
 * (whose 5,000 pairs alone take longer to send than the probe).
 */
async function supersedePending(trx: Trx, source: string, pairs: readonly Pair[]): Promise<void> {
  if (pairs.length === 0) return;
  const any = await sql<{ pending: boolean }>`
    SELECT EXISTS (SELECT 1 FROM stock_discrepancies WHERE status = 'pending' AND source = ${source}) AS pending`.execute(trx);
  if (!any.rows[0]?.pending) return;
  await sql`
    UPDATE stock_discrepancies d SET status = 'superseded', decided_at = now()
    FROM ${unnestPairs(pairs)} AS p(sku_id, location_id)
    WHERE d.status = 'pending' AND d.source = ${source} AND d.sku_id = p.sku_id AND d.location_id = p.location_id
  `.execute(trx);
}

export async function insertDiscrepancies(
  trx: Trx,
  source: string,
  items: readonly { id: string; skuId: string; locationId: string; version: number; ordoOnHand: number; sourceOnHand: number; reason: string }[],
): Promise<void> {
  if (items.length === 0) return;
  await sql`
    INSERT INTO stock_discrepancies (id, source, sku_id, location_id, version, ordo_on_hand, source_on_hand, status, reason)
    SELECT x.id, ${source}, x."skuId", x."locationId", x.version, x."ordoOnHand", x."sourceOnHand", 'pending', x.reason
    FROM jsonb_to_recordset(${JSON.stringify(items)}::jsonb) AS x(
      id uuid, "skuId" uuid, "locationId" uuid, version numeric, "ordoOnHand" int, "sourceOnHand" int, reason text)
  `.execute(trx);
}

// ---- discrepancies ---------------------------------------------------------------------------------------------

interface DiscrepancyRow {
  id: string; source: string; skuId: string; skuCode: string; locationId: string; locationCode: string; version: number;
  ordoOnHand: number; sourceOnHand: number; status: DiscrepancyStatus; reason: string; createdAt: Date;
  decidedAt: Date | null; decidedBy: string | null;
}

const selectDiscrepancy = sql`
  SELECT d.id, d.source, d.sku_id AS "skuId", k.code AS "skuCode", d.location_id AS "locationId", l.code AS "locationCode",
         d.version, d.ordo_on_hand AS "ordoOnHand", d.source_on_hand AS "sourceOnHand", d.status, d.reason,
         d.created_at AS "createdAt", d.decided_at AS "decidedAt", d.decided_by AS "decidedBy"
  FROM stock_discrepancies d JOIN skus k ON k.id = d.sku_id JOIN locations l ON l.id = d.location_id`;

export function toDiscrepancy(r: DiscrepancyRow): Discrepancy {
  return {
    id: r.id, source: r.source, sku: r.skuCode, skuId: r.skuId, location: r.locationCode, locationId: r.locationId,
    version: r.version, ordoOnHand: r.ordoOnHand, sourceOnHand: r.sourceOnHand, status: r.status, reason: r.reason,
    createdAt: r.createdAt.toISOString(), decidedAt: r.decidedAt?.toISOString() ?? null, decidedBy: r.decidedBy,
  };
}

/**
 * Approves (sets on hand to the source's number, against the current on hand) or rejects a pending discrepancy.
 * Approval goes through the stock guard: a number below what is reserved or quarantined is a 409 until those are
 * released, and the discrepancy stays pending.
 */
export async function decideDiscrepancy(
  trx: Trx,
  id: string,
  decision: 'approved' | 'rejected',
  by: { actor: string; name: string },
): Promise<CommandResult<Discrepancy>> {
  const target = await trx.selectFrom('stock_discrepancies').select(['source', 'sku_id', 'location_id']).where('id', '=', id).executeTakeFirst();
  if (!target) throw notFound('discrepancy', id);
  // Same lock order as a sync batch: the source's sync state first, then stock, then the discrepancy.
  await sql`SELECT 1 FROM stock_sync_state WHERE source = ${target.source} AND sku_id = ${target.sku_id} AND location_id = ${target.location_id} FOR UPDATE`.execute(trx);
  const current = await sql<{ onHand: number }>`
    SELECT on_hand AS "onHand" FROM stock_levels WHERE sku_id = ${target.sku_id} AND location_id = ${target.location_id} FOR UPDATE
  `.execute(trx);
  const row = (await sql<DiscrepancyRow>`${selectDiscrepancy} WHERE d.id = ${id} FOR UPDATE OF d`.execute(trx)).rows[0];
  if (!row) throw notFound('discrepancy', id);
  if (row.status !== 'pending') {
    throw new AppError('invalid_state', `the discrepancy is ${row.status}; only pending ones can be approved or rejected`, { currentStatus: row.status, allowed: ['pending'] });
  }
  if (decision === 'approved') {
    const delta = row.sourceOnHand - (current.rows[0]?.onHand ?? 0);
    if (delta !== 0) {
      await moveStock(trx, [{
        skuId: row.skuId, locationId: row.locationId, onHand: delta, reason: 'external_sync', referenceType: 'sync',
        referenceId: row.source, note: `discrepancy ${id} approved`,
      }], by.actor, `approving discrepancy ${id}`);
    }
  }
  const decided = await trx.updateTable('stock_discrepancies')
    .set({ status: decision, decided_at: sql<Date>`now()`, decided_by: by.name })
    .where('id', '=', id)
    .returning(['decided_at'])
    .executeTakeFirstOrThrow();
  const body = toDiscrepancy({ ...row, status: decision, decidedAt: decided.decided_at, decidedBy: by.name });
  const action = decision === 'approved' ? 'stock_discrepancy.approved' : 'stock_discrepancy.rejected';
  return { created: false, value: body, audit: { action, entityType: 'stock_discrepancy', entityId: id, details: { source: row.source, ordoOnHand: current.rows[0]?.onHand ?? 0, sourceOnHand: row.sourceOnHand } } };
}

export async function findDiscrepancy(db: DbOrTrx, id: string): Promise<Discrepancy | undefined> {
  const row = (await sql<DiscrepancyRow>`${selectDiscrepancy} WHERE d.id = ${id}`.execute(db)).rows[0];
  return row && toDiscrepancy(row);
}

export async function listDiscrepancies(
  db: DbOrTrx,
  f: { status: DiscrepancyStatus; source?: string; sku?: string; location?: string; afterId?: string; limit: number },
): Promise<Discrepancy[]> {
  const refs = await resolveRefs(db, { sku: f.sku ? [f.sku] : [], location: f.location ? [f.location] : [] });
  const skuId = f.sku ? refs.sku(f.sku) : null;
  const locationId = f.location ? refs.location(f.location) : null;
  // Oldest first: the list is a queue of decisions to make.
  const result = await sql<DiscrepancyRow>`${selectDiscrepancy}
    WHERE d.status = ${f.status}
      AND (${f.source ?? null}::text IS NULL OR d.source = ${f.source ?? null})
      AND (${skuId}::uuid IS NULL OR d.sku_id = ${skuId})
      AND (${locationId}::uuid IS NULL OR d.location_id = ${locationId})
      AND (${f.afterId ?? null}::uuid IS NULL OR d.id > ${f.afterId ?? null})
    ORDER BY d.id LIMIT ${f.limit}`.execute(db);
  return result.rows.map(toDiscrepancy);
}

/** Per SKU x location the source reported: its last number next to Ordo's now, by SKU code then location code. */
export async function reconciliation(
  db: DbOrTrx,
  f: { source: string; onlyDifferences: boolean; after?: [string, string]; limit: number },
): Promise<ReconciliationRow[]> {
  const [afterSku, afterLocation] = f.after ?? [null, null];
  const result = await sql<Omit<ReconciliationRow, 'reportedAt'> & { reportedAt: Date }>`
    SELECT k.code AS sku, ss.sku_id AS "skuId", l.code AS location, ss.location_id AS "locationId",
           coalesce(s.on_hand, 0) AS "ordoOnHand", ss.on_hand AS "sourceOnHand",
           ss.on_hand - coalesce(s.on_hand, 0) AS difference, ${effectiveVersion} AS version, ${effectiveReportedAt} AS "reportedAt",
           d.id AS "pendingDiscrepancyId"
    FROM stock_sync_state ss
    LEFT JOIN stock_sync_snapshots w ON w.source = ss.source AND w.location_id = ss.location_id
    JOIN skus k ON k.id = ss.sku_id
    JOIN locations l ON l.id = ss.location_id
    LEFT JOIN stock_levels s ON s.sku_id = ss.sku_id AND s.location_id = ss.location_id
    LEFT JOIN stock_discrepancies d ON d.status = 'pending' AND d.source = ss.source AND d.sku_id = ss.sku_id AND d.location_id = ss.location_id
    WHERE ss.source = ${f.source}
      AND (NOT ${f.onlyDifferences}::boolean OR ss.on_hand <> coalesce(s.on_hand, 0))
      AND (${afterSku}::text IS NULL OR (k.code, l.code) > (${afterSku}::text, ${afterLocation}::text))
    ORDER BY k.code, l.code LIMIT ${f.limit}`.execute(db);
  return result.rows.map((r) => ({ ...r, reportedAt: r.reportedAt.toISOString() }));
}

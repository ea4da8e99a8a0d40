/**
 * The one way stock counters change: `applyMovements` writes the counters and their ledger rows in a single
 * statement. Counters are never read into JavaScript, changed and written back.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { RetryCommand } from '../db/command.js';
import { AppError } from '../shared/errors.js';
import { MAX_UNITS, type MovementReason } from './inventory.js';

export interface Movement {
  skuId: string;
  locationId: string;
  onHand?: number;
  reserved?: number;
  quarantined?: number;
  reason: MovementReason;
  referenceType?: string | null;
  referenceId?: string | null;
  note?: string | null;
  /** Who moved it, when a statement moves stock for several requests (default: the statement's actor). */
  actor?: string;
  /** The request of a batch this movement belongs to (see `items` in movementCtes). */
  item?: number;
}

export interface NewReservation {
  id: string;
  skuId: string;
  locationId: string;
  channelId: string | null;
  quantity: number;
  referenceType: string;
  referenceId: string;
  expiresAt: Date | null;
  /** When the answer is built before writing, the time it shows (default: the transaction's now()). */
  createdAt?: Date;
  /** The request of a batch this reservation belongs to (see `items` in movementCtes). */
  item?: number;
}

export interface LevelRow {
  skuId: string;
  locationId: string;
  onHand: number;
  reserved: number;
  quarantined: number;
  safetyStock: number;
}

/**
 * What a movement batch must not break. `stock`: on hand, reserved and quarantined stay non-negative and reserved +
 * quarantined stays within on hand (the table's CHECKs, asked as a condition so a failure is an answer, not an
 * exception). `available`: in addition, a rise in reserved must fit in on hand - reserved - quarantined - safety stock.
 */
export type Guard = 'stock' | 'available';

export interface MovementResult {
  levels: LevelRow[];
  /** (sku, location) pairs whose change the guard refused; when non-empty the caller must abort the transaction. */
  refused: { skuId: string; locationId: string }[];
}

/**
 * Applies signed deltas to stock counters and appends one ledger row per movement, in one statement. Rows are locked
 * in (sku, location) order, so two batches over the same rows cannot deadlock. Optionally inserts reservations for the
 * pairs that succeeded, in the same statement.
 */
export async function applyMovements(
  trx: Trx,
  movements: readonly Movement[],
  opts: { guard: Guard; actor: string; reservations?: readonly NewReservation[] },
): Promise<MovementResult> {
  if (movements.length === 0) return { levels: [], refused: [] };
  const result = await sql<MovementRow>`WITH ${movementCtes(movements, opts)} ${movementResult}`.execute(trx);
  return interpretMovements(result.rows);
}

export type MovementRow = LevelRow & { raced: boolean; onHand: number | null; overLimit?: boolean };

/** The SELECT that reports, per (sku, location) of the batch, its counters after the change (null: refused). */
export const movementResult = sql`
  SELECT a.sku_id AS "skuId", a.location_id AS "locationId", u.on_hand AS "onHand", u.reserved,
         u.quarantined, u.safety_stock AS "safetyStock",
         (u.sku_id IS NULL AND a.on_hand > 0 AND a.on_hand + coalesce((SELECT e.on_hand FROM stock_levels e
            WHERE e.sku_id = a.sku_id AND e.location_id = a.location_id), 0) > ${sql.lit(MAX_UNITS)}) AS "overLimit",
         (u.sku_id IS NULL AND a.starts_valid AND NOT EXISTS (SELECT 1 FROM stock_levels e WHERE e.sku_id = a.sku_id AND e.location_id = a.location_id)) AS raced
  FROM agg a LEFT JOIN upd u USING (sku_id, location_id)`;

export function interpretMovements(rows: readonly MovementRow[]): MovementResult {
  const levels: LevelRow[] = [];
  const refused: { skuId: string; locationId: string }[] = [];
  for (const row of rows) {
    // Created by a concurrent transaction after this statement's snapshot: run the whole command again.
    if (row.raced && row.onHand === null) throw new RetryCommand(`stock row ${row.skuId}/${row.locationId} was created concurrently`);
    if (row.onHand === null && row.overLimit) {
      throw new AppError('quantity_limit_exceeded', `this change would put more than ${MAX_UNITS.toLocaleString('en-US')} units on hand of one SKU at one location (SKU ${row.skuId}, location ${row.locationId})`,
        { limit: MAX_UNITS, skuId: row.skuId, locationId: row.locationId });
    }
    if (row.onHand === null) refused.push({ skuId: row.skuId, locationId: row.locationId });
    else levels.push({ skuId: row.skuId, locationId: row.locationId, onHand: row.onHand, reserved: row.reserved, quarantined: row.quarantined, safetyStock: row.safetyStock });
  }
  return { levels, refused };
}

/** The names of the CTEs `movementCtes` defines: a statement that embeds them must not define these itself. */
export const movementCteNames = ['m', 'agg', 'locked', 'updated', 'inserted', 'upd', 'ledger', 'reservation'] as const;

/**
 * The movement statement's CTEs (`movementCteNames`), for embedding in a
 * use case's own statement. With `gate`, a SQL condition over the other CTEs, nothing moves unless it holds. With
 * `items`, a query over the other CTEs that returns item numbers, only the movements and reservations of those
 * items move (a statement that writes a batch of requests, some of which were refused).
 */
export function movementCtes(
  movements: readonly Movement[],
  opts: { guard: Guard; actor: string; reservations?: readonly NewReservation[]; gate?: RawBuilder<boolean>; items?: RawBuilder<number> },
) {
  const onlyItems = (alias: string) => (opts.items ? sql`AND ${sql.ref(`${alias}.item`)} IN (${opts.items})` : sql``);
  const payload = movements.map((m) => ({
    sku_id: m.skuId,
    location_id: m.locationId,
    on_hand: m.onHand ?? 0,
    reserved: m.reserved ?? 0,
    quarantined: m.quarantined ?? 0,
    reason: m.reason,
    reference_type: m.referenceType ?? null,
    reference_id: m.referenceId ?? null,
    note: m.note ?? null,
    actor: m.actor ?? null,
    item: m.item ?? 0,
  }));
  const reservations = (opts.reservations ?? []).map((r) => ({
    id: r.id,
    sku_id: r.skuId,
    location_id: r.locationId,
    channel_id: r.channelId,
    quantity: r.quantity,
    reference_type: r.referenceType,
    reference_id: r.referenceId,
    expires_at: r.expiresAt?.toISOString() ?? null,
    created_at: r.createdAt?.toISOString() ?? null,
    item: r.item ?? 0,
  }));
  return sql`
    m AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) AS x(
        sku_id uuid, location_id uuid, on_hand int, reserved int, quarantined int,
        reason text, reference_type text, reference_id text, note text, actor text, item int)
      WHERE ${opts.gate ?? sql<boolean>`true`} ${onlyItems('x')}
    ),
    -- Sums as bigint: a batch may hold several lines of one pair. A row never goes past MAX_UNITS (migration 0013),
    -- so the additions below stay in range; a change that would pass it is refused (and reported as over_limit).
    agg AS (
      SELECT x.*, (x.on_hand >= 0 AND x.reserved >= 0 AND x.quarantined >= 0 AND x.reserved + x.quarantined <= x.on_hand
                   AND x.on_hand <= ${sql.lit(MAX_UNITS)} AND (${opts.guard} <> 'available' OR x.reserved <= 0)) AS starts_valid
      FROM (SELECT sku_id, location_id, sum(on_hand)::bigint AS on_hand, sum(reserved)::bigint AS reserved,
                   sum(quarantined)::bigint AS quarantined
            FROM m GROUP BY sku_id, location_id) x
    ),
    -- Lock every existing row of the batch in (sku, location) order before changing any: two batches over the same
    -- rows then queue instead of deadlocking. (An InitPlan: evaluated once, before the UPDATE scans.)
    locked AS (
      SELECT s.sku_id FROM stock_levels s JOIN agg a USING (sku_id, location_id)
      ORDER BY s.sku_id, s.location_id FOR UPDATE OF s
    ),
    updated AS (
      UPDATE stock_levels s SET
        on_hand = s.on_hand + a.on_hand,
        reserved = s.reserved + a.reserved,
        quarantined = s.quarantined + a.quarantined,
        version = s.version + 1,
        updated_at = now()
      FROM agg a
      WHERE s.sku_id = a.sku_id AND s.location_id = a.location_id
        AND (SELECT count(*) FROM locked) >= 0
        AND s.on_hand + a.on_hand >= 0
        AND s.on_hand + a.on_hand <= ${sql.lit(MAX_UNITS)}
        AND s.reserved + a.reserved >= 0
        AND s.quarantined + a.quarantined >= 0
        AND s.reserved + a.reserved + s.quarantined + a.quarantined <= s.on_hand + a.on_hand
        AND (${opts.guard} <> 'available' OR a.reserved <= 0
             OR ${freeSql('s')} >= a.reserved)
      RETURNING s.sku_id, s.location_id, s.on_hand, s.reserved, s.quarantined, s.safety_stock
    ),
    -- A pair without a row yet is created, if its deltas make a valid row on their own. If another transaction
    -- creates it first, nothing is inserted and the pair is reported as raced (the caller retries).
    inserted AS (
      INSERT INTO stock_levels AS s (sku_id, location_id, on_hand, reserved, quarantined)
      SELECT a.sku_id, a.location_id, a.on_hand, a.reserved, a.quarantined FROM agg a
      WHERE a.starts_valid
        AND NOT EXISTS (SELECT 1 FROM stock_levels e WHERE e.sku_id = a.sku_id AND e.location_id = a.location_id)
      ORDER BY a.sku_id, a.location_id
      ON CONFLICT (sku_id, location_id) DO NOTHING
      RETURNING s.sku_id, s.location_id, s.on_hand, s.reserved, s.quarantined, s.safety_stock
    ),
    upd AS (SELECT * FROM updated UNION ALL SELECT * FROM inserted),
    ledger AS (
      INSERT INTO stock_movements (sku_id, location_id, reason, on_hand_delta, reserved_delta, quarantined_delta,
                                   reference_type, reference_id, actor, note)
      SELECT m.sku_id, m.location_id, m.reason, m.on_hand, m.reserved, m.quarantined, m.reference_type,
             m.reference_id, coalesce(m.actor, ${opts.actor}), m.note
      FROM m JOIN upd USING (sku_id, location_id)
      WHERE m.on_hand <> 0 OR m.reserved <> 0 OR m.quarantined <> 0
    ),
    reservation AS (
      INSERT INTO reservations (id, sku_id, location_id, channel_id, quantity, status, reference_type, reference_id, expires_at, created_at)
      SELECT r.id, r.sku_id, r.location_id, r.channel_id, r.quantity, 'open', r.reference_type, r.reference_id, r.expires_at,
             coalesce(r.created_at, now())
      FROM jsonb_to_recordset(${JSON.stringify(reservations)}::jsonb) AS r(
        id uuid, sku_id uuid, location_id uuid, channel_id uuid, quantity int, reference_type text, reference_id text,
        expires_at timestamptz, created_at timestamptz, item int)
      JOIN upd USING (sku_id, location_id)
      WHERE true ${onlyItems('r')}
    )
  `;
}

/** Current counters of the given pairs, in their order (pairs without a row read as all zero). */
export async function findLevels(db: DbOrTrx, pairs: readonly { skuId: string; locationId: string }[]): Promise<LevelRow[]> {
  if (pairs.length === 0) return [];
  const result = await sql<LevelRow & { raced: boolean }>`
    SELECT p.sku_id AS "skuId", p.location_id AS "locationId", coalesce(s.on_hand, 0) AS "onHand",
           coalesce(s.reserved, 0) AS reserved, coalesce(s.quarantined, 0) AS quarantined,
           coalesce(s.safety_stock, 0) AS "safetyStock"
    FROM unnest(${pairs.map((p) => p.skuId)}::uuid[], ${pairs.map((p) => p.locationId)}::uuid[]) WITH ORDINALITY AS p(sku_id, location_id, n)
    LEFT JOIN stock_levels s ON s.sku_id = p.sku_id AND s.location_id = p.location_id
    -- Callers read the rows by position: a hash join would otherwise return them in any order.
    ORDER BY p.n
  `.execute(db);
  return result.rows;
}

export interface StockFilter {
  skuId?: string;
  locationId?: string;
  /** Only these (sku, location) pairs. */
  pairs?: readonly { skuId: string; locationId: string }[];
  /** Only rows with something on hand, reserved or quarantined. */
  nonZero?: boolean;
  after?: [string, string];
  limit: number;
}

export async function listStock(db: DbOrTrx, f: StockFilter) {
  let q = db
    .selectFrom('stock_levels as s')
    .innerJoin('skus as k', 'k.id', 's.sku_id')
    .innerJoin('locations as l', 'l.id', 's.location_id')
    .select([
      's.sku_id as skuId', 'k.code as skuCode', 's.location_id as locationId', 'l.code as locationCode',
      's.on_hand as onHand', 's.reserved', 's.quarantined', 's.safety_stock as safetyStock',
      's.safety_weeks as safetyWeeks', 's.safety_lookback_weeks as safetyLookbackWeeks',
      's.reorder_point as reorderPoint', 's.version', 's.updated_at as updatedAt',
    ])
    .orderBy('k.code')
    .orderBy('l.code')
    .limit(f.limit);
  if (f.skuId) q = q.where('s.sku_id', '=', f.skuId);
  if (f.locationId) q = q.where('s.location_id', '=', f.locationId);
  if (f.pairs) {
    const pairs = f.pairs;
    q = q.where(sql<boolean>`(s.sku_id, s.location_id) IN (SELECT * FROM unnest(${pairs.map((p) => p.skuId)}::uuid[], ${pairs.map((p) => p.locationId)}::uuid[]))`);
  }
  if (f.nonZero) q = q.where((eb) => eb.or([eb('s.on_hand', '>', 0), eb('s.reserved', '>', 0), eb('s.quarantined', '>', 0)]));
  if (f.after) {
    const [skuCode, locationCode] = f.after;
    q = q.where((eb) => eb.or([eb('k.code', '>', skuCode), eb.and([eb('k.code', '=', skuCode), eb('l.code', '>', locationCode)])]));
  }
  return q.execute();
}

export async function listMovements(db: DbOrTrx, f: { skuId?: string; locationId?: string; referenceType?: string; referenceId?: string; beforeId?: number; limit: number }) {
  let q = db
    .selectFrom('stock_movements as m')
    .innerJoin('skus as k', 'k.id', 'm.sku_id')
    .innerJoin('locations as l', 'l.id', 'm.location_id')
    .select(['m.id', 'm.at', 'k.code as skuCode', 'm.sku_id as skuId', 'l.code as locationCode', 'm.location_id as locationId',
      'm.reason', 'm.on_hand_delta as onHandDelta', 'm.reserved_delta as reservedDelta', 'm.quarantined_delta as quarantinedDelta',
      'm.reference_type as referenceType', 'm.reference_id as referenceId', 'm.actor', 'm.note'])
    .orderBy('m.id', 'desc')
    .limit(f.limit);
  if (f.skuId) q = q.where('m.sku_id', '=', f.skuId);
  if (f.locationId) q = q.where('m.location_id', '=', f.locationId);
  if (f.referenceType) q = q.where('m.reference_type', '=', f.referenceType);
  if (f.referenceId) q = q.where('m.reference_id', '=', f.referenceId);
  if (f.beforeId !== undefined) q = q.where('m.id', '<', f.beforeId);
  return q.execute();
}

/**
 * Units free to reserve at a stock row: on hand less reserved, quarantined and safety stock. The one definition in
 * SQL (`freeUnits` in inventory.ts is the same in TypeScript; the signal functions in the migrations restate it).
 */
export const freeSql = (alias = 's') =>
  sql<number>`(${sql.ref(`${alias}.on_hand`)} - ${sql.ref(`${alias}.reserved`)} - ${sql.ref(`${alias}.quarantined`)} - ${sql.ref(`${alias}.safety_stock`)})`;

/** Free units of a SKU at one active location, with what choosing a location needs. */
export interface FreeStock { locationId: string; code: string; priority: number; canShip: boolean; canPickup: boolean; skuId: string; free: number }

/** Where the SKUs have free units, at active locations. */
export async function freeStockOf(db: DbOrTrx, skuIds: readonly string[]): Promise<FreeStock[]> {
  const rows = await sql<FreeStock>`
    SELECT s.location_id AS "locationId", l.code, l.priority, l.can_ship AS "canShip", l.can_pickup AS "canPickup",
      s.sku_id AS "skuId", ${freeSql('s')} AS free
    FROM stock_levels s JOIN locations l ON l.id = s.location_id AND l.active
    WHERE s.sku_id = ANY(${skuIds}::uuid[]) AND ${freeSql('s')} > 0
  `.execute(db);
  return rows.rows;
}

/** Whether a SKU has units on hand anywhere. */
export async function hasStockOnHand(db: DbOrTrx, skuId: string): Promise<boolean> {
  return Boolean(await db.selectFrom('stock_levels').select('sku_id').where('sku_id', '=', skuId).where('on_hand', '>', 0).executeTakeFirst());
}

/**
 * Cycle counts: open a count for a location (the expected quantities are a snapshot of on hand at that moment),
 * record what people count, then post the variances as 'count' movements, or cancel.
 *
 * Posting applies counted - expected to the current on hand rather than setting on hand to the counted number, so the
 * movements that happened between the snapshot and the posting (a shipment, a receipt) are kept.
 */
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import type { DbOrTrx, Trx } from '../db/database.js';
import type { CommandResult } from '../db/command.js';
import { Id, Nullable, Timestamp } from '../http/schemas.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { Note, Ref } from './inventory.js';
import { moveStock } from './move-stock.js';
import { resolveRefs } from './refs.repository.js';

export const MAX_COUNT_LINES = 5000;

export const countStatuses = ['open', 'posted', 'cancelled'] as const;
export type CountStatus = (typeof countStatuses)[number];

/** Where a count may go from each status. A posted count's movements are in the ledger; it is final. */
const countTransitions = {
  open: ['posted', 'cancelled'],
  posted: [],
  cancelled: [],
} as const satisfies Record<CountStatus, readonly CountStatus[]>;

export const OpenCountRequest = Type.Object({
  location: Ref,
  skus: Type.Optional(Type.Array(Ref, {
    minItems: 1, maxItems: MAX_COUNT_LINES, description: 'SKUs to count; leave out to count every SKU stocked at the location',
  })),
  note: Type.Optional(Note),
}, { additionalProperties: false });
export type OpenCountRequest = Static<typeof OpenCountRequest>;

export const RecordCountRequest = Type.Object({
  lines: Type.Array(Type.Object({
    sku: Ref,
    counted: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_COUNT_LINES }),
}, { additionalProperties: false });
export type RecordCountRequest = Static<typeof RecordCountRequest>;

const CountTotals = Type.Object({
  lines: Type.Integer(),
  countedLines: Type.Integer(),
  linesWithVariance: Type.Integer(),
  unitsOver: Type.Integer({ description: 'Sum of positive variances (found more than expected)' }),
  unitsShort: Type.Integer({ description: 'Sum of negative variances, as a positive number' }),
});

const countFields = {
  id: Id,
  location: Type.String({ description: 'Location code' }),
  locationId: Id,
  status: Type.Enum(countStatuses),
  note: Nullable(Type.String()),
  createdAt: Timestamp,
  postedAt: Nullable(Timestamp),
  totals: CountTotals,
};

export const StockCountSummary = Type.Object(countFields);
export type StockCountSummary = Static<typeof StockCountSummary>;

export const StockCount = Type.Object({
  ...countFields,
  lines: Type.Array(Type.Object({
    sku: Type.String({ description: 'SKU code' }),
    skuId: Id,
    expected: Type.Integer({ description: 'On hand when the count opened (or when the SKU was added to it)' }),
    counted: Nullable(Type.Integer()),
    variance: Nullable(Type.Integer({ description: 'counted - expected; null until counted' })),
  })),
});
export type StockCount = Static<typeof StockCount>;

function requireTransition(count: { id: string; status: CountStatus }, to: CountStatus): void {
  const allowed: readonly CountStatus[] = countTransitions[count.status];
  if (!allowed.includes(to)) {
    const from = countStatuses.filter((s) => (countTransitions[s] as readonly CountStatus[]).includes(to));
    throw new AppError('invalid_state', `count ${count.id} is ${count.status}; only a count that is ${from.join(' or ')} can be ${to}`, {
      currentStatus: count.status, allowed: from,
    });
  }
}

// ---- use cases -------------------------------------------------------------------------------------------------

export async function openCount(trx: Trx, input: OpenCountRequest): Promise<CommandResult<StockCount>> {
  const refs = await resolveRefs(trx, { location: [input.location], sku: input.skus ?? [] });
  const locationId = refs.location(input.location);
  const id = newId();
  await trx.insertInto('stock_counts').values({ id, location_id: locationId, status: 'open', note: input.note ?? null }).execute();
  const skuIds = input.skus ? [...new Set(input.skus.map((s) => refs.sku(s)))] : null;
  // The snapshot is one statement, so every expected number is from the same moment.
  await sql`
    INSERT INTO stock_count_lines (count_id, sku_id, expected)
    SELECT ${id}::uuid, x.sku_id, coalesce(s.on_hand, 0)
    FROM (SELECT unnest(${skuIds}::uuid[]) AS sku_id) x
    LEFT JOIN stock_levels s ON s.sku_id = x.sku_id AND s.location_id = ${locationId}
    WHERE ${skuIds}::uuid[] IS NOT NULL
    UNION ALL
    SELECT ${id}::uuid, s.sku_id, s.on_hand FROM stock_levels s
    WHERE ${skuIds}::uuid[] IS NULL AND s.location_id = ${locationId}
  `.execute(trx);
  const count = await loadCount(trx, id);
  return { created: true, value: count, audit: { action: 'stock_count.opened', entityType: 'stock_count', entityId: id, details: { locationId, lines: count.lines.length } } };
}

export async function recordCountLines(trx: Trx, id: string, input: RecordCountRequest): Promise<CommandResult<StockCount>> {
  const count = await lockCount(trx, id);
  if (count.status !== 'open') {
    throw new AppError('invalid_state', `count ${id} is ${count.status}; counted quantities can be recorded only on an open count`, { currentStatus: count.status, allowed: ['open'] });
  }
  const refs = await resolveRefs(trx, { sku: input.lines.map((l) => l.sku) });
  const lines = input.lines.map((l) => ({ skuId: refs.sku(l.sku), counted: l.counted }));
  const seen = new Map<string, number>();
  lines.forEach((l, i) => {
    const first = seen.get(l.skuId);
    if (first !== undefined) {
      throw new AppError('validation_failed', `lines ${first} and ${i} name the same SKU; send one line per SKU with its total`, {
        errors: [{ path: `/body/lines/${i}/sku`, message: `same SKU as /body/lines/${first}/sku` }],
      });
    }
    seen.set(l.skuId, i);
  });
  // A SKU found on the shelf but not in the count joins it, expected at what Ordo has there now.
  await sql`
    INSERT INTO stock_count_lines (count_id, sku_id, expected, counted)
    SELECT ${id}::uuid, x.sku_id, coalesce(s.on_hand, 0), x.counted
    FROM unnest(${lines.map((l) => l.skuId)}::uuid[], ${lines.map((l) => l.counted)}::int[]) AS x(sku_id, counted)
    LEFT JOIN stock_levels s ON s.sku_id = x.sku_id AND s.location_id = ${count.locationId}
    ON CONFLICT (count_id, sku_id) DO UPDATE SET counted = excluded.counted
  `.execute(trx);
  return { created: false, value: await loadCount(trx, id), audit: { action: 'stock_count.recorded', entityType: 'stock_count', entityId: id, details: { lines: lines.length } } };
}

/**
 * Posts every counted line's variance as one 'count' movement, all or nothing: a variance that would take on hand
 * below reserved + quarantined is a 409 (someone must release those units first) and nothing is posted.
 */
export async function postCount(trx: Trx, id: string, actor: string): Promise<CommandResult<StockCount>> {
  const count = await lockCount(trx, id);
  requireTransition(count, 'posted');
  const variances = await trx.selectFrom('stock_count_lines')
    .select(['sku_id', sql<number>`counted - expected`.as('variance')])
    .where('count_id', '=', id)
    .where('counted', 'is not', null)
    .where(sql<boolean>`counted <> expected`)
    .orderBy('sku_id')
    .execute();
  await moveStock(trx, variances.map((v) => ({
    skuId: v.sku_id, locationId: count.locationId, onHand: v.variance, reason: 'count', referenceType: 'count', referenceId: id,
    note: count.note,
  })), actor, `posting count ${id}`);
  await trx.updateTable('stock_counts').set({ status: 'posted', posted_at: sql<Date>`now()` }).where('id', '=', id).execute();
  const body = await loadCount(trx, id);
  return { created: false, value: body, audit: { action: 'stock_count.posted', entityType: 'stock_count', entityId: id, details: { ...body.totals, movements: variances.length } } };
}

export async function cancelCount(trx: Trx, id: string): Promise<CommandResult<StockCount>> {
  const count = await lockCount(trx, id);
  requireTransition(count, 'cancelled');
  await trx.updateTable('stock_counts').set({ status: 'cancelled' }).where('id', '=', id).execute();
  return { created: false, value: await loadCount(trx, id), audit: { action: 'stock_count.cancelled', entityType: 'stock_count', entityId: id } };
}

// ---- SQL -------------------------------------------------------------------------------------------------------

/** Locks the count so that recording, posting and cancelling one count happen one after another. */
async function lockCount(trx: Trx, id: string): Promise<{ id: string; status: CountStatus; locationId: string; note: string | null }> {
  const row = await trx.selectFrom('stock_counts').select(['id', 'status', 'location_id', 'note']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound('stock count', id);
  return { id: row.id, status: row.status as CountStatus, locationId: row.location_id, note: row.note };
}

interface CountRow {
  id: string; locationId: string; locationCode: string; status: CountStatus; note: string | null; createdAt: Date; postedAt: Date | null;
  lines: number; countedLines: number; linesWithVariance: number; unitsOver: number; unitsShort: number;
}

/** The count with its totals; the variance rules live here only (uncounted lines count for nothing). */
const selectCount = sql`
  SELECT c.id, c.location_id AS "locationId", l.code AS "locationCode", c.status, c.note, c.created_at AS "createdAt",
         c.posted_at AS "postedAt", t.lines, t."countedLines", t."linesWithVariance", t."unitsOver", t."unitsShort"
  FROM stock_counts c
  JOIN locations l ON l.id = c.location_id
  CROSS JOIN LATERAL (
    SELECT count(*) AS lines, count(counted) AS "countedLines",
           count(*) FILTER (WHERE counted <> expected) AS "linesWithVariance",
           coalesce(sum(greatest(counted - expected, 0)), 0) AS "unitsOver",
           coalesce(sum(greatest(expected - counted, 0)), 0) AS "unitsShort"
    FROM stock_count_lines WHERE count_id = c.id
  ) t`;

function toSummary(r: CountRow): StockCountSummary {
  return {
    id: r.id, location: r.locationCode, locationId: r.locationId, status: r.status, note: r.note,
    createdAt: r.createdAt.toISOString(), postedAt: r.postedAt?.toISOString() ?? null,
    totals: { lines: r.lines, countedLines: r.countedLines, linesWithVariance: r.linesWithVariance, unitsOver: r.unitsOver, unitsShort: r.unitsShort },
  };
}

export async function findCount(db: DbOrTrx, id: string): Promise<StockCount | undefined> {
  const row = (await sql<CountRow>`${selectCount} WHERE c.id = ${id}`.execute(db)).rows[0];
  if (!row) return undefined;
  const lines = await sql<StockCount['lines'][number]>`
    SELECT k.code AS sku, n.sku_id AS "skuId", n.expected, n.counted, n.counted - n.expected AS variance
    FROM stock_count_lines n JOIN skus k ON k.id = n.sku_id
    WHERE n.count_id = ${id}
    ORDER BY k.code
  `.execute(db);
  return { ...toSummary(row), lines: lines.rows };
}

async function loadCount(db: DbOrTrx, id: string): Promise<StockCount> {
  const count = await findCount(db, id);
  if (!count) throw notFound('stock count', id);
  return count;
}

/** Newest first (ids are time-ordered). */
export async function listCounts(
  db: DbOrTrx,
  f: { status?: CountStatus; location?: string; beforeId?: string; limit: number },
): Promise<StockCountSummary[]> {
  const locationId = f.location ? (await resolveRefs(db, { location: [f.location] })).location(f.location) : null;
  const result = await sql<CountRow>`${selectCount}
    WHERE (${f.status ?? null}::text IS NULL OR c.status = ${f.status ?? null})
      AND (${locationId}::uuid IS NULL OR c.location_id = ${locationId})
      AND (${f.beforeId ?? null}::uuid IS NULL OR c.id < ${f.beforeId ?? null})
    ORDER BY c.id DESC LIMIT ${f.limit}`.execute(db);
  return result.rows.map(toSummary);
}

/**
 * The order list: filters, four sort orders and keyset pages, built to stay fast at millions of orders.
 *
 * One statement finds the ids of a page (plus one row, to know whether another page follows); the caller then loads
 * the full views with `loadOrders`. Every filter is written so that an index can serve it (migrations 0004, 0007):
 *
 *   status, channel, customer  (x, placed_at DESC, id DESC) btrees: a page of one value is a range of one index
 *   placed range, sort by date  orders_placed (placed_at DESC, id DESC)
 *   total range, sort by total  orders_total (total_minor, id)
 *   sku                         order_lines_sku (sku_id, order_id), probed per order or scanned, as the planner prefers
 *   holdReason                  order_holds_open_reason (reason_code, order_id) WHERE status = 'open'
 *   location                    order_lines_order_id_line_no_key (order_id, line_no), probed per order of the walk: no index of
 *                               its own, so that capture (ADR 0002) writes no more index entries per line; with a
 *                               status (a location's queue: in_fulfillment) the walk is that status's range
 *   externalRef                 orders_external_ref
 *   q                           the newest 2,000 orders in the page's order, filtered (frequent text); else
 *                               orders_search, a pg_trgm GIN index on search_text (rare text; see textSearch)
 *
 *   open status, sort by total  orders_open_total (status, total_minor, id), partial (migration 0007)
 *
 * Several statuses sorted by date are one branch per status (each a range of orders_status_placed) merged by a
 * UNION ALL: `status = ANY(…)` would have to read the whole of orders_placed to find a rare status on a deep page.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { OrderStatus } from './order-status.js';

export const orderSorts = ['-placedAt', 'placedAt', '-total', 'total'] as const;

/** The statuses of the partial index orders_open_total (migration 0007): orders still being worked on. */
const openStatuses: readonly OrderStatus[] = ['received', 'on_hold', 'confirmed', 'allocated', 'in_fulfillment', 'partially_shipped'];
export type OrderSort = (typeof orderSorts)[number];

/** Filters with references already resolved to ids. */
export interface OrderFilter {
  statuses?: readonly OrderStatus[];
  channelId?: string;
  customerId?: string;
  skuId?: string;
  /** Inclusive. */
  placedFrom?: string;
  /** Exclusive. */
  placedTo?: string;
  holdReason?: string;
  /** Orders with a line sourced at this location, or to be picked up there. */
  locationId?: string;
  externalRef?: string;
  totalMin?: number;
  totalMax?: number;
  /** Matched anywhere in the customer's name, email, phone and the shipping address. */
  q?: string;
}

/**
 * Where the previous page ended: the sort key of its last row and its id. A date is kept as PostgreSQL's text with
 * microseconds, since a JavaScript Date (milliseconds) would skip or repeat rows placed within the same millisecond.
 */
export interface OrderKeyset {
  key: string | number;
  id: string;
}

export interface OrderKeyRow {
  id: string;
  key: string | number;
}

interface SortSpec {
  column: RawBuilder<unknown>;
  descending: boolean;
  /** The sort key as the cursor carries it. */
  key: RawBuilder<unknown>;
  /** The cursor's key as SQL of the column's type. */
  param(value: string | number): RawBuilder<unknown>;
}

const placedKey = sql`to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const sorts: Record<OrderSort, SortSpec> = {
  '-placedAt': { column: sql`o.placed_at`, descending: true, key: placedKey, param: (v) => sql`${String(v)}::timestamptz` },
  placedAt: { column: sql`o.placed_at`, descending: false, key: placedKey, param: (v) => sql`${String(v)}::timestamptz` },
  '-total': { column: sql`o.total_minor`, descending: true, key: sql`o.total_minor`, param: (v) => sql`${Number(v)}::bigint` },
  total: { column: sql`o.total_minor`, descending: false, key: sql`o.total_minor`, param: (v) => sql`${Number(v)}::bigint` },
};

/** Whether a cursor's key has the type its sort needs (a cursor is client input: check before it reaches SQL). */
export function validSortKey(sort: OrderSort, key: unknown): key is string | number {
  if (sort === 'total' || sort === '-total') return Number.isSafeInteger(key);
  if (typeof key !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(key)) return false;
  // A real instant (Date.parse accepts 30 February; PostgreSQL would not, and a forged cursor must be a 400, not a 500).
  const millis = `${key.slice(0, 23)}Z`;
  const date = new Date(millis);
  return !Number.isNaN(date.getTime()) && date.toISOString() === millis;
}

/** `q` as an ILIKE pattern that matches it literally anywhere (%, _ and \ escaped). */
export const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The conditions every branch shares (all filters but status). */
function conditions(f: OrderFilter): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [];
  if (f.channelId !== undefined) where.push(sql`o.channel_id = ${f.channelId}::uuid`);
  if (f.customerId !== undefined) where.push(sql`o.customer_id = ${f.customerId}::uuid`);
  if (f.skuId !== undefined) where.push(sql`EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku_id = ${f.skuId}::uuid)`);
  if (f.placedFrom !== undefined) where.push(sql`o.placed_at >= ${f.placedFrom}::timestamptz`);
  if (f.placedTo !== undefined) where.push(sql`o.placed_at < ${f.placedTo}::timestamptz`);
  if (f.holdReason !== undefined) {
    where.push(sql`EXISTS (SELECT 1 FROM order_holds h WHERE h.order_id = o.id AND h.status = 'open' AND h.reason_code = ${f.holdReason})`);
  }
  if (f.locationId !== undefined) {
    where.push(sql`(o.pickup_location_id = ${f.locationId}::uuid
      OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.location_id = ${f.locationId}::uuid))`);
  }
  if (f.externalRef !== undefined) where.push(sql`o.external_ref = ${f.externalRef}`);
  if (f.totalMin !== undefined) where.push(sql`o.total_minor >= ${f.totalMin}::bigint`);
  if (f.totalMax !== undefined) where.push(sql`o.total_minor <= ${f.totalMax}::bigint`);
  if (f.q !== undefined) where.push(textMatch(f.q));
  return where;
}

// search_text is lower-cased by the application (capture), so q is too: ILIKE alone would miss Ü against ü under a
// C collation.
const textMatch = (q: string, alias = 'o') => sql`${sql.ref(`${alias}.search_text`)} ILIKE ${containsPattern(q.toLowerCase())}`;

/** How many of the page's first orders (in its sort order, other filters applied) a text search reads before the index. */
const TEXT_WINDOW = 2000;
/**
 * The most orders a second, wider window may read: when the first window's matches show the text is common enough
 * that this many recent orders should fill the page, walking them (~1 ms per 1,000 here) beats the trigram index,
 * which must fetch and sort every order holding the text's words (a street name: ~3 % of all orders).
 */
const WIDE_WINDOW_MAX = 40_000;

const and = (parts: RawBuilder<unknown>[]) => (parts.length === 0 ? sql`true` : sql.join(parts, sql` AND `));

/**
 * The ids and sort keys of up to `limit` orders matching `filter`, in `sort` order, after `after`.
 */
export async function searchOrderKeys(db: DbOrTrx, filter: OrderFilter, sort: OrderSort, after: OrderKeyset | undefined, limit: number): Promise<OrderKeyRow[]> {
  if (filter.q !== undefined) return textSearch(db, filter as OrderFilter & { q: string }, sort, after, limit);
  return (await keysQuery(filter, sort, after, limit).execute(db)).rows;
}

/**
 * Text search has two good plans, and which one is good depends on how common the text is, which PostgreSQL can only
 * guess: frequent text (a city, a common first name) is found at once by walking the orders in page order and
 * filtering; rare text (a person, an email, an order reference) by the trigram index, whose few hits are then sorted.
 * A wrong guess cost 0.7-1 s per page at a million orders (a full name on 171 orders, walked). So: read the page's
 * first TEXT_WINDOW orders and filter them (a few ms); if that found some but not a page, and at that rate at most
 * WIDE_WINDOW_MAX orders would fill it, read that many; only then ask the trigram index, with an ORDER BY that no
 * btree can serve, so the plan cannot fall back to the long walk.
 */
async function textSearch(db: DbOrTrx, filter: OrderFilter & { q: string }, sort: OrderSort, after: OrderKeyset | undefined, limit: number): Promise<OrderKeyRow[]> {
  const { q, ...rest } = filter;
  const s = sorts[sort];
  const dir = s.descending ? sql`DESC` : sql`ASC`;
  const where = conditions(rest);
  if (after) where.push(keysetCondition(s, after));
  const statuses = [...new Set(filter.statuses ?? [])];
  if (statuses.length > 0) where.push(sql`o.status = ANY(${statuses}::text[])`);
  const window = async (size: number) => {
    const rows = (await sql<{ window_rows: number; id: string | null; key: string | number | null }>`
      WITH w AS MATERIALIZED (
        SELECT o.id, o.search_text, ${s.column} AS sort_value, ${s.key} AS key FROM orders o
        WHERE ${and(where)}
        ORDER BY ${s.column} ${dir}, o.id ${dir} LIMIT ${size}
      )
      SELECT n.window_rows, m.id, m.key
      FROM (SELECT count(*)::int AS window_rows FROM w) n
      LEFT JOIN LATERAL (
        SELECT w.id, w.key, w.sort_value FROM w WHERE ${textMatch(q, 'w')}
        ORDER BY w.sort_value ${dir}, w.id ${dir} LIMIT ${limit}
      ) m ON true
      ORDER BY m.sort_value ${dir}, m.id ${dir}`.execute(db)).rows;
    const found = rows.flatMap(({ id, key }) => (id === null || key === null ? [] : [{ id, key }]));
    // A full page, or every order the other filters allow was in the window: the answer is complete.
    return { found, complete: found.length === limit || (rows[0]?.window_rows ?? 0) < size };
  };
  const first = await window(TEXT_WINDOW);
  if (first.complete) return first.found;
  // Some matches: at that rate, how many orders would fill the page (with a margin)?
  const wide = first.found.length > 0 ? Math.ceil(((limit * TEXT_WINDOW) / first.found.length) * 1.5) : Infinity;
  if (wide <= WIDE_WINDOW_MAX) {
    const second = await window(wide);
    if (second.complete) return second.found;
  }
  const indexed = await sql<OrderKeyRow>`
    SELECT o.id, ${s.key} AS key FROM orders o
    WHERE ${and([...where, textMatch(q)])}
    ORDER BY (${s.column}) ${sql.raw(sort === 'total' || sort === '-total' ? '+ 0' : "+ interval '0 s'")} ${dir}, o.id ${dir} LIMIT ${limit}`.execute(db);
  return indexed.rows;
}

/** A row comparison: served by the sort's index as one range, ties on the sort key broken by the id. */
const keysetCondition = (s: SortSpec, after: OrderKeyset) =>
  sql`(${s.column}, o.id) ${s.descending ? sql`<` : sql`>`} (${s.param(after.key)}, ${after.id}::uuid)`;

function keysQuery(filter: OrderFilter, sort: OrderSort, after: OrderKeyset | undefined, limit: number): RawBuilder<OrderKeyRow> {
  const s = sorts[sort];
  const dir = s.descending ? sql`DESC` : sql`ASC`;
  const where = conditions(filter);
  if (after) where.push(keysetCondition(s, after));
  const statuses = [...new Set(filter.statuses ?? [])];
  const branch = (status: RawBuilder<unknown> | null) => sql<OrderKeyRow>`
    SELECT o.id, ${s.column} AS sort_value, ${s.key} AS key FROM orders o
    WHERE ${and(status ? [status, ...where] : where)}
    ORDER BY ${s.column} ${dir}, o.id ${dir} LIMIT ${limit}`;

  // Merging per-status branches pays where each branch is one index range: by date always, by total for open statuses.
  const ranged = sort === '-placedAt' || sort === 'placedAt' || statuses.every((st) => openStatuses.includes(st));
  if (statuses.length > 1 && ranged) {
    const branches = statuses.map((st) => sql`(${branch(sql`o.status = ${st}`)})`);
    return sql<OrderKeyRow>`
      SELECT x.id, x.key FROM (${sql.join(branches, sql` UNION ALL `)}) x
      ORDER BY x.sort_value ${dir}, x.id ${dir} LIMIT ${limit}`;
  }
  const status = statuses.length === 0 ? null : statuses.length === 1 ? sql`o.status = ${statuses[0]}` : sql`o.status = ANY(${statuses}::text[])`;
  return branch(status);
}

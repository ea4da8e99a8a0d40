/**
 * Available to promise (ATP), read from the maintained counters (stock_levels, open reservations, open supply),
 * never from the ledger.
 *
 * Per location: free = on hand - reserved - quarantined - safety stock (at least 0).
 * Per channel, over all active locations:
 *   base    = sum over locations of (on hand - quarantined - safety stock), the stock channels may sell;
 *   quota_c = the channel's dedicated quota: units, or a percentage of base (its SKU rule, else its default rule);
 *   pool    = base - sum of quotas, the shared pool every channel draws from after its own quota;
 *   a channel's open reservations use its quota first, then the pool; reservations of channels without a quota use
 *   the pool;
 *   ATP_c   = min(free, (quota_c - used_c) + (pool - pool used)), plus, for a channel with a presale window, the
 *             unpromised incoming supply expected within it.
 * Bundles: min over components of floor(component ATP / component quantity).
 */
import { CompiledQuery, sql } from 'kysely';
import { uuidArrayBinary, uuidBytes } from '../db/refs.js';
import { PREPARED } from '../db/database.js';
import type { DbOrTrx, Trx } from '../db/database.js';
import { freeSql } from './stock.repository.js';

export interface SkuAvailability {
  skuId: string;
  onHand: number;
  reserved: number;
  quarantined: number;
  safetyStock: number;
  available: number;
  /** Unpromised incoming supply expected on or before the date asked (0 without a date). */
  incoming: number;
}

export interface ChannelAvailability {
  channelId: string;
  skuId: string;
  available: number;
}

export async function channelAvailability(db: DbOrTrx, skuIds: readonly string[], channelIds: readonly string[] | null): Promise<ChannelAvailability[]> {
  if (skuIds.length === 0) return [];
  const result = await sql<ChannelAvailability>`
    SELECT channel_id AS "channelId", sku_id AS "skuId", available
    FROM ordo_channel_atp(${skuIds}::uuid[], ${channelIds}::uuid[], false)
  `.execute(db);
  return result.rows;
}

/**
 * Location-level numbers per SKU (summed over the given locations, or all active ones), with the unpromised
 * incoming supply expected by `date`. Bundles: from their components.
 */
export async function skuAvailability(
  db: DbOrTrx,
  skuIds: readonly string[],
  opts: { locationIds?: readonly string[]; date?: string },
): Promise<SkuAvailability[]> {
  if (skuIds.length === 0) return [];
  const locations = opts.locationIds ?? null;
  const result = await sql<SkuAvailability>`
    WITH wanted AS (SELECT DISTINCT unnest(${skuIds}::uuid[]) AS sku_id),
    targets AS (
      SELECT sku_id FROM wanted
      UNION SELECT c.component_sku_id FROM sku_components c JOIN wanted w ON w.sku_id = c.bundle_sku_id
    ),
    loc AS (
      SELECT id FROM locations
      WHERE CASE WHEN ${locations === null}::boolean THEN active ELSE id = ANY(${locations ?? []}::uuid[]) END
    ),
    lvl AS (
      SELECT t.sku_id,
        coalesce(sum(s.on_hand), 0) AS on_hand, coalesce(sum(s.reserved), 0) AS reserved,
        coalesce(sum(s.quarantined), 0) AS quarantined, coalesce(sum(s.safety_stock), 0) AS safety_stock,
        coalesce(sum(greatest(0, ${freeSql('s')})), 0) AS available,
        (SELECT coalesce(sum(sl.quantity - sl.received - sl.reserved), 0) FROM supply_lines sl
         WHERE sl.sku_id = t.sku_id AND sl.open AND sl.location_id IN (SELECT id FROM loc)
           AND ${opts.date ?? null}::date IS NOT NULL AND sl.expected_on <= ${opts.date ?? null}::date) AS incoming
      FROM targets t LEFT JOIN stock_levels s ON s.sku_id = t.sku_id AND s.location_id IN (SELECT id FROM loc)
      GROUP BY t.sku_id
    )
    SELECT sku_id AS "skuId", on_hand::bigint AS "onHand", reserved::bigint, quarantined::bigint,
           safety_stock::bigint AS "safetyStock", available::bigint, incoming::bigint
    FROM lvl WHERE sku_id IN (SELECT sku_id FROM wanted) AND sku_id NOT IN (SELECT bundle_sku_id FROM sku_components)
    UNION ALL
    SELECT c.bundle_sku_id, 0, 0, 0, 0,
      min(floor(l.available / c.quantity))::bigint, min(floor((l.available + l.incoming) / c.quantity) - floor(l.available / c.quantity))::bigint
    FROM sku_components c JOIN wanted w ON w.sku_id = c.bundle_sku_id JOIN lvl l ON l.sku_id = c.component_sku_id
    GROUP BY c.bundle_sku_id
  `.execute(db);
  return result.rows;
}

export interface AvailabilityQuery {
  /** Distinct SKU ids, in the order the answer lists them, with their codes (as resolved). */
  skuIds: readonly string[];
  skuCodes: readonly string[];
  /** The same codes as JSON strings (quoted), when the caller has them made already (the compact answer uses them). */
  skuCodesJson?: readonly string[];
  /** The ids' bytes (uuidBytes), when the caller keeps them (the compact answer sends them). */
  skuIdBytes?: readonly string[];
  /** With a channel: its number per SKU (0 when the channel is inactive). */
  channel?: { id: string; code: string };
  /** Default: every active location. */
  locationIds?: readonly string[];
  date?: string;
}

/**
 * The availability answer of up to 1,000 SKUs, as the JSON text of `{"data": [...]}`, in one statement: the numbers
 * of `skuAvailability` and of `ordo_channel_atp` for one channel (the same definitions, restated set-wise over the
 * SKUs asked: one pass over their stock rows, supply lines, allocation rules and channel reservations, no per-SKU
 * subqueries) and the JSON built by PostgreSQL, so that the server sends the text as it comes. The reference in
 * TypeScript and the property test holding them equal: test/availability-fast.test.ts.
 *
 * `compact`: per SKU only `sku` and `available` (the channel's number with a channel, else the locations').
 */
export async function availabilityJson(db: DbOrTrx, q: AvailabilityQuery, opts: { compact?: boolean } = {}): Promise<string> {
  if (q.skuIds.length === 0) return '{"data":[]}';
  if (opts.compact && q.channel && q.locationIds === undefined) {
    const published = await publishedCompactJson(db, q.skuIds, q.skuCodesJson ?? q.skuCodes.map((c) => JSON.stringify(c)), q.channel.id, q.skuIdBytes);
    if (published !== null) return published;
  }
  const result = await availabilityStatement(q, opts).execute(db);
  return result.rows[0]?.body ?? '{"data":[]}';
}

/**
 * The compact answer of one channel over every active location, from the numbers the signals publish
 * (channel_availability, kept equal to ordo_channel_atp in the transaction of every change, ADR 0003): one index
 * scan over the SKUs asked, no ATP computed. A SKU without a published row has none to sell (it never had stock or supply
 * since the channel was made); an inactive channel sells nothing. Null when the channel has a presale window: its
 * number moves with the calendar, and the daily job publishes that move only once a day, so it is computed instead.
 */
export async function publishedCompactJson(
  db: DbOrTrx, skuIds: readonly string[], skuCodesJson: readonly string[], channelId: string, skuIdBytes: readonly string[] = skuIds.map(uuidBytes),
): Promise<string | null> {
  // A named statement with the ids as one binary array (see PREPARED and uuidArrayBinary): its generic plan reads the
  // channel's rows of the SKUs asked in one index scan (`= ANY`, sorted keys) and joins them to the positions asked by
  // hash. A plan made for each call's 1,000 ids cost about 1 ms to make (15 ms with `= ANY`, whose selectivity is
  // estimated element by element), and 1,000 separate index lookups cost more than the one scan.
  // ($1 is written out, not interpolated: the ids are sent once and read twice.)
  const result = await db.executeQuery<{ numbers: string | null; presale: boolean }>(CompiledQuery.raw(`${PREPARED}
    SELECT (SELECT string_agg(coalesce(ca.available, 0)::text, ',' ORDER BY a.ord)
            FROM unnest($1::uuid[]) WITH ORDINALITY AS a(sku_id, ord)
            LEFT JOIN (SELECT sku_id, available FROM channel_availability WHERE channel_id = $2::uuid AND sku_id = ANY($1::uuid[])) ca
              ON ca.sku_id = a.sku_id AND ch.active) AS numbers,
           ch.presale_days > 0 AS presale
    FROM channels ch WHERE ch.id = $2::uuid`, [uuidArrayBinary(skuIdBytes), channelId]));
  const row = result.rows[0];
  if (!row || row.presale || row.numbers === null) return null;
  const numbers = row.numbers.split(',');
  let body = '{"data":[';
  for (let i = 0; i < skuCodesJson.length; i++) {
    body += `${i === 0 ? '{"sku":' : ',{"sku":'}${skuCodesJson[i]},"available":${numbers[i] ?? '0'}}`;
  }
  return `${body}]}`;
}

/** The statement of availabilityJson (for EXPLAIN in the benchmark). */
export function availabilityStatement(q: AvailabilityQuery, opts: { compact?: boolean } = {}) {
  const locations = q.locationIds ?? null;
  const allActive = locations === null;
  const channelId = q.channel?.id ?? null;
  const date = q.date ?? null;
  // Each SKU's JSON, written out with `||`: several times cheaper than json_build_object, and about half the cost of
  // concat(), which looks up each argument's output function on every row (14 values × 1,000 SKUs). Every value is
  // a number, a uuid or a code quoted by to_json, and none is null (a null would void the SKU's whole text).
  const row = opts.compact
    ? sql`'{"sku":' || to_json(a.code)::text || ',"available":' || ${channelId === null ? sql`a.available` : sql`a.channel_available`}::text || '}'`
    : sql`'{"sku":' || to_json(a.code)::text || ',"skuId":"' || a.sku_id::text || '","onHand":' || a.on_hand::text || ',"reserved":' || a.reserved::text
        || ',"quarantined":' || a.quarantined::text || ',"safetyStock":' || a.safety_stock::text || ',"available":' || a.available::text
        || ',"incoming":' || a.incoming::text || ',"availableOnDate":' || ${date === null ? sql`'null'` : sql`(a.available + a.incoming)::text`}
        || ',"channel":' || ${channelId === null ? sql`'null'` : sql`('{"id":"' || ${channelId}::uuid::text || '","code":' || to_json(${q.channel?.code ?? ''}::text)::text || ',"available":' || a.channel_available::text || '}')`}
        || ',"byDeliveryMethod":{"ship":{"available":' || ${channelId === null ? sql`a.ship_available` : sql`least(a.ship_available, a.channel_available)`}::text
        || ',"largestLine":' || ${channelId === null ? sql`a.ship_line` : sql`least(a.ship_line, a.channel_available)`}::text
        || '},"pickup":{"largestLine":' || ${channelId === null ? sql`a.pickup_line` : sql`least(a.pickup_line, a.channel_available)`}::text || '}}'
        || '}'`;
  const askedLocation = (alias: string) => allActive
    ? sql`${sql.ref(`${alias}.active`)}`
    : sql`${sql.ref(`${alias}.id`)} = ANY(${locations}::uuid[])`;
  return sql<{ body: string }>`
    WITH asked AS (
      SELECT a.sku_id, a.code, a.ord FROM unnest(${q.skuIds}::uuid[], ${q.skuCodes}::text[]) WITH ORDINALITY AS a(sku_id, code, ord)
    ),
    components AS (
      SELECT c.bundle_sku_id, c.component_sku_id, c.quantity FROM sku_components c WHERE c.bundle_sku_id = ANY(${q.skuIds}::uuid[])
    ),
    -- The SKUs asked and the components of the bundles among them, as one array: every table below is read through
    -- its index on sku_id.
    targets AS (SELECT array(SELECT unnest(${q.skuIds}::uuid[]) UNION SELECT component_sku_id FROM components) AS ids),
    -- Per SKU: the location numbers over the locations asked (all active ones by default), and the channel
    -- numbers over the active ones (base, free, reserved as ordo_channel_atp defines them).
    stock AS (
      SELECT s.sku_id,
        sum(s.on_hand) FILTER (WHERE ${askedLocation('loc')}) AS on_hand,
        sum(s.reserved) FILTER (WHERE ${askedLocation('loc')}) AS reserved,
        sum(s.quarantined) FILTER (WHERE ${askedLocation('loc')}) AS quarantined,
        sum(s.safety_stock) FILTER (WHERE ${askedLocation('loc')}) AS safety_stock,
        sum(greatest(0, ${freeSql('s')})) FILTER (WHERE ${askedLocation('loc')}) AS available,
        -- What capture can do with it (a line is served from one location, a pickup line only at its store):
        -- free at shipping locations, and the most one shipping or pickup location has.
        sum(greatest(0, ${freeSql('s')})) FILTER (WHERE ${askedLocation('loc')} AND loc.active AND loc.can_ship) AS ship_available,
        max(greatest(0, ${freeSql('s')})) FILTER (WHERE ${askedLocation('loc')} AND loc.active AND loc.can_ship) AS ship_line,
        max(greatest(0, ${freeSql('s')})) FILTER (WHERE ${askedLocation('loc')} AND loc.active AND loc.can_pickup) AS pickup_line,
        sum(greatest(0, s.on_hand - s.quarantined - s.safety_stock)) FILTER (WHERE loc.active) AS base,
        sum(greatest(0, ${freeSql('s')})) FILTER (WHERE loc.active) AS free,
        sum(least(s.reserved, greatest(0, s.on_hand - s.quarantined - s.safety_stock))) FILTER (WHERE loc.active) AS base_reserved
      FROM stock_levels s JOIN locations loc ON loc.id = s.location_id
      WHERE s.sku_id = ANY((SELECT ids FROM targets)::uuid[])
      GROUP BY s.sku_id
    ),
    supply AS (
      SELECT sl.sku_id,
        sum(sl.quantity - sl.received - sl.reserved) FILTER (WHERE sl.expected_on <= ${date}::date AND ${askedLocation('loc')}) AS incoming,
        sum(sl.quantity - sl.received - sl.reserved) FILTER (WHERE loc.active
          AND sl.expected_on <= current_date + (SELECT ch.presale_days FROM channels ch WHERE ch.id = ${channelId}::uuid)) AS presale
      FROM supply_lines sl JOIN locations loc ON loc.id = sl.location_id
      -- A join, not "= ANY(the array)": PostgreSQL compares a row with an array that is no constant element by
      -- element, and chose that over a seq scan of a small table (500 lines × 1,000 ids: 7 ms a call).
      WHERE sl.open AND sl.sku_id IN (SELECT unnest(ids) FROM targets)
      GROUP BY sl.sku_id
    ),
    lvl AS (
      SELECT t.sku_id,
        coalesce(s.on_hand, 0) AS on_hand, coalesce(s.reserved, 0) AS reserved, coalesce(s.quarantined, 0) AS quarantined,
        coalesce(s.safety_stock, 0) AS safety_stock, coalesce(s.available, 0) AS available,
        coalesce(s.ship_available, 0) AS ship_available, coalesce(s.ship_line, 0) AS ship_line, coalesce(s.pickup_line, 0) AS pickup_line,
        coalesce(sp.incoming, 0) AS incoming, coalesce(sp.presale, 0) AS presale,
        coalesce(s.base, 0) AS base, coalesce(s.free, 0) AS free, coalesce(s.base_reserved, 0) AS base_reserved
      FROM unnest((SELECT ids FROM targets)) AS t(sku_id)
      LEFT JOIN stock s ON s.sku_id = t.sku_id LEFT JOIN supply sp ON sp.sku_id = t.sku_id
    ),
    -- Each active channel's quota of each SKU: its SKU rule, else its default rule (as in ordo_channel_atp).
    quota AS (
      SELECT ch.id AS channel_id, l.sku_id, coalesce(
        CASE WHEN r.id IS NOT NULL THEN coalesce(r.quota_units::bigint, floor(r.quota_percent * l.base / 100)::bigint) END,
        coalesce(d.quota_units::bigint, floor(d.quota_percent * l.base / 100)::bigint)) AS q
      FROM channels ch CROSS JOIN lvl l
      LEFT JOIN channel_allocations r ON r.channel_id = ch.id AND r.sku_id = l.sku_id
      LEFT JOIN channel_allocations d ON d.channel_id = ch.id AND d.sku_id IS NULL
      WHERE ch.active AND (r.id IS NOT NULL OR d.id IS NOT NULL) AND ${channelId}::uuid IS NOT NULL
    ),
    used AS (
      SELECT v.channel_id, v.sku_id, sum(v.quantity) AS u
      FROM reservations v
      WHERE v.status = 'open' AND v.sku_id = ANY((SELECT ids FROM targets)::uuid[]) AND v.supply_line_id IS NULL
        AND v.channel_id IS NOT NULL AND ${channelId}::uuid IS NOT NULL
      GROUP BY v.channel_id, v.sku_id
    ),
    quota_used AS (
      SELECT q.channel_id, q.sku_id, q.q, coalesce(u.u, 0) AS u
      FROM quota q LEFT JOIN used u ON u.channel_id = q.channel_id AND u.sku_id = q.sku_id
    ),
    pool AS (
      SELECT sku_id, sum(q) AS quotas, sum(least(u, q)) AS inside_quotas,
        sum(greatest(0, q - u)) FILTER (WHERE channel_id = ${channelId}::uuid) AS mine_left
      FROM quota_used GROUP BY sku_id
    ),
    -- The channel's ATP of each SKU (0 for an inactive channel, which ordo_channel_atp leaves out).
    atp AS (
      SELECT l.*,
        CASE WHEN ch.id IS NULL THEN 0 ELSE
          least(l.free, coalesce(p.mine_left, 0)
                        + greatest(0, greatest(0, l.base - coalesce(p.quotas, 0)) - (l.base_reserved - coalesce(p.inside_quotas, 0))))
          + CASE WHEN ch.presale_days > 0 THEN l.presale ELSE 0 END
        END::bigint AS channel
      FROM lvl l
      LEFT JOIN channels ch ON ch.id = ${channelId}::uuid AND ch.active
      LEFT JOIN pool p ON p.sku_id = l.sku_id
    ),
    bundles AS (
      SELECT c.bundle_sku_id AS sku_id, min(x.available / c.quantity) AS available,
        min((x.available + x.incoming) / c.quantity - x.available / c.quantity) AS incoming,
        min(x.channel / c.quantity) AS channel,
        min(x.ship_available / c.quantity) AS ship_available, min(x.ship_line / c.quantity) AS ship_line, min(x.pickup_line / c.quantity) AS pickup_line
      FROM components c JOIN atp x ON x.sku_id = c.component_sku_id
      GROUP BY c.bundle_sku_id
    ),
    answer AS (
      SELECT k.ord, k.code, k.sku_id,
        CASE WHEN b.sku_id IS NULL THEN x.on_hand ELSE 0 END AS on_hand,
        CASE WHEN b.sku_id IS NULL THEN x.reserved ELSE 0 END AS reserved,
        CASE WHEN b.sku_id IS NULL THEN x.quarantined ELSE 0 END AS quarantined,
        CASE WHEN b.sku_id IS NULL THEN x.safety_stock ELSE 0 END AS safety_stock,
        coalesce(b.available, x.available) AS available,
        coalesce(b.incoming, x.incoming) AS incoming,
        coalesce(b.ship_available, x.ship_available) AS ship_available, coalesce(b.ship_line, x.ship_line) AS ship_line,
        coalesce(b.pickup_line, x.pickup_line) AS pickup_line,
        ${allActive ? sql`coalesce(b.channel, x.channel)` : sql`least(coalesce(b.channel, x.channel), coalesce(b.available, x.available))`} AS channel_available
      FROM asked k JOIN atp x ON x.sku_id = k.sku_id LEFT JOIN bundles b ON b.sku_id = k.sku_id
    )
    SELECT '{"data":[' || string_agg(${row}, ',' ORDER BY a.ord) || ']}' AS body FROM answer a
  `;
}

/**
 * Records the signals of a stock change: changed channel ATP (stored and an `inventory.availability_changed` event
 * each) and low-stock alerts (raised with an `inventory.low_stock` event, or resolved). Stock changes publish by
 * themselves (statement triggers on stock_levels and supply_lines, migration 0007); this is for what moves ATP
 * without touching stock: allocation rules, the calendar.
 */
export async function publishSignals(trx: Trx, pairs: readonly { skuId: string; locationId: string }[]): Promise<void> {
  if (pairs.length === 0) return;
  await sql`SELECT ordo_publish_signals(${[...new Set(pairs.map((p) => p.skuId))]}::uuid[],
    ${pairs.map((p) => p.skuId)}::uuid[], ${pairs.map((p) => p.locationId)}::uuid[])`.execute(trx);
}

/**
 * Publishes the signals that capture's batch writes deferred (ordo.defer_signals, migration 0041, ADR 0013): pending
 * rows, oldest first, up to `limit` per statement, until none is left. Returns how many rows it took.
 */
export async function publishPendingSignals(db: DbOrTrx, limit = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await sql<{ taken: number }>`SELECT ordo_publish_pending(${limit}::int) AS taken`.execute(db);
    const taken = rows[0]?.taken ?? 0;
    total += taken;
    if (taken < limit) return total;
  }
}

/**
 * One publisher of deferred signals for a process: a call while a run is going waits for the run after it (which
 * takes every row committed before that run starts), so batches that write while another publishes share one
 * statement. Resolves once the caller's rows are published; a failure is logged and left to the sweep (startJobs).
 */
export function pendingSignalsPublisher(db: DbOrTrx, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const start = (): Promise<void> => {
    running = publishPendingSignals(db).then(() => undefined, onError).finally(() => { running = null; });
    return running;
  };
  return () => {
    if (!running) return start();
    queued ??= running.then(() => {
      queued = null;
      return start();
    });
    return queued;
  };
}

/**
 * Re-publishes channel ATP for every stocked SKU (only numbers that moved make events): presale windows and
 * percentage quotas change with the calendar and with rules, not only with stock movements. Returns the SKU count.
 */
export async function republishAvailability(trx: Trx): Promise<number> {
  const pairs = await trx.selectFrom('stock_levels').select(['sku_id as skuId', 'location_id as locationId']).execute();
  for (let i = 0; i < pairs.length; i += 2000) await publishSignals(trx, pairs.slice(i, i + 2000));
  return new Set(pairs.map((p) => p.skuId)).size;
}

/** Publishes channel ATP of SKUs through their stock rows (a bundle's, through its components'). */
export async function publishSkuSignals(trx: Trx, skuIds: readonly string[]): Promise<void> {
  const pairs = await trx.selectFrom('stock_levels').select(['sku_id as skuId', 'location_id as locationId']).where('sku_id', 'in', skuIds).execute();
  await publishSignals(trx, pairs);
}

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
import { sql } from 'kysely';
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

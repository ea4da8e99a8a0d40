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
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';

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

/** The channel ATP query, for the given SKUs (bundles included: computed from their components). */
function channelAtpSql(
  skuIds: readonly string[],
  channelIds: readonly string[] | null,
  opts: { withBundlesOf?: boolean } = {},
): RawBuilder<ChannelAvailability> {
  return sql<ChannelAvailability>`
    WITH given AS (SELECT DISTINCT unnest(${skuIds}::uuid[]) AS sku_id),
    -- With withBundlesOf, also every bundle made of a given SKU (its ATP moves with its components).
    wanted AS (
      SELECT sku_id FROM given
      UNION SELECT c.bundle_sku_id FROM sku_components c JOIN given g ON g.sku_id = c.component_sku_id
      WHERE ${opts.withBundlesOf === true}::boolean
    ),
    -- Components of wanted bundles are computed too, then folded into their bundle at the end.
    targets AS (
      SELECT sku_id FROM wanted
      UNION SELECT c.component_sku_id FROM sku_components c JOIN wanted w ON w.sku_id = c.bundle_sku_id
    ),
    lvl AS (
      SELECT t.sku_id,
        coalesce(sum(greatest(0, s.on_hand - s.quarantined - s.safety_stock)), 0) AS base,
        coalesce(sum(greatest(0, s.on_hand - s.reserved - s.quarantined - s.safety_stock)), 0) AS free,
        -- Reservations count against the pool only up to their location's sellable stock.
        coalesce(sum(least(s.reserved, greatest(0, s.on_hand - s.quarantined - s.safety_stock))), 0) AS reserved
      FROM targets t
      LEFT JOIN stock_levels s ON s.sku_id = t.sku_id
        AND s.location_id IN (SELECT id FROM locations WHERE active)
      GROUP BY t.sku_id
    ),
    chan AS (
      SELECT id, presale_days FROM channels
      WHERE active AND (${channelIds === null}::boolean OR id = ANY(${channelIds ?? []}::uuid[]))
    ),
    quota AS (
      SELECT a.channel_id, l.sku_id,
        CASE WHEN r.quota_units IS NOT NULL THEN r.quota_units::bigint
             ELSE floor(r.quota_percent * l.base / 100)::bigint END AS q
      FROM (SELECT id AS channel_id FROM channels WHERE active) a
      CROSS JOIN lvl l
      JOIN LATERAL (
        SELECT x.quota_units, x.quota_percent FROM channel_allocations x
        WHERE x.channel_id = a.channel_id AND (x.sku_id = l.sku_id OR x.sku_id IS NULL)
        ORDER BY x.sku_id NULLS LAST LIMIT 1
      ) r ON true
    ),
    used AS (
      SELECT q.channel_id, q.sku_id, q.q,
        (SELECT coalesce(sum(v.quantity), 0) FROM reservations v
         WHERE v.sku_id = q.sku_id AND v.channel_id = q.channel_id AND v.status = 'open' AND v.supply_line_id IS NULL) AS u
      FROM quota q
    ),
    pool AS (
      SELECT l.sku_id, l.base, l.free, l.reserved,
        coalesce(sum(u.q), 0) AS quotas, coalesce(sum(least(u.u, u.q)), 0) AS inside_quotas
      FROM lvl l LEFT JOIN used u ON u.sku_id = l.sku_id
      GROUP BY l.sku_id, l.base, l.free, l.reserved
    ),
    incoming AS (
      SELECT sl.sku_id, sl.expected_on, sum(sl.quantity - sl.received - sl.reserved) AS free
      FROM supply_lines sl JOIN targets t ON t.sku_id = sl.sku_id
      WHERE sl.open AND sl.location_id IN (SELECT id FROM locations WHERE active)
      GROUP BY sl.sku_id, sl.expected_on
    ),
    atp AS (
      SELECT c.id AS channel_id, p.sku_id,
        least(p.free, coalesce(greatest(0, u.q - u.u), 0)
                      + greatest(0, greatest(0, p.base - p.quotas) - (p.reserved - p.inside_quotas)))
        + CASE WHEN c.presale_days > 0 THEN
            (SELECT coalesce(sum(i.free), 0) FROM incoming i
             WHERE i.sku_id = p.sku_id AND i.expected_on <= current_date + c.presale_days)
          ELSE 0 END AS available
      FROM chan c CROSS JOIN pool p
      LEFT JOIN used u ON u.channel_id = c.id AND u.sku_id = p.sku_id
    )
    SELECT channel_id AS "channelId", sku_id AS "skuId", available::int AS available
    FROM atp WHERE sku_id IN (SELECT sku_id FROM wanted)
      AND sku_id NOT IN (SELECT bundle_sku_id FROM sku_components)
    UNION ALL
    SELECT a.channel_id, c.bundle_sku_id, min(floor(a.available / c.quantity))::int
    FROM sku_components c JOIN wanted w ON w.sku_id = c.bundle_sku_id
    JOIN atp a ON a.sku_id = c.component_sku_id
    GROUP BY a.channel_id, c.bundle_sku_id
  `;
}

export async function channelAvailability(db: DbOrTrx, skuIds: readonly string[], channelIds: readonly string[] | null): Promise<ChannelAvailability[]> {
  if (skuIds.length === 0) return [];
  return (await channelAtpSql(skuIds, channelIds).execute(db)).rows;
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
        coalesce(sum(greatest(0, s.on_hand - s.reserved - s.quarantined - s.safety_stock)), 0) AS available,
        (SELECT coalesce(sum(sl.quantity - sl.received - sl.reserved), 0) FROM supply_lines sl
         WHERE sl.sku_id = t.sku_id AND sl.open AND sl.location_id IN (SELECT id FROM loc)
           AND ${opts.date ?? null}::date IS NOT NULL AND sl.expected_on <= ${opts.date ?? null}::date) AS incoming
      FROM targets t LEFT JOIN stock_levels s ON s.sku_id = t.sku_id AND s.location_id IN (SELECT id FROM loc)
      GROUP BY t.sku_id
    )
    SELECT sku_id AS "skuId", on_hand::int AS "onHand", reserved::int, quarantined::int,
           safety_stock::int AS "safetyStock", available::int, incoming::int
    FROM lvl WHERE sku_id IN (SELECT sku_id FROM wanted) AND sku_id NOT IN (SELECT bundle_sku_id FROM sku_components)
    UNION ALL
    SELECT c.bundle_sku_id, 0, 0, 0, 0,
      min(floor(l.available / c.quantity))::int, min(floor((l.available + l.incoming) / c.quantity) - floor(l.available / c.quantity))::int
    FROM sku_components c JOIN wanted w ON w.sku_id = c.bundle_sku_id JOIN lvl l ON l.sku_id = c.component_sku_id
    GROUP BY c.bundle_sku_id
  `.execute(db);
  return result.rows;
}

/**
 * Records the signals of a stock change, in the transaction that made it: for every channel whose ATP of an affected
 * SKU (or of a bundle made of it) moved, the new number in channel_availability and an
 * `inventory.availability_changed` event; for every affected (sku, location) that fell below its reorder point, a
 * low-stock alert and an `inventory.low_stock` event; alerts whose stock recovered are resolved.
 */
export async function publishSignals(trx: Trx, pairs: readonly { skuId: string; locationId: string }[]): Promise<void> {
  if (pairs.length === 0) return;
  const skuIds = [...new Set(pairs.map((p) => p.skuId))];
  await sql`
    WITH atp AS (${channelAtpSql(skuIds, null, { withBundlesOf: true })}),
    changed AS (
      INSERT INTO channel_availability AS ca (channel_id, sku_id, available)
      SELECT "channelId", "skuId", available FROM atp
      ORDER BY "channelId", "skuId"
      ON CONFLICT (channel_id, sku_id) DO UPDATE SET available = excluded.available, updated_at = now()
      WHERE ca.available <> excluded.available
      RETURNING ca.channel_id, ca.sku_id, ca.available
    ),
    availability_events AS (
      INSERT INTO outbox_events (type, aggregate_type, aggregate_id, payload)
      SELECT 'inventory.availability_changed', 'sku', c.sku_id::text,
             jsonb_build_object('skuId', c.sku_id, 'sku', k.code, 'channelId', c.channel_id, 'channel', ch.code,
                                'available', c.available)
      FROM changed c JOIN skus k ON k.id = c.sku_id JOIN channels ch ON ch.id = c.channel_id
    ),
    pairs AS (
      SELECT * FROM unnest(${pairs.map((p) => p.skuId)}::uuid[], ${pairs.map((p) => p.locationId)}::uuid[]) AS p(sku_id, location_id)
    ),
    low AS (
      INSERT INTO stock_alerts (id, type, sku_id, location_id, available, reorder_point, status)
      SELECT gen_random_uuid(), 'low_stock', s.sku_id, s.location_id, s.on_hand - s.reserved - s.quarantined,
             s.reorder_point, 'open'
      FROM stock_levels s JOIN pairs p USING (sku_id, location_id)
      WHERE s.reorder_point IS NOT NULL AND s.on_hand - s.reserved - s.quarantined < s.reorder_point
      ON CONFLICT (type, sku_id, location_id) WHERE status <> 'resolved' DO NOTHING
      RETURNING id, sku_id, location_id, available, reorder_point
    ),
    low_events AS (
      INSERT INTO outbox_events (type, aggregate_type, aggregate_id, payload)
      SELECT 'inventory.low_stock', 'sku', l.sku_id::text,
             jsonb_build_object('alertId', l.id, 'skuId', l.sku_id, 'locationId', l.location_id,
                                'available', l.available, 'reorderPoint', l.reorder_point)
      FROM low l
    )
    UPDATE stock_alerts a SET status = 'resolved', resolved_at = now()
    FROM stock_levels s JOIN pairs p USING (sku_id, location_id)
    WHERE a.sku_id = s.sku_id AND a.location_id = s.location_id AND a.status <> 'resolved' AND a.type = 'low_stock'
      AND (s.reorder_point IS NULL OR s.on_hand - s.reserved - s.quarantined >= s.reorder_point)
  `.execute(trx);
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

import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- ordo_channel_atp as in 0013, with two of its steps set-based (issue #18, full-stock syncs):
    -- - the SKUs' stock is summed in one index scan over all of them (= ANY of the targets) and grouped, instead of
    --   one lateral aggregate per SKU, which rebuilt its join with the locations for every SKU: 5,000 SKUs of a
    --   stock sync took 40 ms in that step. The generic plan still reads the key, not every stock row (checked with
    --   28 SKUs of 100,000 stock rows: 0.53-0.57 ms for the whole function against 0.66-0.86 before);
    -- - the quota step looks up allocation rules only for the channels that have one: the others had one lookup per
    --   SKU and channel that found nothing.
    -- Same answers (test/availability-fast.test.ts compares them with a plain computation over random stock, reservations,
    -- allocations and supply).
    CREATE OR REPLACE FUNCTION ordo_channel_atp(p_skus uuid[], p_channels uuid[], p_with_bundles boolean)
    RETURNS TABLE (channel_id uuid, sku_id uuid, available bigint)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
    #variable_conflict use_column
    BEGIN
      RETURN QUERY
      WITH given AS (SELECT DISTINCT unnest(p_skus) AS sku_id),
      wanted AS (
        SELECT given.sku_id FROM given
        UNION SELECT c.bundle_sku_id FROM sku_components c JOIN given g ON g.sku_id = c.component_sku_id WHERE p_with_bundles
      ),
      targets AS (
        SELECT wanted.sku_id FROM wanted
        UNION SELECT c.component_sku_id FROM sku_components c JOIN wanted w ON w.sku_id = c.bundle_sku_id
      ),
      lvl AS (
        SELECT t.sku_id, coalesce(x.base, 0) AS base, coalesce(x.free, 0) AS free, coalesce(x.reserved, 0) AS reserved
        FROM targets t
        LEFT JOIN (
          SELECT s.sku_id,
                 sum(greatest(0, s.on_hand - s.quarantined - s.safety_stock)) AS base,
                 sum(greatest(0, s.on_hand - s.reserved - s.quarantined - s.safety_stock)) AS free,
                 sum(least(s.reserved, greatest(0, s.on_hand - s.quarantined - s.safety_stock))) AS reserved
          FROM stock_levels s JOIN locations loc ON loc.id = s.location_id AND loc.active
          WHERE s.sku_id = ANY (ARRAY(SELECT targets.sku_id FROM targets))
          GROUP BY s.sku_id
        ) x ON x.sku_id = t.sku_id
      ),
      chan AS (SELECT id, presale_days FROM channels WHERE active AND (p_channels IS NULL OR id = ANY(p_channels))),
      quota AS (
        SELECT a.channel_id, l.sku_id,
          CASE WHEN r.quota_units IS NOT NULL THEN r.quota_units::bigint ELSE floor(r.quota_percent * l.base / 100)::bigint END AS q
        -- Only the channels with an allocation rule: the others have no quota, and their SKUs are not looked up.
        FROM (SELECT id AS channel_id FROM channels c WHERE active AND EXISTS (SELECT 1 FROM channel_allocations x WHERE x.channel_id = c.id)) a
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
      SELECT atp.channel_id, atp.sku_id, atp.available::bigint FROM atp
      WHERE atp.sku_id IN (SELECT wanted.sku_id FROM wanted)
        AND atp.sku_id NOT IN (SELECT bundle_sku_id FROM sku_components)
      UNION ALL
      SELECT a.channel_id, c.bundle_sku_id, min(floor(a.available / c.quantity))::bigint
      FROM sku_components c JOIN wanted w ON w.sku_id = c.bundle_sku_id
      JOIN atp a ON a.sku_id = c.component_sku_id
      GROUP BY a.channel_id, c.bundle_sku_id;
    END $fn$;
  `.execute(db);
}

import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Quantities are int (32-bit) per row, and every sum over rows is computed as bigint. For the additions on a row
    -- to stay in range, a row holds at most 1,000,000,000 units of a counter (the API's largest quantity): a counter
    -- at the limit plus one more request's quantity is still below 2^31. The movement statement refuses a change
    -- past the limit (409 quantity_limit_exceeded); these constraints hold it for every other writer. NOT VALID:
    -- rows written above it before this migration are left as they are (a change to such a row must bring it under).
    ALTER TABLE stock_levels
      ADD CONSTRAINT stock_levels_on_hand_limit CHECK (on_hand <= 1000000000) NOT VALID,
      ADD CONSTRAINT stock_levels_safety_stock_limit CHECK (safety_stock <= 1000000000) NOT VALID,
      ADD CONSTRAINT stock_levels_reorder_point_limit CHECK (reorder_point <= 1000000000) NOT VALID;
    ALTER TABLE supply_lines ADD CONSTRAINT supply_lines_quantity_limit CHECK (quantity <= 1000000000) NOT VALID;

    -- A channel's ATP adds up every location and incoming supply: 3 x 1,000,000,000 overflowed int and made every
    -- availability read, order and check of the SKU fail. Now bigint, as stored and as returned.
    ALTER TABLE channel_availability ALTER COLUMN available TYPE bigint;

    -- 0009's function, returning bigint instead of casting to int.
    DROP FUNCTION ordo_channel_atp(uuid[], uuid[], boolean);
    CREATE FUNCTION ordo_channel_atp(p_skus uuid[], p_channels uuid[], p_with_bundles boolean)
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
      -- Per SKU through the (sku_id, location_id) key: a join here let the generic plan scan every stock row.
      lvl AS (
        SELECT t.sku_id, coalesce(x.base, 0) AS base, coalesce(x.free, 0) AS free, coalesce(x.reserved, 0) AS reserved
        FROM targets t
        CROSS JOIN LATERAL (
          SELECT sum(greatest(0, s.on_hand - s.quarantined - s.safety_stock)) AS base,
                 sum(greatest(0, s.on_hand - s.reserved - s.quarantined - s.safety_stock)) AS free,
                 sum(least(s.reserved, greatest(0, s.on_hand - s.quarantined - s.safety_stock))) AS reserved
          FROM stock_levels s JOIN locations loc ON loc.id = s.location_id AND loc.active
          WHERE s.sku_id = t.sku_id
        ) x
      ),
      chan AS (SELECT id, presale_days FROM channels WHERE active AND (p_channels IS NULL OR id = ANY(p_channels))),
      quota AS (
        SELECT a.channel_id, l.sku_id,
          CASE WHEN r.quota_units IS NOT NULL THEN r.quota_units::bigint ELSE floor(r.quota_percent * l.base / 100)::bigint END AS q
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

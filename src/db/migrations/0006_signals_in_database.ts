import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Available to promise per channel (the rules are documented in src/inventory/availability.repository.ts).
    -- One definition, used by the API's reads and by the signals below.
    CREATE FUNCTION ordo_channel_atp(p_skus uuid[], p_channels uuid[], p_with_bundles boolean)
    RETURNS TABLE (channel_id uuid, sku_id uuid, available int)
    LANGUAGE sql STABLE AS $fn$
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
        SELECT t.sku_id,
          coalesce(sum(greatest(0, s.on_hand - s.quarantined - s.safety_stock)), 0) AS base,
          coalesce(sum(greatest(0, s.on_hand - s.reserved - s.quarantined - s.safety_stock)), 0) AS free,
          coalesce(sum(least(s.reserved, greatest(0, s.on_hand - s.quarantined - s.safety_stock))), 0) AS reserved
        FROM targets t
        LEFT JOIN stock_levels s ON s.sku_id = t.sku_id AND s.location_id IN (SELECT id FROM locations WHERE active)
        GROUP BY t.sku_id
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
      SELECT atp.channel_id, atp.sku_id, atp.available::int FROM atp
      WHERE atp.sku_id IN (SELECT wanted.sku_id FROM wanted)
        AND atp.sku_id NOT IN (SELECT bundle_sku_id FROM sku_components)
      UNION ALL
      SELECT a.channel_id, c.bundle_sku_id, min(floor(a.available / c.quantity))::int
      FROM sku_components c JOIN wanted w ON w.sku_id = c.bundle_sku_id
      JOIN atp a ON a.sku_id = c.component_sku_id
      GROUP BY a.channel_id, c.bundle_sku_id
    $fn$;

    -- The signals of a stock change: every channel ATP that moved (stored, plus an inventory.availability_changed
    -- event with the new number), low-stock alerts raised (with an inventory.low_stock event) and resolved.
    -- PL/pgSQL rather than SQL: its statements' plans are cached per connection, and this runs in every stock change.
    CREATE FUNCTION ordo_publish_signals(p_skus uuid[], p_pair_skus uuid[], p_pair_locations uuid[])
    RETURNS void LANGUAGE plpgsql VOLATILE AS $fn$
    BEGIN
      WITH atp AS (SELECT * FROM ordo_channel_atp(p_skus, NULL, true)),
      changed AS (
        INSERT INTO channel_availability AS ca (channel_id, sku_id, available)
        SELECT atp.channel_id, atp.sku_id, atp.available FROM atp ORDER BY 1, 2
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
      pairs AS (SELECT DISTINCT * FROM unnest(p_pair_skus, p_pair_locations) AS p(sku_id, location_id)),
      low AS (
        INSERT INTO stock_alerts (id, type, sku_id, location_id, available, reorder_point, status)
        SELECT gen_random_uuid(), 'low_stock', s.sku_id, s.location_id, s.on_hand - s.reserved - s.quarantined,
               s.reorder_point, 'open'
        FROM stock_levels s JOIN pairs p ON p.sku_id = s.sku_id AND p.location_id = s.location_id
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
      FROM stock_levels s JOIN pairs p ON p.sku_id = s.sku_id AND p.location_id = s.location_id
      WHERE a.sku_id = s.sku_id AND a.location_id = s.location_id AND a.status <> 'resolved' AND a.type = 'low_stock'
        AND (s.reorder_point IS NULL OR s.on_hand - s.reserved - s.quarantined >= s.reorder_point);
    END $fn$;

    -- Every statement that changes stock counters or settings publishes its signals in the same statement: no code
    -- path can forget them, and none pays a round trip for them.
    CREATE FUNCTION ordo_stock_levels_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF EXISTS (SELECT 1 FROM changed) THEN
        PERFORM ordo_publish_signals(ARRAY(SELECT DISTINCT sku_id FROM changed),
                                     ARRAY(SELECT sku_id FROM changed), ARRAY(SELECT location_id FROM changed));
      END IF;
      RETURN NULL;
    END $fn$;
    CREATE TRIGGER stock_levels_signals_insert AFTER INSERT ON stock_levels
      REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ordo_stock_levels_changed();
    CREATE TRIGGER stock_levels_signals_update AFTER UPDATE ON stock_levels
      REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ordo_stock_levels_changed();

    -- Incoming supply moves the ATP of channels that may sell it (presale).
    CREATE FUNCTION ordo_supply_lines_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF EXISTS (SELECT 1 FROM changed) THEN
        PERFORM ordo_publish_signals(ARRAY(SELECT DISTINCT sku_id FROM changed), '{}', '{}');
      END IF;
      RETURN NULL;
    END $fn$;
    CREATE TRIGGER supply_lines_signals_insert AFTER INSERT ON supply_lines
      REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ordo_supply_lines_changed();
    CREATE TRIGGER supply_lines_signals_update AFTER UPDATE ON supply_lines
      REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ordo_supply_lines_changed();
  `.execute(db);
}

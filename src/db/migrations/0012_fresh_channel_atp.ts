import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The signals of a stock change (0006), publishing a channel's ATP only after locking what it publishes
    -- (ADR 0003). 0006 computed ATP from its statement's snapshot and then waited, in its upsert, for the publication
    -- row of a concurrent transaction; once that one committed, the upsert compared the stale number with the other
    -- transaction's number, and the last published number (and the last event) could miss one of the two changes.
    --
    -- Now, under READ COMMITTED:
    -- 1. one statement locks the publication row of every (active channel, SKU) this call publishes, in (channel,
    --    SKU) order like the upsert of 0006 did, inserting a placeholder where a pair has no row yet (so that a
    --    first publication is locked as well; the placeholder never outlives this call);
    -- 2. the next statement, with a snapshot taken after those locks were granted, computes ATP and publishes it.
    --    Every transaction that changed a SKU's stock holds these rows from its signal until it commits, so the
    --    last one to publish sees every other change of the SKU.
    -- If the SKUs or channels to publish changed between the two statements (a bundle's components or a channel's
    -- active flag were changed and committed in between), 2 publishes nothing and both run again.
    CREATE OR REPLACE FUNCTION ordo_publish_signals(p_skus uuid[], p_pair_skus uuid[], p_pair_locations uuid[])
    RETURNS void LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $fn$
    DECLARE
      v_skus uuid[];
      v_channels uuid[];
      v_new_channels uuid[];
      v_new_skus uuid[];
      v_placeholder_channels uuid[] := '{}';
      v_placeholder_skus uuid[] := '{}';
      v_again boolean;
    BEGIN
      LOOP
        WITH wanted AS (
          SELECT coalesce(array_agg(w.sku_id), '{}') AS skus FROM (
            SELECT unnest(p_skus) AS sku_id
            UNION SELECT c.bundle_sku_id FROM sku_components c WHERE c.component_sku_id = ANY (p_skus)
          ) w
        ),
        chans AS (SELECT coalesce(array_agg(id), '{}') AS ids FROM channels WHERE active),
        -- A conflicting row is locked even though the WHERE clause keeps it unchanged.
        locked AS (
          INSERT INTO channel_availability AS ca (channel_id, sku_id, available)
          SELECT c.id, s.id, -1 FROM chans CROSS JOIN unnest(chans.ids) AS c(id) CROSS JOIN wanted CROSS JOIN unnest(wanted.skus) AS s(id)
          ORDER BY 1, 2
          ON CONFLICT (channel_id, sku_id) DO UPDATE SET available = ca.available WHERE false
          RETURNING ca.channel_id, ca.sku_id
        )
        SELECT wanted.skus, chans.ids, (SELECT array_agg(channel_id) FROM locked), (SELECT array_agg(sku_id) FROM locked)
          INTO v_skus, v_channels, v_new_channels, v_new_skus
        FROM wanted, chans;
        IF v_new_channels IS NOT NULL THEN
          v_placeholder_channels := v_placeholder_channels || v_new_channels;
          v_placeholder_skus := v_placeholder_skus || v_new_skus;
        END IF;

        WITH wanted AS (
          SELECT unnest(p_skus) AS sku_id
          UNION SELECT c.bundle_sku_id FROM sku_components c WHERE c.component_sku_id = ANY (p_skus)
        ),
        unlocked AS (
          SELECT 1 FROM wanted WHERE wanted.sku_id <> ALL (v_skus)
          UNION ALL SELECT 1 FROM channels WHERE active AND id <> ALL (v_channels)
          LIMIT 1
        ),
        atp AS (SELECT * FROM ordo_channel_atp(v_skus, v_channels, false) WHERE NOT EXISTS (SELECT 1 FROM unlocked)),
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
        -- Low-stock alerts need no lock of their own: their (SKU, location) stock row is locked by the change.
        -- Running them twice (after a retry of the loop) raises and resolves nothing new.
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
        ),
        resolved AS (
          UPDATE stock_alerts a SET status = 'resolved', resolved_at = now()
          FROM stock_levels s JOIN pairs p ON p.sku_id = s.sku_id AND p.location_id = s.location_id
          WHERE a.sku_id = s.sku_id AND a.location_id = s.location_id AND a.status <> 'resolved' AND a.type = 'low_stock'
            AND (s.reorder_point IS NULL OR s.on_hand - s.reserved - s.quarantined >= s.reorder_point)
        )
        SELECT EXISTS (SELECT 1 FROM unlocked) INTO v_again;
        EXIT WHEN NOT v_again;
      END LOOP;

      -- A placeholder left means its channel was deactivated in between: it has no number to publish.
      IF cardinality(v_placeholder_channels) > 0 THEN
        DELETE FROM channel_availability ca
        USING unnest(v_placeholder_channels, v_placeholder_skus) AS p(channel_id, sku_id)
        WHERE ca.channel_id = p.channel_id AND ca.sku_id = p.sku_id AND ca.available = -1;
      END IF;
    END $fn$;
  `.execute(db);
}

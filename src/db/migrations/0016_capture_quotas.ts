import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Decides which captures of a batch fit, in the order of their item numbers, each all or nothing: on free stock
    -- (as ordo_decide_reservations) and, for lines of SKUs under channel allocation, on the channel's ATP — so that a
    -- batch can take orders on allocated SKUs without a transaction per order (src/order/capture-batch.ts, ADR 0002).
    --
    -- Locks first, in the order every path takes them: the allocation lock of each allocated SKU (as
    -- lockAllocatedSkus), then the stock rows in (sku, location) order. The channel ATP is computed after the locks,
    -- by a statement of its own and so with a snapshot that sees every commit made before them (ADR 0003).
    --
    -- A channel's ATP drops by exactly what it takes itself, and by at most what another channel takes of the same
    -- SKU (the shared pool). Walking the batch, a line fits for sure when it fits the ATP less everything the batch
    -- took of that SKU, and is short for sure when it does not fit the ATP less what its own channel took and nothing
    -- else of the batch could have lowered it; in between the outcome is 'unsure', and the caller decides that order
    -- in a transaction of its own.
    --
    -- p_lines: [{item, sku_id, location_id, quantity, channel_id}] (channel_id null: no quota check for that line).
    -- Returns per item with lines: outcome 'fits' | 'stock' (some line not covered by free stock) | 'quota' (short of
    -- the channel's allocation for sure; short: [{skuId, available}], the ATP left to the channel per short SKU) |
    -- 'unsure'.
    CREATE FUNCTION ordo_decide_captures(p_lines jsonb)
    RETURNS TABLE (item int, outcome text, short jsonb)
    LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $fn$
    #variable_conflict use_column
    DECLARE
      pairs text[];
      free int[];
      trial int[];
      allocated uuid[];
      qkeys text[];
      atp bigint[];
      own bigint[];
      own_trial bigint[];
      skus text[];
      taken bigint[];
      taken_trial bigint[];
      line record;
      slot int;
      k int;
      s int;
      upper_bound bigint;
      lower_bound bigint;
      current_item int;
      stock_short boolean := false;
      quota_short jsonb := '[]';
      unsure boolean := false;
    BEGIN
      SELECT coalesce(array_agg(a.sku_id ORDER BY a.sku_id), '{}') INTO allocated
      FROM (
        SELECT DISTINCT l.sku_id FROM jsonb_to_recordset(p_lines) AS l(sku_id uuid, channel_id uuid)
        WHERE l.channel_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM channel_allocations x WHERE x.sku_id = l.sku_id OR x.sku_id IS NULL)
      ) a;
      PERFORM pg_advisory_xact_lock(hashtextextended('ordo.allocation:' || u.sku_id::text, 0))
      FROM unnest(allocated) WITH ORDINALITY AS u(sku_id, n) ORDER BY u.n;

      SELECT coalesce(array_agg(s.sku_id::text || '/' || s.location_id::text), '{}'),
             coalesce(array_agg(greatest(0, s.on_hand - s.reserved - s.quarantined - s.safety_stock)), '{}')
        INTO pairs, free
      FROM (
        SELECT s.sku_id, s.location_id, s.on_hand, s.reserved, s.quarantined, s.safety_stock
        FROM (SELECT DISTINCT l.sku_id, l.location_id FROM jsonb_to_recordset(p_lines) AS l(sku_id uuid, location_id uuid)) p
        JOIN stock_levels s ON s.sku_id = p.sku_id AND s.location_id = p.location_id
        ORDER BY s.sku_id, s.location_id
        FOR UPDATE OF s
      ) s;
      trial := free;

      IF cardinality(allocated) > 0 THEN
        SELECT coalesce(array_agg(a.channel_id::text || '/' || a.sku_id::text), '{}'), coalesce(array_agg(a.available), '{}')
          INTO qkeys, atp
        FROM ordo_channel_atp(allocated, ARRAY(
          SELECT DISTINCT l.channel_id FROM jsonb_to_recordset(p_lines) AS l(channel_id uuid) WHERE l.channel_id IS NOT NULL
        ), false) a;
        own := array_fill(0::bigint, ARRAY[greatest(cardinality(qkeys), 1)]);
        skus := ARRAY(SELECT u::text FROM unnest(allocated) u);
        taken := array_fill(0::bigint, ARRAY[greatest(cardinality(skus), 1)]);
      ELSE
        qkeys := '{}'; atp := '{}'; own := '{0}'; skus := '{}'; taken := '{0}';
      END IF;
      own_trial := own;
      taken_trial := taken;

      FOR line IN
        SELECT l.item, l.sku_id, l.sku_id::text || '/' || l.location_id::text AS pair, l.quantity,
               l.channel_id::text || '/' || l.sku_id::text AS qkey
        FROM jsonb_to_recordset(p_lines) AS l(item int, sku_id uuid, location_id uuid, quantity int, channel_id uuid)
        ORDER BY l.item
      LOOP
        IF current_item IS DISTINCT FROM line.item THEN
          IF current_item IS NOT NULL THEN
            -- The previous item is decided: keep what it took, or undo its lines that did fit.
            item := current_item;
            outcome := CASE WHEN unsure THEN 'unsure' WHEN jsonb_array_length(quota_short) > 0 THEN 'quota'
                            WHEN stock_short THEN 'stock' ELSE 'fits' END;
            short := CASE WHEN outcome = 'quota' THEN quota_short END;
            IF outcome = 'fits' THEN free := trial; own := own_trial; taken := taken_trial;
            ELSE trial := free; own_trial := own; taken_trial := taken; END IF;
            RETURN NEXT;
          END IF;
          current_item := line.item;
          stock_short := false; quota_short := '[]'; unsure := false;
        END IF;
        slot := array_position(pairs, line.pair);
        IF slot IS NULL OR trial[slot] < line.quantity THEN
          stock_short := true;
        ELSE
          trial[slot] := trial[slot] - line.quantity;
        END IF;
        k := array_position(qkeys, line.qkey);
        IF k IS NOT NULL THEN
          s := array_position(skus, line.sku_id::text);
          upper_bound := atp[k] - own_trial[k];
          lower_bound := atp[k] - taken_trial[s];
          IF line.quantity > lower_bound THEN
            IF line.quantity > upper_bound AND (upper_bound <= 0 OR upper_bound = lower_bound) THEN
              quota_short := quota_short || jsonb_build_object('skuId', line.sku_id, 'available', greatest(0, atp[k] - own[k]));
            ELSE
              unsure := true;
            END IF;
          END IF;
          own_trial[k] := own_trial[k] + line.quantity;
          taken_trial[s] := taken_trial[s] + line.quantity;
        END IF;
      END LOOP;
      IF current_item IS NOT NULL THEN
        item := current_item;
        outcome := CASE WHEN unsure THEN 'unsure' WHEN jsonb_array_length(quota_short) > 0 THEN 'quota'
                        WHEN stock_short THEN 'stock' ELSE 'fits' END;
        short := CASE WHEN outcome = 'quota' THEN quota_short END;
        RETURN NEXT;
      END IF;
    END $fn$;
  `.execute(db);
}

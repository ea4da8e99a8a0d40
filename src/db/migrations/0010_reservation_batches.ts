import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Decides which reservation requests of a batch can be met, in the order of their item numbers, each all or
    -- nothing (src/inventory/reserve-on-hand.ts). First it locks every stock row the batch touches, in (sku,
    -- location) order like every other stock change, so that concurrent batches queue instead of deadlocking and
    -- the numbers read here stay true until the batch's statement ends. It only decides: the caller's conditional
    -- UPDATE still refuses any row that would go below what it can give.
    -- p_lines: [{item, sku_id, location_id, quantity}]; items listed in p_skip are left out (no row for them).
    CREATE FUNCTION ordo_decide_reservations(p_lines jsonb, p_skip int[])
    RETURNS TABLE (item int, accepted boolean)
    LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $fn$
    #variable_conflict use_column
    DECLARE
      pairs text[];
      free int[];
      trial int[];
      line record;
      slot int;
      current_item int;
      fits boolean := true;
    BEGIN
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
      FOR line IN
        SELECT l.item, l.sku_id::text || '/' || l.location_id::text AS pair, l.quantity
        FROM jsonb_to_recordset(p_lines) AS l(item int, sku_id uuid, location_id uuid, quantity int)
        WHERE l.item <> ALL (p_skip)
        ORDER BY l.item
      LOOP
        IF current_item IS DISTINCT FROM line.item THEN
          IF current_item IS NOT NULL THEN
            -- The previous item is decided: keep what it took, or undo its lines that did fit.
            IF fits THEN free := trial; ELSE trial := free; END IF;
            item := current_item; accepted := fits; RETURN NEXT;
          END IF;
          current_item := line.item;
          fits := true;
        END IF;
        slot := array_position(pairs, line.pair);
        IF slot IS NULL OR trial[slot] < line.quantity THEN
          fits := false;
        ELSE
          trial[slot] := trial[slot] - line.quantity;
        END IF;
      END LOOP;
      IF current_item IS NOT NULL THEN
        item := current_item; accepted := fits; RETURN NEXT;
      END IF;
    END $fn$;
  `.execute(db);
}

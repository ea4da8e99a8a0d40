import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Capture's batch write publishes its stock signals after it commits (ADR 0013, issue #18 part 4). Its statement
    -- sets ordo.defer_signals for its transaction; the stock trigger then records what changed here, one row per
    -- statement, instead of computing every channel's number inside the write, which holds the stock rows' locks
    -- and is the one write of the capture pipeline at a time. The batch publishes right after the commit (before it
    -- answers its clients), and every server sweeps what a crash left behind (startJobs, every few seconds).
    CREATE TABLE stock_signals_pending (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      skus uuid[] NOT NULL,
      pair_skus uuid[] NOT NULL,
      pair_locations uuid[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (cardinality(pair_skus) = cardinality(pair_locations))
    );

    CREATE OR REPLACE FUNCTION ordo_stock_levels_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
      v_skus uuid[];
      v_pair_skus uuid[];
      v_pair_locations uuid[];
    BEGIN
      IF EXISTS (SELECT 1 FROM changed) THEN
        v_skus := ARRAY(SELECT DISTINCT sku_id FROM changed);
        v_pair_skus := ARRAY(SELECT sku_id FROM changed);
        v_pair_locations := ARRAY(SELECT location_id FROM changed);
        IF current_setting('ordo.defer_signals', true) = 'on' THEN
          INSERT INTO stock_signals_pending (skus, pair_skus, pair_locations) VALUES (v_skus, v_pair_skus, v_pair_locations);
        ELSE
          PERFORM ordo_publish_signals(v_skus, v_pair_skus, v_pair_locations);
        END IF;
      END IF;
      RETURN NULL;
    END $fn$;

    -- Publishes up to p_limit pending rows, oldest first, as one set of signals, and deletes them in the same
    -- transaction (a failure leaves them for the next run). A row another run has taken is waited for, not skipped:
    -- when this returns, every row committed before it started is published, by this run or by that one — a batch
    -- answers its clients on that. Each run publishes the numbers as they are when it locks the channel rows, so a
    -- later run never publishes an older one. Returns how many rows it took.
    CREATE FUNCTION ordo_publish_pending(p_limit int) RETURNS int LANGUAGE plpgsql AS $fn$
    DECLARE
      v_taken int;
      v_skus uuid[];
      v_pair_skus uuid[];
      v_pair_locations uuid[];
    BEGIN
      WITH taken AS (
        DELETE FROM stock_signals_pending WHERE id IN (
          SELECT id FROM stock_signals_pending ORDER BY id LIMIT p_limit FOR UPDATE)
        RETURNING skus, pair_skus, pair_locations
      ),
      pairs AS (SELECT DISTINCT p.sku_id, p.location_id FROM taken t CROSS JOIN LATERAL unnest(t.pair_skus, t.pair_locations) AS p(sku_id, location_id))
      SELECT (SELECT count(*) FROM taken),
        ARRAY(SELECT DISTINCT s FROM taken t CROSS JOIN LATERAL unnest(t.skus) AS s ORDER BY s),
        ARRAY(SELECT sku_id FROM pairs ORDER BY sku_id, location_id),
        ARRAY(SELECT location_id FROM pairs ORDER BY sku_id, location_id)
        INTO v_taken, v_skus, v_pair_skus, v_pair_locations;
      IF v_taken > 0 THEN
        PERFORM ordo_publish_signals(v_skus, v_pair_skus, v_pair_locations);
      END IF;
      RETURN v_taken;
    END $fn$;
  `.execute(db);
}

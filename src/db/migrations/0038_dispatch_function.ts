import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The relay's dispatcher in one round trip (issue #21, ADR 0009): it took four (BEGIN, the advisory lock, the
    -- numbering, COMMIT), many times a second under load. A VOLATILE function takes a fresh snapshot for each of its
    -- statements, so the numbering sees every event a dispatcher before it committed: it runs after the lock is
    -- held, as the separate statement did. Called alone (autocommit), the lock is held until that statement commits,
    -- so positions still commit in order. The rows are not locked FOR UPDATE first: the advisory lock already keeps
    -- every other dispatcher out, and nothing else updates an unrelayed event (the lock cost a WAL record per event).
    -- Returns how many events it numbered, or NULL when another dispatcher holds the turn.
    CREATE FUNCTION ordo_dispatch_events(p_limit integer) RETURNS integer LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      n integer;
    BEGIN
      IF NOT pg_try_advisory_xact_lock(210021) THEN
        RETURN NULL;
      END IF;
      WITH batch AS (
        SELECT id, row_number() OVER (ORDER BY id) AS n
        FROM (SELECT id FROM outbox_events WHERE relayed_at IS NULL ORDER BY id LIMIT p_limit) b
      ),
      base AS (
        UPDATE relay_state SET position = position + (SELECT count(*) FROM batch)
        WHERE EXISTS (SELECT 1 FROM batch)
        RETURNING position - (SELECT count(*) FROM batch) AS position
      ),
      marked AS (
        UPDATE outbox_events o SET relayed_at = now(), position = base.position + batch.n
        FROM batch, base WHERE o.id = batch.id
        RETURNING 1
      )
      SELECT count(*) INTO n FROM marked;
      RETURN n;
    END
    $fn$;
  `.execute(db);
}

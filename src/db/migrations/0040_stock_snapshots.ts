import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A stock snapshot (POST /v1/stock/sync/snapshots) is copied line by line into a temporary table and read there in
    -- SQL (issue #18 part 6, src/inventory/sync-snapshot.ts); these two read the lines that the set-based path cannot.

    -- A line of NDJSON as jsonb, or NULL when it is not JSON. Only used once the cast of every line at once failed (a
    -- bad line): the exception block costs a subtransaction per call. PostgreSQL 16 has pg_input_is_valid; Ordo
    -- supports 15.
    CREATE FUNCTION ordo_try_jsonb(p_line text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
    BEGIN
      RETURN p_line::jsonb;
    EXCEPTION WHEN others THEN
      RETURN NULL;
    END
    $fn$;

    -- The fields of a CSV line that has quotes (RFC 4180: "a ""b"", c" is one field), or NULL when the quoting is
    -- broken. Lines without a quote are split with string_to_array, far cheaper. A quoted field cannot hold a line
    -- break here (each line is a row): SKU and location codes have none.
    CREATE FUNCTION ordo_csv_fields(p_line text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT AS $fn$
      SELECT CASE WHEN sum(length(m[1]) + 1) = length(p_line) + 1
        THEN array_agg(CASE WHEN left(m[1], 1) = '"' THEN replace(substr(m[1], 2, length(m[1]) - 2), '""', '"') ELSE m[1] END ORDER BY n)
      END
      FROM regexp_matches(p_line || ',', '("(?:[^"]|"")*"|[^,"]*),', 'g') WITH ORDINALITY AS f(m, n)
    $fn$;

    -- A snapshot's version per source and location (ADR 0011). A full-stock snapshot reports mostly the numbers the
    -- source reported last time, each with the snapshot's one version; writing that version into every row of
    -- stock_sync_state was most of a snapshot's cost. Instead the snapshot writes its version here once per location,
    -- and it stands for every sync-state row of that location that the snapshot reported with that version and the
    -- same number: a row's version is the greater of its own and its location's snapshot version, unless the row
    -- is not covered (excluded_seq = seq: the latest snapshot did not report it so, or it was written since).
    CREATE TABLE stock_sync_snapshots (
      source      text NOT NULL,
      location_id uuid NOT NULL REFERENCES locations(id),
      seq         bigint NOT NULL CHECK (seq > 0),
      version     numeric NOT NULL,
      reported_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (source, location_id)
    );
    -- The seq of the latest snapshot of the row's source and location that did not cover it (0: none); covered by
    -- the snapshot version while excluded_seq < stock_sync_snapshots.seq.
    ALTER TABLE stock_sync_state ADD COLUMN excluded_seq bigint NOT NULL DEFAULT 0;
  `.execute(db);
}

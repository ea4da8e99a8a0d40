/**
 * The SQL of a streamed stock snapshot (sync-snapshot.ts). The body is copied as it arrives into a temporary table
 * of lines on one connection (`ordo_snapshot_lines`: its line number and text, nothing parsed in Node), then read,
 * checked and resolved there in one statement into `ordo_snapshot_rows`, then stored and compared with Ordo's on hand
 * in one statement; only the rows that are not unchanged come back to Node. Temporary tables live on the connection
 * and are dropped when the snapshot is done (dropStaging).
 */
import { sql } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DbOrTrx, Trx } from '../db/database.js';
import { isPgError } from '../db/pg-errors.js';
import { MAX_UNITS } from './inventory.js';

export type SnapshotType = 'csv' | 'ndjson';

/**
 * Creates the table of lines and copies the body into it. Each line is one value: COPY's CSV format with a delimiter
 * and a quote that text does not contain (\x01, \x02) takes a line verbatim, so neither NDJSON's backslashes nor a
 * CSV's own quotes are interpreted here. The identity numbers the lines in the order COPY reads them; `firstLine`
 * is the number of the first line copied (2 for a CSV, whose header Node reads). An empty line is NULL.
 */
export async function copyLines(client: pg.PoolClient, body: Readable, through: Transform[], firstLine: number): Promise<void> {
  // Room for 100,000 rows or so in memory: the temporary tables' pages (taken only before the session's first
  // temporary table) and the sort that finds each pair's newest row. Reset by dropStaging.
  await client.query(`SET temp_buffers = '64MB'`).catch((e: unknown) => {
    // Refused (22023) once the session has used a temporary table with another size: it keeps that size.
    if (!isPgError(e, '22023')) throw e;
  });
  await client.query(`SET work_mem = '64MB';
    CREATE TEMPORARY TABLE ordo_snapshot_lines (line bigint GENERATED ALWAYS AS IDENTITY (START WITH ${Number(firstLine)}), raw text)`);
  const copy = client.query(copyFrom(`COPY ordo_snapshot_lines (raw) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')`));
  await pipeline([body, ...through, copy]);
}

export async function dropStaging(client: pg.PoolClient): Promise<void> {
  await client.query('DROP TABLE IF EXISTS ordo_snapshot_lines, ordo_snapshot_rows; RESET work_mem');
}

/** Where the four fields are in a CSV line (1-based), the header's field count, and its columns that are not fields. */
export interface CsvLayout { sku: number; location: number; onHand: number; version: number; width: number; unknown: string[] }

const NUMBER_TEXT = '^\\s*\\d+(\\.\\d+)?\\s*$';
const UUID_TEXT = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const NOT_AN_OBJECT = 'not a JSON object: send one object per line, e.g. {"sku":"A-1","location":"WH1","onHand":5,"version":1}';

/**
 * The fields of each line as text, per type. CSV: split on commas (a line with a quote through ordo_csv_fields);
 * NDJSON: each line cast to jsonb, `asJson` true; `tryJson`: through ordo_try_jsonb, which answers NULL for a line
 * that is not JSON (slower: a subtransaction per line; used once the plain cast failed). Columns: line, shape (a
 * problem of the whole line), sku, location, on_hand / version (text, NULL when missing), on_hand_json / version_json
 * (NDJSON: the value as JSON text, for messages; a CSV's text is made JSON only for a message), on_hand_n / version_n (a JSON number as numeric), unknown (fields that are
 * not ours).
 */
function fieldsOf(type: SnapshotType, layout: CsvLayout | null, tryJson: boolean) {
  if (type === 'csv') {
    const l = layout as CsvLayout;
    return sql`
      SELECT line, CASE WHEN f IS NULL THEN 'quotes' WHEN cardinality(f) <> ${l.width}::int THEN 'width' END AS shape,
             f[${l.sku}::int] AS sku, f[${l.location}::int] AS location, f[${l.onHand}::int] AS on_hand, f[${l.version}::int] AS version,
             NULL::text AS on_hand_json, NULL::text AS version_json,
             NULL::numeric AS on_hand_n, NULL::numeric AS version_n, ${l.unknown.length > 0 ? l.unknown : null}::text[] AS unknown
      FROM (SELECT line, CASE WHEN strpos(raw, '"') = 0 THEN string_to_array(raw, ',') ELSE ordo_csv_fields(raw) END AS f
            FROM ordo_snapshot_lines WHERE raw <> '' OFFSET 0) x`;
  }
  const doc = tryJson ? sql`ordo_try_jsonb(raw)` : sql`raw::jsonb`;
  return sql`
    SELECT line, CASE WHEN jsonb_typeof(d) IS DISTINCT FROM 'object' THEN 'object' END AS shape,
           CASE WHEN jsonb_typeof(d -> 'sku') = 'string' THEN d ->> 'sku' END AS sku,
           CASE WHEN jsonb_typeof(d -> 'location') = 'string' THEN d ->> 'location' END AS location,
           d ->> 'onHand' AS on_hand, d ->> 'version' AS version, (d -> 'onHand')::text AS on_hand_json, (d -> 'version')::text AS version_json,
           CASE WHEN jsonb_typeof(d -> 'onHand') = 'number' THEN (d -> 'onHand')::numeric END AS on_hand_n,
           CASE WHEN jsonb_typeof(d -> 'version') = 'number' THEN (d -> 'version')::numeric END AS version_n,
           CASE WHEN jsonb_typeof(d) = 'object' AND d - '{sku,location,onHand,version}'::text[] <> '{}'::jsonb
                THEN ARRAY(SELECT jsonb_object_keys(d - '{sku,location,onHand,version}'::text[])) END AS unknown
    FROM (SELECT line, ${doc} AS d FROM ordo_snapshot_lines WHERE raw <> '' AND raw ~ '\\S' OFFSET 0) x`;
}

/**
 * Reads every line into `ordo_snapshot_rows` (line, sku and location as sent, their ids, on hand, version, winner,
 * problems), in one statement. `problems` is NULL for a good row, else its problems as 'field:message' (the same
 * rules and words as a row of PUT /v1/stock/sync, and what to send instead). An unknown SKU or location is looked up
 * by code, then by id, only for rows whose fields are good. `winner`: the row of its SKU x location with the highest
 * version, the first of equal ones (stock-sync.ts, newestPerKey). The subqueries with OFFSET 0 are computed once per
 * row, not once per mention. The common case is checked without a regular expression (a field that starts with a
 * printable ASCII character other than a space is not blank; digits alone are a number), and each pair's newest row
 * is found by markWinners, not by sorting every row (issue #18: together a third of this statement's time).
 */
export async function readRows(db: DbOrTrx, type: SnapshotType, layout: CsvLayout | null, tryJson: boolean): Promise<void> {
  await sql`
    CREATE TEMPORARY TABLE ordo_snapshot_rows AS
    SELECT *, problems IS NULL AS winner
    FROM (
    SELECT line, sku, location, sku_id, location_id, on_hand, version,
           CASE WHEN problems IS NOT NULL THEN problems
                WHEN sku_id IS NULL OR location_id IS NULL THEN array_remove(ARRAY[
                  CASE WHEN sku_id IS NULL THEN format('sku:unknown SKU "%s": create it first, or check the id or code', sku) END,
                  CASE WHEN location_id IS NULL THEN format('location:unknown location "%s": create it first, or check the id or code', location) END], NULL)
           END AS problems
    FROM (
    -- By code (a hash join), then, for a ref that is no code, by id.
    SELECT c.line, c.sku, c.location, c.on_hand, c.version, c.problems,
           CASE WHEN s.id IS NOT NULL THEN s.id WHEN c.problems IS NULL AND c.sku ~ ${UUID_TEXT} THEN (SELECT id FROM skus WHERE id = c.sku::uuid) END AS sku_id,
           CASE WHEN l.id IS NOT NULL THEN l.id WHEN c.problems IS NULL AND c.location ~ ${UUID_TEXT} THEN (SELECT id FROM locations WHERE id = c.location::uuid) END AS location_id
    FROM (
      SELECT line, sku, location, CASE WHEN problems IS NULL THEN on_hand_n::int END AS on_hand, version_n AS version,
             problems
      FROM (
        SELECT line, sku, location, on_hand_n, version_n,
               CASE WHEN shape IS NOT NULL THEN ARRAY[CASE shape
                      WHEN 'width' THEN 'row:not as many fields as the header: give sku,location,onHand,version'
                      WHEN 'quotes' THEN 'row:the quotes of this line do not pair up: quote a field as "…", and a quote inside it as ""'
                      ELSE ${`row:${NOT_AN_OBJECT}`}::text END]
                    WHEN sku_problem IS NOT NULL OR location_problem IS NOT NULL OR on_hand_problem IS NOT NULL OR version_problem IS NOT NULL OR unknown IS NOT NULL
                    THEN array_remove(ARRAY['sku:' || sku_problem, 'location:' || location_problem, 'onHand:' || on_hand_problem, 'version:' || version_problem,
                      unknown[1] || ':unknown field' || CASE WHEN cardinality(unknown) > 1 THEN 's' ELSE '' END || ' ' || array_to_string(unknown, ', ')
                        || ': a row has sku, location, onHand and version'], NULL)
               END AS problems
        FROM (
          SELECT line, shape, sku, location, unknown, on_hand_n, version_n,
                 CASE WHEN sku IS NULL OR (ascii(sku) NOT BETWEEN 33 AND 126 AND sku !~ '\\S') THEN 'missing: give the SKU''s id or code'
                      WHEN length(sku) > 64 THEN 'at most 64 characters: give the id or code' END AS sku_problem,
                 CASE WHEN location IS NULL OR (ascii(location) NOT BETWEEN 33 AND 126 AND location !~ '\\S') THEN 'missing: give the location''s id or code'
                      WHEN length(location) > 64 THEN 'at most 64 characters: give the id or code' END AS location_problem,
                 CASE WHEN on_hand IS NULL OR on_hand = '' THEN 'missing: give the absolute quantity on hand'
                      WHEN on_hand_n IS NULL OR on_hand_n < 0 THEN coalesce(on_hand_json, to_jsonb(on_hand)::text) || ' is not a number of 0 or more'
                      WHEN on_hand_n <> trunc(on_hand_n) THEN coalesce(on_hand_json, to_jsonb(on_hand)::text) || ' is not a whole number of units'
                      WHEN on_hand_n > ${MAX_UNITS} THEN trim_scale(on_hand_n)::text || ${` is more than ${MAX_UNITS} units`}::text END AS on_hand_problem,
                 CASE WHEN version IS NULL OR version = '' THEN 'missing: give the source''s version of this number (or a timestamp in ms)'
                      WHEN version_n IS NULL OR version_n < 0 THEN coalesce(version_json, to_jsonb(version)::text) || ' is not a number of 0 or more' END AS version_problem
          FROM (
            SELECT line, shape, sku, location, on_hand, version, on_hand_json, version_json, unknown,
                   coalesce(on_hand_n, CASE WHEN (on_hand <> '' AND ltrim(on_hand, '0123456789') = '') OR on_hand ~ ${NUMBER_TEXT} THEN on_hand::numeric END) AS on_hand_n,
                   coalesce(version_n, CASE WHEN (version <> '' AND ltrim(version, '0123456789') = '') OR version ~ ${NUMBER_TEXT} THEN version::numeric END) AS version_n
            FROM (${fieldsOf(type, layout, tryJson)} OFFSET 0) f OFFSET 0
          ) n OFFSET 0
        ) p OFFSET 0
      ) q OFFSET 0
    ) c
    LEFT JOIN skus s ON s.code = c.sku
    LEFT JOIN locations l ON l.code = c.location
    OFFSET 0) i
    ) j
  `.execute(db);
  await markWinners(db);
}

/**
 * Of two or more good rows for one SKU x location, only the newest stays `winner`. A full snapshot reports each pair
 * once: the pairs reported twice are found by hashing (no sort of every row), and only their rows are ranked.
 */
async function markWinners(db: DbOrTrx): Promise<void> {
  await sql`
    WITH twice AS (
      SELECT sku_id, location_id FROM ordo_snapshot_rows WHERE problems IS NULL GROUP BY sku_id, location_id HAVING count(*) > 1
    ),
    ranked AS (
      SELECT r.line, row_number() OVER (PARTITION BY r.sku_id, r.location_id ORDER BY r.version DESC, r.line) AS rank
      FROM ordo_snapshot_rows r JOIN twice t USING (sku_id, location_id) WHERE r.problems IS NULL
    )
    UPDATE ordo_snapshot_rows r SET winner = false FROM ranked k WHERE k.rank > 1 AND r.line = k.line
  `.execute(db);
}

/** How many rows were read and how many are bad; the first `limit` bad rows' problems, by line. */
export async function badRows(db: DbOrTrx, limit: number) {
  const counts = await sql<{ rows: number; bad: number }>`
    SELECT count(*)::int AS rows, count(*) FILTER (WHERE problems IS NOT NULL)::int AS bad FROM ordo_snapshot_rows`.execute(db);
  const listed = await sql<{ line: number; problems: string[] }>`
    SELECT line::int, problems FROM ordo_snapshot_rows WHERE problems IS NOT NULL ORDER BY line LIMIT ${limit}`.execute(db);
  return { rows: counts.rows[0]?.rows ?? 0, bad: counts.rows[0]?.bad ?? 0, listed: listed.rows };
}

/** The sha-256 of the good rows as resolved, for an Idempotency-Key (the body itself was streamed, not kept). */
export async function rowsDigest(db: DbOrTrx): Promise<string> {
  const r = await sql<{ digest: string }>`
    SELECT encode(sha256(convert_to(coalesce(string_agg(line || ',' || sku_id || ',' || location_id || ',' || on_hand || ',' || version, E'\\n' ORDER BY line), ''), 'UTF8')), 'hex') AS digest
    FROM ordo_snapshot_rows WHERE problems IS NULL`.execute(db);
  return r.rows[0]?.digest ?? '';
}

export interface StagedRow {
  line: number; sku: string; location: string; skuId: string; locationId: string; onHand: number; version: number;
  winner: boolean; fresh: boolean; ordoOnHand: number; reserved: number; quarantined: number;
}

/**
 * One statement for every good row, run under the source's exclusive sync lock (lockSource), so that nothing else
 * writes this source's sync state or snapshot versions meanwhile and what it reads of them stays true:
 *
 * - marks: per location, the version most winning rows carry; the location's snapshot version moves to it (a new
 *   seq) when it is newer than the one stored and at least half as many rows carry it as the source has sync-state
 *   rows there (a snapshot of a part of a location would otherwise write more rows than it saves);
 * - a winning row is fresh when its version is newer than the pair's (effective) version;
 * - stored: the fresh rows are written, except where the location's version moved to the row's own and the source's
 *   number is the one stored: the snapshot version covers those (ADR 0011), and they are most rows of a full-stock
 *   snapshot. In a location whose version moved, the stale rows and the pairs the snapshot did not report are
 *   written too, with their own version made explicit, and marked as not covered (excluded_seq);
 * - the answer, in (sku, location) order: only the rows that are not fresh and equal to Ordo's on hand (the losers
 *   within the snapshot, the stale rows, the changes), with Ordo's counters read unlocked (the changes are locked
 *   and read again before they are decided).
 */
export async function storeAndCompareStaged(trx: Trx, source: string): Promise<StagedRow[]> {
  const oldVersion = sql`CASE WHEN ss.excluded_seq < m.old_seq THEN greatest(ss.version, m.old_version) ELSE ss.version END`;
  const oldReportedAt = sql`CASE WHEN ss.excluded_seq < m.old_seq AND m.old_version > ss.version THEN m.old_reported_at ELSE ss.reported_at END`;
  const result = await sql<StagedRow>`
    WITH counted AS (
      SELECT location_id, version, count(*) AS reported,
             row_number() OVER (PARTITION BY location_id ORDER BY count(*) DESC, version DESC) AS rank
      FROM ordo_snapshot_rows WHERE winner GROUP BY location_id, version
    ),
    marks AS (
      SELECT c.location_id, c.version AS new_version, coalesce(w.seq, 0) AS old_seq, w.version AS old_version, w.reported_at AS old_reported_at,
             (w.version IS NULL OR c.version > w.version) AND c.reported * 2 >= c.known AS bump, c.known
      FROM (SELECT counted.*, k.n AS known FROM counted
            -- The source's rows in each location, counted in its range of the key (migration 0044): no sort.
            CROSS JOIN LATERAL (SELECT count(*) AS n FROM stock_sync_state ss
                                WHERE ss.source = ${source} AND ss.location_id = counted.location_id) k
            WHERE rank = 1) c
      LEFT JOIN stock_sync_snapshots w ON w.source = ${source} AND w.location_id = c.location_id
    ),
    judged AS (
      SELECT r.line, r.sku, r.location, r.sku_id, r.location_id, r.on_hand, r.version, ss.on_hand AS known_on_hand, m.bump, m.old_seq, m.new_version,
             ${oldVersion} AS old_version, ${oldReportedAt} AS old_reported_at,
             (ss.sku_id IS NULL OR r.version > ${oldVersion}) AS fresh
      FROM ordo_snapshot_rows r
      JOIN marks m ON m.location_id = r.location_id
      LEFT JOIN stock_sync_state ss ON ss.source = ${source} AND ss.sku_id = r.sku_id AND ss.location_id = r.location_id
      WHERE r.winner
    ),
    -- Per location, how many of the source's sync-state rows the snapshot reported: the others are looked for only
    -- where there are any (a full snapshot leaves none out).
    matched AS (
      SELECT location_id, count(*) AS n FROM judged WHERE known_on_hand IS NOT NULL GROUP BY location_id
    ),
    absent AS (
      UPDATE stock_sync_state ss SET version = ${oldVersion}, reported_at = ${oldReportedAt}, excluded_seq = m.old_seq + 1
      FROM marks m LEFT JOIN matched USING (location_id)
      WHERE m.bump AND m.known > coalesce(matched.n, 0) AND ss.source = ${source} AND ss.location_id = m.location_id
        AND NOT EXISTS (SELECT 1 FROM ordo_snapshot_rows r WHERE r.winner AND r.sku_id = ss.sku_id AND r.location_id = ss.location_id)
    ),
    stored AS (
      INSERT INTO stock_sync_state AS s (source, sku_id, location_id, version, on_hand, reported_at, excluded_seq)
      SELECT ${source}, sku_id, location_id, CASE WHEN fresh THEN version ELSE old_version END,
             CASE WHEN fresh THEN on_hand ELSE known_on_hand END, CASE WHEN fresh THEN now() ELSE old_reported_at END,
             old_seq + CASE WHEN bump THEN 1 ELSE 0 END
      FROM judged
      WHERE (fresh OR bump) AND NOT (bump AND fresh AND version = new_version AND known_on_hand IS NOT NULL AND known_on_hand = on_hand)
      ORDER BY location_id, sku_id
      ON CONFLICT (source, sku_id, location_id) DO UPDATE SET version = excluded.version, on_hand = excluded.on_hand,
        reported_at = excluded.reported_at, excluded_seq = excluded.excluded_seq
    ),
    moved AS (
      INSERT INTO stock_sync_snapshots AS w (source, location_id, seq, version)
      SELECT ${source}, location_id, old_seq + 1, new_version FROM marks WHERE bump
      ON CONFLICT (source, location_id) DO UPDATE SET seq = excluded.seq, version = excluded.version, reported_at = now()
    )
    SELECT r.line::int, r.sku, r.location, sku_id AS "skuId", location_id AS "locationId", r.on_hand AS "onHand", r.version, r.winner, r.fresh,
           coalesce(l.on_hand, 0) AS "ordoOnHand", coalesce(l.reserved, 0) AS reserved, coalesce(l.quarantined, 0) AS quarantined
    FROM (
      SELECT line, sku, location, sku_id, location_id, on_hand, version, true AS winner, fresh FROM judged
      UNION ALL
      SELECT line, sku, location, sku_id, location_id, on_hand, version, false, false FROM ordo_snapshot_rows
      WHERE problems IS NULL AND NOT winner
    ) r
    LEFT JOIN stock_levels l USING (sku_id, location_id)
    WHERE NOT r.winner OR NOT r.fresh OR coalesce(l.on_hand, 0) <> r.on_hand
    ORDER BY sku_id, location_id, r.line
  `.execute(trx);
  return result.rows;
}

/**
 * Supersedes the source's pending discrepancies of every pair this snapshot reported a newer number for (the winners
 * that were not stale), as supersedePending in sync-stock.ts. One probe when the source has none pending.
 */
export async function supersedeStaged(trx: Trx, source: string, staleLines: readonly number[]): Promise<void> {
  const any = await sql<{ pending: boolean }>`
    SELECT EXISTS (SELECT 1 FROM stock_discrepancies WHERE status = 'pending' AND source = ${source}) AS pending`.execute(trx);
  if (!any.rows[0]?.pending) return;
  await sql`
    UPDATE stock_discrepancies d SET status = 'superseded', decided_at = now()
    FROM ordo_snapshot_rows r
    WHERE r.winner AND r.line <> ALL(${staleLines}::bigint[])
      AND d.status = 'pending' AND d.source = ${source} AND d.sku_id = r.sku_id AND d.location_id = r.location_id
  `.execute(trx);
}

import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A full-stock sync rewrites the source's version of every row it reports, changed or not (issue 18). Room on
    -- each page lets that update stay on the page (a HOT update: no new index entry, no index bloat); the table
    -- holds one small row per source x SKU x location. Applies to pages written from now on.
    ALTER TABLE stock_sync_state SET (fillfactor = 60);
  `.execute(db);
}

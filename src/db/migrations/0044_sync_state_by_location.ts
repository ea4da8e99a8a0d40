import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A snapshot counts the source's sync-state rows per location it reports, and marks the rows of a location it
    -- left out (snapshot.repository.ts). With the key in (source, sku, location) order each location read every row
    -- of the source — a snapshot of L locations read L times as many index entries as there are rows (issue #18).
    -- In (source, location, sku) order a location's rows are one range. Lookups by the whole key are unchanged, and
    -- ON CONFLICT (source, sku_id, location_id) infers the key whatever its column order.
    ALTER TABLE stock_sync_state DROP CONSTRAINT stock_sync_state_pkey,
      ADD CONSTRAINT stock_sync_state_pkey PRIMARY KEY (source, location_id, sku_id);
  `.execute(db);
}

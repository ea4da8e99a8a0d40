import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Two indexes every capture wrote entries to and no query needs (issue #18, capture's cost per order):
    -- order_lines_order is the same (order_id, line_no) as the unique constraint's index beside it; and since
    -- 0039 the relay and the stream look an aggregate's events up by (aggregate_type, aggregate_id, tx), so the
    -- (aggregate_type, aggregate_id, id) index served only one rule of ordo check, which now reads the other.
    DROP INDEX IF EXISTS order_lines_order;
    DROP INDEX IF EXISTS outbox_events_aggregate;
  `.execute(db);
}


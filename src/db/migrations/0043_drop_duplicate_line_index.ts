import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- order_lines_order is the same (order_id, line_no) as the index of the unique constraint beside it: every
    -- captured line wrote both (issue #18, capture's cost per order). The constraint's index serves every query.
    DROP INDEX IF EXISTS order_lines_order;
  `.execute(db);
}

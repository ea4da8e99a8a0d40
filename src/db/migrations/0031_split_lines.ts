import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Line splitting at capture (issue #19): when a channel's rule set allows it and no single location can ship a
    -- line, capture writes it as sibling lines, one per location, each marked with the request's line number it
    -- came from (the first part keeps that number; the others are numbered after the order's last line). Null: a
    -- line that was not split. No default and no rewrite: adding a nullable column is a catalogue change only.
    ALTER TABLE order_lines ADD COLUMN split_from_line_no integer CHECK (split_from_line_no > 0);
  `.execute(db);
}

/** Reads a whole table for an export in keyset pages, so memory holds one page whatever the table's size. */
export const EXPORT_PAGE = 2000;

export async function* keysetPages<Row, Key>(fetch: (after: Key | undefined, limit: number) => Promise<Row[]>, keyOf: (row: Row) => Key): AsyncGenerator<Row> {
  let after: Key | undefined;
  for (;;) {
    const rows = await fetch(after, EXPORT_PAGE);
    for (const row of rows) yield row;
    if (rows.length < EXPORT_PAGE) return;
    after = keyOf(rows[rows.length - 1] as Row);
  }
}

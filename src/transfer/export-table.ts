/**
 * Exports an entity as CSV or XLSX to a stream: rows are read in keyset pages and written one by one, waiting when
 * the reader of the stream is behind, so memory stays flat whatever the table's size.
 */
import type { Writable } from 'node:stream';
import type { Db } from '../db/database.js';
import type { TableFormat } from './read-table.js';
import type { TableEntity } from './table-entity.js';
import { writeTable } from './write-table.js';

export async function exportTable(db: Db, entity: TableEntity<never, never>, format: TableFormat, out: Writable, onProgress?: (rows: number) => void): Promise<number> {
  const writer = writeTable(format, out, entity.columns);
  let rows = 0;
  for await (const row of entity.exportRows(db)) {
    // Awaited only when the stream is full: an await per row of a million is measurable.
    const full = writer.write(row);
    if (full) await full;
    rows += 1;
    if (onProgress && rows % 10_000 === 0) onProgress(rows);
  }
  await writer.end();
  onProgress?.(rows);
  return rows;
}

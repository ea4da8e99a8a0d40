/**
 * Writes a table (a header and rows) as CSV or XLSX to a stream, row by row, so an export of a million rows holds one
 * chunk in memory.
 *
 * CSV injection: a spreadsheet runs a cell that starts with = + - @ (and some read a leading tab or carriage return
 * the same way) as a formula, so a customer named "=HYPERLINK(…)" could act when the export is opened. Every text
 * value that starts with one of them is written with a leading apostrophe, which spreadsheets show as text; an import
 * removes that one apostrophe again, so export → import gives back the value. Numbers are written as numbers (a
 * negative number is data, not a formula). In XLSX a text cell is stored as a string, never as a formula, so it needs
 * no apostrophe there.
 */
import ExcelJS from 'exceljs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { TableFormat } from './read-table.js';

export type Cell = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell as written to CSV: with a leading apostrophe when a spreadsheet would run it (see the file comment). */
export const escapeFormula = (text: string): string => (FORMULA_START.test(text) ? `'${text}` : text);

/** The inverse of escapeFormula on import. */
export const unescapeFormula = (text: string): string => (text.startsWith('\'') && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text);

export interface TableWriter {
  /** A promise only when the caller must wait (the stream is full), so a row that fits costs no await. */
  write(row: readonly Cell[]): Promise<void> | undefined;
  end(): Promise<void>;
}

export function writeTable(format: TableFormat, out: Writable, columns: readonly string[]): TableWriter {
  return format === 'csv' ? csvWriter(out, columns) : xlsxWriter(out, columns);
}

/** Text is flushed to the stream in pieces of about this size: one write (and one Buffer) per piece, not per row. */
const CSV_FLUSH_CHARS = 64 * 1024;

/** A field that holds a comma, a quote or a line break goes in quotes, its quotes doubled (RFC 4180). */
const NEEDS_QUOTES = /[",\n\r]/;

const quoted = (text: string): string => (NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

const csvField = (cell: Cell): string => {
  if (cell === null) return '';
  return typeof cell === 'string' ? quoted(escapeFormula(cell)) : String(cell);
};

/**
 * CSV as csv-stringify wrote it here before (header, `\n` after every record, quotes only where needed, booleans as
 * true/false), built as text by hand: that library's per-row work was the largest item of the export's CPU profile
 * after garbage collection (issue #22).
 */
function csvWriter(out: Writable, columns: readonly string[]): TableWriter {
  let text = `${columns.map(quoted).join(',')}\n`;
  const flush = (): Promise<void> | undefined => {
    const full = out.write(text);
    text = '';
    return full ? undefined : drained(out);
  };
  return {
    write(row) {
      let line = '';
      for (let i = 0; i < row.length; i++) line += i === 0 ? csvField(row[i] ?? null) : `,${csvField(row[i] ?? null)}`;
      text += `${line}\n`;
      return text.length >= CSV_FLUSH_CHARS ? flush() : undefined;
    },
    async end() {
      if (text.length > 0) await flush();
      const finished = once(out, 'finish');
      out.end();
      await finished;
    },
  };
}

/** Data rows per worksheet: Excel's 1,048,576 rows less the header. */
export const XLSX_ROWS_PER_SHEET = 1_048_575;

/** Waits for 'drain' only when the stream asks for it. */
const drained = (out: Writable): Promise<void> | undefined => (out.writableNeedDrain ? once(out, 'drain').then(() => undefined) : undefined);

/**
 * Waits while the stream a worksheet's XML goes into on its way to the zip (archiver's input for that entry, a
 * readable-stream PassThrough: hence its `_writableState`) is full. exceljs writes its 64 KiB pieces there without
 * looking at backpressure, so when compressing fell behind the pieces piled up: a million-order XLSX export over HTTP
 * peaked at 914 MiB of the process (issue #22).
 */
const zipInputDrained = (sheet: object): Promise<void> | undefined => {
  const input = (sheet as { _stream?: { pipes?: (Writable & { _writableState?: { needDrain?: boolean } })[] } })._stream?.pipes?.[0];
  return input?._writableState?.needDrain ? once(input, 'drain').then(() => undefined) : undefined;
};

function xlsxWriter(out: Writable, columns: readonly string[]): TableWriter {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  let sheet = workbook.addWorksheet('data');
  let rows = 0;
  sheet.addRow([...columns]).commit();
  return {
    write(row) {
      // A worksheet holds at most 1,048,576 rows (Excel's limit): a larger export goes on in sheets data2, data3…
      if (rows > 0 && rows % XLSX_ROWS_PER_SHEET === 0) {
        sheet.commit();
        sheet = workbook.addWorksheet(`data${rows / XLSX_ROWS_PER_SHEET + 1}`);
        sheet.addRow([...columns]).commit();
      }
      sheet.addRow(row.map((c) => c ?? null)).commit();
      // exceljs hands committed rows to its zip writer, which compresses them in callbacks of its own: a loop that
      // only awaits resolved promises would never let it run, and the rows would pile up in memory. Yield to it.
      rows += 1;
      if (rows % 100 === 0) return new Promise<void>((resolve) => setImmediate(resolve)).then(() => zipInputDrained(sheet)).then(() => drained(out));
      return drained(out);
    },
    async end() {
      sheet.commit();
      await workbook.commit();
    },
  };
}

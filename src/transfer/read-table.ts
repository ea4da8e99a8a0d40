/**
 * Reads a table file (CSV or XLSX) as a stream of rows, each a record of its header's columns as text, numbered as a
 * spreadsheet numbers them (the header is row 1), so a validation report points at the row a person sees.
 *
 * The bytes are looked at before they are parsed: an .xlsx is a zip (it starts with "PK"); a CSV is UTF-8 (a BOM is
 * dropped), UTF-16 with a BOM, or — when the first 64 KiB are not valid UTF-8 — GBK/GB18030 (what Chinese spreadsheet
 * tools write) when the bytes read as Chinese text, decoded with iconv-lite. Anything else is refused naming chardet's
 * guess; a caller may name the encoding (windows-1252, big5, shift_jis…) and it is decoded. Bytes that are not valid in the chosen encoding are refused
 * with the row they are on, never replaced by U+FFFD. Line endings may be mixed (\r\n, \n, \r).
 */
import { parse } from 'csv-parse';
import chardet from 'chardet';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { Readable, Transform, type Duplex, type TransformCallback } from 'node:stream';
import { AppError } from '../shared/errors.js';
import { unescapeFormula } from './write-table.js';

export const tableFormats = ['csv', 'xlsx'] as const;
export type TableFormat = (typeof tableFormats)[number];

export const contentTypes: Record<TableFormat, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface TableRow {
  /** The row's number in the file as a spreadsheet shows it: the header is row 1, the first data row 2. */
  row: number;
  values: Record<string, string>;
  /** A problem with the row as a whole (not as many fields as the header). */
  problem?: string;
}

export interface ReadOptions {
  /** An iconv-lite encoding name; by default detected (see the file comment). */
  encoding?: string;
  /** csv or xlsx; by default detected from the first bytes. */
  format?: TableFormat;
}

export interface TableReader {
  format: TableFormat;
  /** The encoding a CSV was read in (utf-8 for xlsx). */
  encoding: string;
  columns: string[];
  rows: AsyncIterable<TableRow>;
}

const SAMPLE_BYTES = 64 * 1024;

/** The first bytes of a stream, and a stream that gives all of them again followed by the rest. */
async function peek(input: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay() {
    yield head;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head, stream: Readable.from(replay(), { objectMode: false }) };
}

/** Whether the bytes are valid UTF-8, allowing a sequence cut at the end (the sample ends anywhere). */
export function isUtf8(bytes: Buffer): boolean {
  let end = bytes.length;
  // Step back over an incomplete last sequence: up to 3 continuation bytes after its lead byte.
  for (let i = 1; i <= 3 && i <= bytes.length; i++) {
    const b = bytes[bytes.length - i] as number;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (need > i) end = bytes.length - i;
    break;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether bytes that are not UTF-8 read as GBK/GB18030 (what Excel and WPS on a Chinese Windows write as "CSV"): every
 * byte sequence valid in GB18030, and nearly every non-ASCII character a CJK ideograph or CJK punctuation. Latin-1
 * text (ü followed by a letter is a valid GBK pair too) decodes into scattered rare characters and fails the second
 * test; Big5 is told apart by chardet.
 */
function looksLikeGb18030(head: Buffer): boolean {
  const text = iconv.decode(head, 'gb18030');
  // The sample may end inside a character: allow a replacement character at the very end only.
  if (text.slice(0, -1).includes('\ufffd')) return false;
  let nonAscii = 0;
  let cjk = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code < 0x80) continue;
    nonAscii += 1;
    if ((code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3000 && code <= 0x303f) || (code >= 0xff00 && code <= 0xffef) || (code >= 0x3400 && code <= 0x4dbf)) cjk += 1;
  }
  return nonAscii > 0 && cjk / nonAscii >= 0.9;
}

/**
 * The encoding of a CSV's bytes, from its first bytes (see the file comment). Only UTF-8, UTF-16 with a BOM and
 * GBK/GB18030 are taken without being named: any other guess (chardet's for Windows-1252, Big5…) may be wrong about
 * some characters, so the file is refused with the guess, to be confirmed with `encoding`.
 */
export function detectEncoding(all: Buffer): string {
  const head = all.subarray(0, SAMPLE_BYTES);
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (isUtf8(head)) return 'utf-8';
  const guesses = chardet.analyse(head);
  const big5 = guesses.find((g) => g.name === 'Big5')?.confidence ?? 0;
  const gb = guesses.find((g) => g.name === 'GB18030')?.confidence ?? 0;
  const other = Math.max(0, ...guesses.filter((g) => g.name !== 'GB18030').map((g) => g.confidence));
  if (gb > 0 && gb >= other && big5 <= gb && looksLikeGb18030(head)) return 'gb18030';
  const best = guesses.find((g) => !g.name.startsWith('UTF') && iconv.encodingExists(g.name));
  throw new AppError('unsupported_media_type',
    `the file is not UTF-8${best ? ` (it may be ${best.name}, ${best.confidence}% sure)` : ''}: save it as "CSV UTF-8", or name its encoding (encoding=${best?.name.toLowerCase() ?? 'windows-1252'}); nothing was imported`);
}

/** Decodes to UTF-8 text without a BOM; a byte sequence invalid in the encoding fails the stream. */
class StrictUtf8 extends Transform {
  private decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  constructor() {
    super({ decodeStrings: true });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      done(null, this.decoder.decode(chunk, { stream: true }));
    } catch {
      done(new InvalidBytes('utf-8'));
    }
  }
  override _flush(done: TransformCallback): void {
    try {
      done(null, this.decoder.decode());
    } catch {
      done(new InvalidBytes('utf-8'));
    }
  }
}

class InvalidBytes extends Error {
  constructor(readonly encoding: string) {
    super(`bytes that are not valid ${encoding}`);
  }
}

/** A legacy encoding through iconv-lite, failing (not replacing) on bytes it cannot decode. */
function legacyDecoder(encoding: string): Transform {
  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  return new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _enc, done) {
      const text = decoder.write(chunk);
      done(text.includes('\ufffd') ? new InvalidBytes(encoding) : null, text);
    },
    flush(done) {
      const text = decoder.end() ?? '';
      done(text.includes('\ufffd') ? new InvalidBytes(encoding) : null, text);
    },
  });
}

export async function readTable(input: Readable, opts: ReadOptions = {}): Promise<TableReader> {
  const { head, stream } = await peek(input, SAMPLE_BYTES);
  if (head.length === 0) throw new AppError('validation_failed', 'the file is empty: send a header row and at least one row', { errors: [{ path: '/body', message: 'empty' }] });
  const zip = head[0] === 0x50 && head[1] === 0x4b;
  const format = opts.format ?? (zip ? 'xlsx' : 'csv');
  if (format === 'xlsx' && !zip) throw new AppError('unsupported_media_type', 'the file is not an .xlsx workbook (an .xlsx is a zip file): send it as text/csv, or save it as .xlsx');
  if (format === 'csv' && zip) throw new AppError('unsupported_media_type', 'the file is a zip (an .xlsx workbook?), not CSV: send it with the xlsx content type');
  return format === 'xlsx' ? readXlsx(stream) : readCsv(stream, head, opts.encoding);
}

const headerError = (message: string) => new AppError('validation_failed', `the header row (row 1) ${message}`, { errors: [{ path: '/body/row/1', message }] });

async function readCsv(stream: Readable, head: Buffer, given: string | undefined): Promise<TableReader> {
  if (given !== undefined && !iconv.encodingExists(given)) throw new AppError('validation_failed', `unknown encoding "${String(given)}": use e.g. utf-8, gb18030, big5, shift_jis, windows-1252`, { errors: [{ path: '/query/encoding', message: 'unknown encoding' }] });
  const encoding = given?.toLowerCase() ?? detectEncoding(head);
  const text = /^utf-?8$/.test(encoding) ? new StrictUtf8() : legacyDecoder(encoding);
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    // Files edited on several systems mix \r\n, \n and \r; csv-parse otherwise takes the first one it sees for all.
    record_delimiter: ['\r\n', '\n', '\r'],
  });
  const records = stream.pipe(text).pipe(parser) as AsyncIterable<string[]>;
  stream.on('error', (e) => parser.destroy(e));
  text.on('error', (e) => parser.destroy(e));
  const iterator = records[Symbol.asyncIterator]();
  let rowNumber = 1;
  const fail = (e: unknown): never => {
    if (e instanceof AppError) throw e;
    if (e instanceof InvalidBytes) {
      throw new AppError('validation_failed', `row ${rowNumber + 1} or near it has ${e.message}: save the file as "CSV UTF-8" or name its encoding (encoding=…); nothing was imported`, { errors: [{ path: `/body/row/${rowNumber + 1}`, message: e.message }] });
    }
    const err = e as { message?: string; lines?: number };
    throw new AppError('validation_failed', `the CSV cannot be read near row ${rowNumber + 1}: ${err.message ?? 'malformed'}; nothing was imported`, { errors: [{ path: `/body/row/${rowNumber + 1}`, message: err.message ?? 'malformed CSV' }] });
  };
  let first: IteratorResult<string[]>;
  try {
    first = await iterator.next();
  } catch (e) {
    return fail(e);
  }
  if (first.done) throw headerError('is missing: the file has no rows');
  const columns = first.value.map((h) => h.trim());
  checkHeader(columns);
  async function* rows(): AsyncGenerator<TableRow> {
    for (;;) {
      let next: IteratorResult<string[]>;
      try {
        next = await iterator.next();
      } catch (e) {
        fail(e);
        return;
      }
      if (next.done) return;
      rowNumber += 1;
      yield toRow(rowNumber, columns, next.value);
    }
  }
  return { format: 'csv', encoding, columns, rows: rows() };
}

function checkHeader(columns: string[]): void {
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '') throw headerError('has an empty column name: name every column, or delete the empty column');
    if (seen.has(c)) throw headerError(`names the column "${c}" twice`);
    seen.add(c);
  }
}

function toRow(row: number, columns: string[], fields: string[]): TableRow {
  const values: Record<string, string> = {};
  columns.forEach((c, i) => {
    values[c] = unescapeFormula(fields[i] ?? '');
  });
  const extra = fields.slice(columns.length).some((f) => f !== '');
  return fields.length < columns.length || extra
    ? { row, values, problem: `${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${columns.length}: give every column (an empty one as nothing between its commas)` }
    : { row, values };
}

/** A cell as the text a person sees; a formula gives its last computed result. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('formula' in value || 'sharedFormula' in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
  if ('text' in value) return String(value.text);
  if ('error' in value) return String(value.error);
  return '';
}

/**
 * Keeps back an 'end' that a stream emits by hand before Node ends it. exceljs's streaming reader pipes the file into
 * unzipper's Parse and reads entries until that emits 'end'; Parse emits one by hand as soon as its input is all
 * written, while entries it has already parsed may still wait in its buffer (the reader pauses it to write a worksheet
 * to a temporary file). Under load the entries after the first worksheet — shared strings, workbook.xml — were then
 * never read: a 400 "Cannot read properties of undefined (reading 'sheets')" for a good file about once in 300 reads.
 * Node's own 'end' (after the last entry has been read) comes through: `readableEnded` is set just before it.
 */
export function holdEarlyEnd(stream: Duplex): void {
  const emit = stream.emit.bind(stream);
  stream.emit = (event: string | symbol, ...args: unknown[]): boolean => (event === 'end' && !stream.readableEnded ? false : emit(event, ...args));
}

/** The stream with holdEarlyEnd applied to whatever it is piped into (exceljs pipes it into the zip parser). */
function pipedWithLateEnd(stream: Readable): Readable {
  const pipe = stream.pipe.bind(stream);
  stream.pipe = <T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T => {
    holdEarlyEnd(destination as unknown as Duplex);
    return pipe(destination, options);
  };
  return stream;
}

async function readXlsx(stream: Readable): Promise<TableReader> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(pipedWithLateEnd(stream), { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit', entries: 'emit' });
  const sheets = workbook[Symbol.asyncIterator]();
  let sheet: IteratorResult<ExcelJS.stream.xlsx.WorksheetReader>;
  try {
    sheet = await sheets.next();
  } catch (e) {
    throw new AppError('validation_failed', `the .xlsx workbook cannot be read: ${(e as Error).message}`, { errors: [{ path: '/body', message: 'not a readable workbook' }] });
  }
  if (sheet.done) throw headerError('is missing: the workbook has no worksheet');
  const rowsOfSheet = (sheet.value as unknown as AsyncIterable<ExcelJS.Row>)[Symbol.asyncIterator]();
  const texts = (row: ExcelJS.Row) => {
    const values = row.values as ExcelJS.CellValue[];
    // exceljs gives values 1-based (index 0 is empty).
    const out: string[] = [];
    for (let i = 1; i < values.length; i++) out.push(cellText(values[i]));
    return out;
  };
  const first = await rowsOfSheet.next();
  if (first.done) throw headerError('is missing: the first worksheet has no rows');
  const columns = texts(first.value).map((h) => h.trim());
  while (columns.length > 0 && columns.at(-1) === '') columns.pop();
  checkHeader(columns);
  async function* rows(): AsyncGenerator<TableRow> {
    for (let next = await rowsOfSheet.next(); !next.done; next = await rowsOfSheet.next()) {
      const fields = texts(next.value);
      if (fields.every((f) => f === '')) continue;
      while (fields.length < columns.length) fields.push('');
      yield toRow(next.value.number, columns, fields);
    }
    // The remaining sheets are read through (and ignored) so the zip stream ends cleanly.
    for (let s = await sheets.next(); !s.done; s = await sheets.next()) {
      for await (const _ of s.value as unknown as AsyncIterable<unknown>) { /* skip */ }
    }
  }
  return { format: 'xlsx', encoding: 'utf-8', columns, rows: rows() };
}

import ExcelJS from 'exceljs';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { holdEarlyEnd } from './read-table.js';

// The zip parser exceljs's streaming reader uses: its own copy of unzipper, whatever version it depends on.
const requireFromExceljs = createRequire(createRequire(import.meta.url).resolve('exceljs'));
const { Parse } = requireFromExceljs('unzipper') as { Parse: (options: { forceStream: boolean }) => Duplex };

async function workbookBytes(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('SKUs').addRow(['code', 'name']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Writes the whole file into the parser without reading an entry, then reads them all; what it saw on the way. */
async function parseLate(guard: boolean) {
  const zip = Parse({ forceStream: true });
  if (guard) holdEarlyEnd(zip);
  let endedEarly = false;
  zip.on('end', () => { endedEarly ||= zip.readableLength > 0; });
  zip.pause();
  zip.end(await workbookBytes());
  await once(zip, 'finish');
  await new Promise((resolve) => setImmediate(resolve));
  const waiting = zip.readableLength;
  const ended = once(zip, 'end');
  const entries: string[] = [];
  zip.on('data', (entry: { path: string; autodrain: () => void }) => {
    entries.push(entry.path);
    entry.autodrain();
  });
  zip.resume();
  await ended;
  return { endedEarly, waiting, entries };
}

describe('reading an .xlsx as a stream', () => {
  it('unzipper ends its entry stream while parsed entries still wait to be read (what holdEarlyEnd is for)', async () => {
    const { endedEarly, waiting } = await parseLate(false);
    expect(waiting).toBeGreaterThan(0);
    // If this fails, unzipper no longer ends early and holdEarlyEnd (read-table.ts) can go.
    expect(endedEarly).toBe(true);
  });

  it('with holdEarlyEnd the stream ends only after its last entry has been read', async () => {
    const { endedEarly, waiting, entries } = await parseLate(true);
    expect(waiting).toBeGreaterThan(0);
    expect(endedEarly).toBe(false);
    expect(entries).toEqual(expect.arrayContaining(['xl/worksheets/sheet1.xml', 'xl/sharedStrings.xml', 'xl/workbook.xml']));
  });
});

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeTable, type Cell } from './write-table.js';

async function csvOf(columns: string[], rows: Cell[][], highWaterMark?: number): Promise<{ text: string; chunks: number }> {
  const out = new PassThrough({ highWaterMark });
  const chunks: Buffer[] = [];
  // A slow reader: the writer must wait for it (drain), not pile the text up.
  out.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    out.pause();
    setImmediate(() => out.resume());
  });
  const writer = writeTable('csv', out, columns);
  for (const row of rows) {
    const full = writer.write(row);
    if (full) await full;
  }
  await writer.end();
  return { text: Buffer.concat(chunks).toString('utf8'), chunks: chunks.length };
}

describe('CSV writer', () => {
  it('writes what csv-stringify wrote before: quotes only where needed, numbers and booleans as they are', async () => {
    const row: Cell[] = ['plain', 'a,b', 'say "hi"', 'two\nlines', '', null, 0, -5, 12.5, true, false, '=1+1', '-2', '@x', ' spaced ', '中文'];
    const { text } = await csvOf(row.map((_, i) => `c${i}`), [row]);
    // The expected text is csv-stringify 6.9's output for this row with the options the export used.
    expect(text).toBe('c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14,c15\n'
      + 'plain,"a,b","say ""hi""","two\nlines",,,0,-5,12.5,true,false,\'=1+1,\'-2,\'@x, spaced ,中文\n');
  });

  it('quotes a carriage return inside a text, which an import reads as the end of a row otherwise', async () => {
    expect((await csvOf(['a', 'b'], [['cr\rhere', 'x']])).text).toBe('a,b\n"cr\rhere",x\n');
  });

  it('writes a header alone for no rows', async () => {
    expect((await csvOf(['a', 'b'], [])).text).toBe('a,b\n');
  });

  it('writes many rows in few pieces and waits for a slow reader', async () => {
    const rows: Cell[][] = Array.from({ length: 20_000 }, (_, i) => [`row ${i}`, i]);
    const { text, chunks } = await csvOf(['name', 'n'], rows, 1024);
    expect(text.split('\n')).toHaveLength(20_002);
    expect(text.endsWith('row 19999,19999\n')).toBe(true);
    expect(chunks).toBeLessThan(200);
  });
});

/**
 * Import and export of SKUs, locations, stock, customers and orders (CSV and XLSX): a validation report naming every
 * bad row, nothing written unless asked, round trips, encodings, formula escaping, historical orders.
 */
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allChecks, runChecks } from '../src/check.js';
import { exportTable, importTable, tables, type EntityName, type TableFormat } from '../src/transfer/index.js';
import { createTestDatabase, invalidEvents, useTestApp, type TestDatabase } from './harness.js';

const t = useTestApp();

const csv = (lines: string[]) => `${lines.join('\n')}\n`;

async function exportOf(db: TestDatabase['db'], entity: EntityName, format: TableFormat = 'csv'): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await exportTable(db, tables[entity], format, out);
  return Buffer.concat(chunks);
}

const importInto = (db: TestDatabase['db'], entity: EntityName, body: Buffer | string, opts: { keepGood?: boolean; fromRow?: number } = {}) =>
  importTable(db, tables[entity], Readable.from([Buffer.from(body)]), { actorName: 'test', ...opts });

const post = (entity: string, body: string | Buffer, query = '', contentType = 'text/csv') =>
  t.http('POST', `/v1/imports/${entity}${query}`, { body: body, headers: { 'content-type': contentType } });

beforeAll(async () => {
  await t.http('POST', '/v1/channels', { body: { code: 'TMALL', name: 'Tmall', type: 'marketplace', currency: 'CNY', orderNumberPrefix: 'TM' } });
  await t.http('POST', '/v1/locations', { body: { code: 'SH-WH', name: 'Shanghai warehouse', type: 'warehouse' } });
});

describe('a 10,000-row SKU file with 3 bad rows', () => {
  const header = 'code,name,barcode,weightGrams,priceMinor,currency';
  const rows = Array.from({ length: 10_000 }, (_, i) => `BIG-${i},Shirt ${i},,${100 + (i % 50)},${1990 + i},CNY`);
  // Rows of the file are numbered as a spreadsheet shows them: the header is row 1, so rows[i] is row i + 2.
  rows[99] = 'BIG-99,Shirt 99,,heavy,1990,CNY';          // row 101: weightGrams not a number
  rows[4999] = 'BIG-4999,,,100,1990,CNY';                 // row 5001: name missing
  rows[9998] = 'BIG-9998,Shirt,,100,1990,XXX';            // row 10000: not a currency
  const file = csv([header, ...rows]);

  it('reports each bad row and column, and writes nothing', async () => {
    const res = await post('skus', file);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 10_000, rejected: 3, written: false, created: 0 });
    expect(res.body.problems.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([[101, 'weightGrams'], [5001, 'name'], [10_000, 'currency']]);
    const count = await t.db.selectFrom('skus').select((eb) => eb.fn.countAll().as('n')).where('code', 'like', 'BIG-%').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('with keepGood writes the 9,997 good rows and reports the 3 bad ones', async () => {
    const res = await post('skus', file, '?keepGood=true');
    expect(res.body).toMatchObject({ rows: 10_000, rejected: 3, written: true, created: 9_997, lastRow: 10_001 });
    expect(res.body.problems).toHaveLength(3);
    const count = await t.db.selectFrom('skus').select((eb) => eb.fn.countAll().as('n')).where('code', 'like', 'BIG-%').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(9_997);
    // The same file again changes nothing: an import can be repeated or resumed.
    const again = await post('skus', file, '?keepGood=true&fromRow=9000');
    expect(again.body).toMatchObject({ rows: 1_002, created: 0, unchanged: 1_001, rejected: 1 });
  });
});

describe('bad files', () => {
  it('refuses a header without a required column, or with an unknown one, naming them', async () => {
    const res = await post('skus', csv(['code,title', 'A,B']));
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('lacks name');
    expect(res.body.detail).toContain('unknown column title');
  });

  it('reports a row with too few fields', async () => {
    const res = await post('locations', csv(['code,name,type', 'L-1,Only two']));
    expect(res.body.problems).toEqual([{ row: 2, column: 'row', message: expect.stringContaining('2 fields but the header has 3') }]);
  });

  it('reads a UTF-8 file with a BOM and mixed line endings', async () => {
    const body = '\ufeffcode,name,type\r\nBOM-1,北京门店,store\nBOM-2,Second,warehouse\rBOM-3,Third,dropship\r\n';
    const res = await post('locations', body);
    expect(res.body).toMatchObject({ encoding: 'utf-8', rows: 3, created: 3, rejected: 0 });
    const loc = await t.db.selectFrom('locations').select('name').where('code', '=', 'BOM-1').executeTakeFirstOrThrow();
    expect(loc.name).toBe('北京门店');
  });

  it('detects a GBK file from a Chinese tool and decodes it', async () => {
    const text = csv(['code,name,attributes', 'GBK-1,红色连衣裙 大号,"{""颜色"":""红色""}"', 'GBK-2,蓝色衬衫 中号,', 'GBK-3,白色运动鞋,']);
    const res = await post('skus', iconv.encode(text, 'gbk'));
    expect(res.body).toMatchObject({ encoding: 'gb18030', created: 3, rejected: 0 });
    const sku = await t.db.selectFrom('skus').select(['name', 'attributes']).where('code', '=', 'GBK-1').executeTakeFirstOrThrow();
    expect(sku).toEqual({ name: '红色连衣裙 大号', attributes: { 颜色: '红色' } });
  });

  it('refuses a file in another encoding, naming its guess, and reads it when the encoding is named', async () => {
    const latin1 = iconv.encode(csv(['code,name', 'L1-1,Größe für Jürgen', 'L1-2,Müller Köln']), 'windows-1252');
    const res = await post('skus', latin1);
    expect(res.status).toBe(415);
    expect(res.body.detail).toMatch(/^the file is not UTF-8 \(it may be .*\): save it as "CSV UTF-8", or name its encoding/);
    const named = await post('skus', latin1, '?encoding=windows-1252');
    expect(named.body).toMatchObject({ encoding: 'windows-1252', created: 2 });
    const sku = await t.db.selectFrom('skus').select('name').where('code', '=', 'L1-1').executeTakeFirstOrThrow();
    expect(sku.name).toBe('Größe für Jürgen');
  });

  it('refuses a UTF-8 file with broken bytes further in, naming the row', async () => {
    const good = csv(['code,name', ...Array.from({ length: 5000 }, (_, i) => `U8-${i},Name ${i} ${'x'.repeat(20)}`)]);
    const res = await post('skus', Buffer.concat([Buffer.from(good), Buffer.from([0x55, 0x38, 0x2d, 0x58, 0x2c, 0xc3, 0x28, 0x0a])]));
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/bytes that are not valid utf-8/);
    expect(await t.db.selectFrom('skus').select('code').where('code', '=', 'U8-1').executeTakeFirst()).toBeUndefined();
  });

  it('refuses a named encoding that does not exist', async () => {
    const res = await post('skus', csv(['code,name', 'A,B']), '?encoding=klingon');
    expect(res.status).toBe(400);
  });

  it('refuses a body that is neither CSV nor XLSX', async () => {
    const res = await t.http('POST', '/v1/imports/skus', { body: { code: 'A' } });
    expect(res.status).toBe(415);
  });
});

describe('formulas in cells', () => {
  it('exports text starting with = + - @ with a leading apostrophe, and imports it back unchanged', async () => {
    const names = ['=HYPERLINK("http://evil.example","x")', '+cmd|/C calc', '-2+3', '@SUM(A1)', 'plain'];
    await t.http('POST', '/v1/customers', { body: { email: 'formula@example.com', name: names[0] } });
    await t.http('POST', '/v1/skus/bulk', { body: { items: names.map((name, i) => ({ code: `FX-${i}`, name })) } });
    const res = await t.http('GET', '/v1/exports/skus?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = (res.body as string).split('\n').filter((l) => l.startsWith('FX-'));
    expect(lines).toEqual([
      'FX-0,"\'=HYPERLINK(""http://evil.example"",""x"")",,,,,,,,true,',
      'FX-1,\'+cmd|/C calc,,,,,,,,true,',
      'FX-2,\'-2+3,,,,,,,,true,',
      'FX-3,\'@SUM(A1),,,,,,,,true,',
      'FX-4,plain,,,,,,,,true,',
    ]);
    const customers = await t.http('GET', '/v1/exports/customers');
    expect(customers.body).toContain('formula@example.com,,"\'=HYPERLINK(');
    // Imported again, the names are what they were.
    const back = await post('skus', res.body as string);
    expect(back.body).toMatchObject({ rejected: 0, created: 0, updated: 0 });
  });

  it('writes text cells in XLSX as strings, never formulas', async () => {
    const file = await exportOf(t.db, 'skus', 'xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0];
    const cell = [...Array(sheet?.rowCount ?? 0).keys()].map((i) => sheet?.getRow(i + 1).getCell(2)).find((c) => (c?.text ?? '').startsWith('=HYPER'));
    expect(cell?.type).toBe(ExcelJS.ValueType.String);
  });
});

const historyFile = csv([
  'channel,externalRef,status,placedAt,currency,customerName,customerEmail,customerPhone,shipName,shipLine1,shipCity,shipPostalCode,shipCountry,shippingMinor,totalMinor,sku,quantity,cancelled,unitPriceMinor,discountMinor,taxMinor',
  'TMALL,T-1001,completed,2024-11-11T10:00:00+08:00,CNY,张伟,zhangwei@example.cn,,张伟,南京西路 1266 号,上海,200040,CN,1000,21800,HIS-A,2,,5900,0,0',
  'TMALL,T-1001,,,,,,,,,,,,,,HIS-B,1,,9000,0,0',
  'TMALL,T-1002,cancelled,2024-12-01,CNY,李娜,,+86 138 0013 8000,,,,,,0,,HIS-A,1,,5900,,',
  'TMALL,T-1003,completed,2025-01-05T09:30:00Z,CNY,王芳,wangfang@example.cn,,,,,,,0,,HIS-B,3,1,9000,500,0',
]);

describe('historical orders', () => {
  beforeAll(async () => {
    await post('skus', csv(['code,name', 'HIS-A,T-shirt', 'HIS-B,Jacket']));
    await post('stock', csv(['sku,location,onHand', 'HIS-A,SH-WH,10', 'HIS-B,SH-WH,4']));
  });

  it('import as closed orders: no reservation, no stock moved, no event, ordo check clean', async () => {
    const before = await t.db.selectFrom('outbox_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const stockBefore = await t.db.selectFrom('stock_levels').select(['on_hand', 'reserved']).orderBy('on_hand').execute();
    const res = await post('orders', historyFile);
    expect(res.body.problems).toEqual([]);
    expect(res.body).toMatchObject({ rows: 4, created: 3, rejected: 0, written: true });

    const orders = await t.db.selectFrom('orders').selectAll().where('external_ref', 'like', 'T-10%').orderBy('external_ref').execute();
    expect(orders.map((o) => [o.external_ref, o.status, o.total_minor])).toEqual([['T-1001', 'completed', 21_800], ['T-1002', 'cancelled', 0], ['T-1003', 'completed', 18_000 - 500]]);
    expect(orders[0]?.number).toMatch(/^TM\d+$/);
    expect(orders[0]?.placed_at.toISOString()).toBe('2024-11-11T02:00:00.000Z');
    const lines = await t.db.selectFrom('order_lines').selectAll().where('order_id', '=', orders[2]?.id as string).execute();
    expect(lines).toMatchObject([{ quantity: 3, shipped: 2, cancelled: 1, allocated: 0, discount_minor: 500 }]);
    const customer = await t.db.selectFrom('customers').select(['name', 'phone']).where('id', '=', orders[1]?.customer_id as string).executeTakeFirstOrThrow();
    expect(customer).toEqual({ name: '李娜', phone: '+8613800138000' });

    const reservations = await t.db.selectFrom('reservations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(reservations.n)).toBe(0);
    expect(await t.db.selectFrom('stock_levels').select(['on_hand', 'reserved']).orderBy('on_hand').execute()).toEqual(stockBefore);
    const after = await t.db.selectFrom('outbox_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    const timeline = (await t.http('GET', `/v1/orders/${orders[0]?.id}/timeline`)).body.data;
    expect(timeline.map((e: { type: string }) => e.type)).toEqual(['imported']);

    // Again: nothing is written twice.
    const again = await post('orders', historyFile);
    expect(again.body).toMatchObject({ created: 0, unchanged: 3 });
    const report = await runChecks(t.db, allChecks);
    expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
  });

  it('can be returned: completed lines count their units as shipped', async () => {
    const order = await t.db.selectFrom('orders').select('id').where('external_ref', '=', 'T-1001').executeTakeFirstOrThrow();
    const got = await t.http('GET', `/v1/orders/${order.id}`);
    expect(got.body).toMatchObject({ status: 'completed', lines: [{ sku: 'HIS-A', shipped: 2 }, { sku: 'HIS-B', shipped: 1 }] });
  });

  it('refuses open statuses, unknown SKUs and channels, and totals that do not add up, naming each', async () => {
    const res = await post('orders', csv([
      'channel,externalRef,status,placedAt,currency,customerName,customerEmail,totalMinor,sku,quantity,unitPriceMinor',
      'TMALL,B-1,confirmed,2024-01-01,CNY,A,a@example.cn,,HIS-A,1,100',
      'TMALL,B-2,completed,2024-01-01,CNY,A,a@example.cn,,NOPE,1,100',
      'NOPE,B-3,completed,2024-01-01,CNY,A,a@example.cn,,HIS-A,1,100',
      'TMALL,B-4,completed,2024-01-01,CNY,A,a@example.cn,999,HIS-A,1,100',
      'TMALL,B-5,completed,yesterday,CNY,A,a@example.cn,,HIS-A,1,100',
    ]));
    expect(res.body.written).toBe(false);
    expect(res.body.problems.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([
      [2, 'status'], [3, 'sku'], [4, 'channel'], [5, 'totalMinor'], [6, 'placedAt'],
    ]);
    expect(res.body.problems[3].message).toBe('expected 100 (subtotal 100 − discount 0 + shipping 0 + tax 0) but the file says 999');
  });
});

describe('export → import round trip', () => {
  let other: TestDatabase;
  beforeAll(async () => {
    other = await createTestDatabase();
    await t.http('POST', '/v1/customers', { body: { phone: '+49 221 5550123', name: 'Phone only', type: 'business', company: 'ACME', paymentTermsDays: 30 } });
    await t.http('POST', '/v1/customers', { body: { email: 'blocked@example.com', name: 'Blocked', blocked: true, blockedReason: 'fraud', language: 'zh-CN' } });
  });
  afterAll(async () => {
    expect(await invalidEvents(other.db)).toEqual([]);
    await other.drop();
  });

  for (const format of ['csv', 'xlsx'] as const) {
    it(`gives every entity back equal (${format})`, async () => {
      if (format === 'xlsx') {
        // A fresh database each format: the CSV round trip filled the other one.
        await other.drop();
        other = await createTestDatabase();
      }
      await other.db.insertInto('channels').values({ id: '01900000-0000-7000-8000-000000000001', code: 'TMALL', name: 'Tmall', type: 'marketplace', currency: 'CNY', order_number_prefix: 'TM' }).execute();
      // Stock goes back into the same database (every row unchanged): SKU and location codes are cached per process,
      // and this test has two databases in one.
      const stock = await exportOf(t.db, 'stock', format);
      expect(await importInto(t.db, 'stock', stock)).toMatchObject({ rejected: 0, updated: 0 });
      expect((await exportOf(t.db, 'stock', format)).equals(stock) || format === 'xlsx').toBe(true);
      for (const entity of ['skus', 'locations', 'customers', 'orders'] as const) {
        const file = await exportOf(t.db, entity, format);
        const report = await importInto(other.db, entity, file);
        expect(report.rejected, JSON.stringify(report.problems.slice(0, 3))).toBe(0);
        const again = await exportOf(other.db, entity, format);
        if (format === 'csv') expect(again.toString(), entity).toBe(file.toString());
        else expect(await xlsxRows(again), entity).toEqual(await xlsxRows(file));
      }
      const report = await runChecks(other.db, allChecks);
      expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
    });
  }
});

async function xlsxRows(file: Buffer): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file as unknown as ArrayBuffer);
  const rows: unknown[][] = [];
  wb.worksheets[0]?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe('XLSX import', () => {
  it('reads the first worksheet, numbering rows as the spreadsheet does', async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('SKUs');
    sheet.addRow(['code', 'name', 'weightGrams']);
    sheet.addRow(['X-1', 'From Excel', 250]);
    sheet.addRow(['X-2', 'Computed weight', { formula: '100*2', result: 200 }]);
    sheet.addRow(['X-3', 'Bad weight', 'heavy']);
    const body = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await t.app.inject({
      method: 'POST', url: '/v1/imports/skus', payload: body,
      headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    });
    expect(res.json()).toMatchObject({ format: 'xlsx', rows: 3, rejected: 1, problems: [{ row: 4, column: 'weightGrams' }] });
    const ok = await t.app.inject({
      method: 'POST', url: '/v1/imports/skus?keepGood=true', payload: body,
      headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    });
    expect(ok.json()).toMatchObject({ created: 2 });
    const x2 = await t.db.selectFrom('skus').select('weight_grams').where('code', '=', 'X-2').executeTakeFirstOrThrow();
    expect(x2.weight_grams).toBe(200);
  });
});

describe('permissions', () => {
  it('needs the module\'s permission: a viewer may not import, nor export customers', async () => {
    expect((await t.http('POST', '/v1/imports/skus', { key: 'viewer', body: 'code,name\nA,B\n', headers: { 'content-type': 'text/csv' } })).status).toBe(403);
    expect((await t.http('GET', '/v1/exports/customers', { key: 'viewer' })).status).toBe(403);
    expect((await t.http('GET', '/v1/exports/skus', { key: 'viewer' })).status).toBe(200);
  });
});

describe('Idempotency-Key', () => {
  it('answers a repeat with the first report, and refuses the key with another file', async () => {
    const file = csv(['code,name', 'IK-1,Keyed', 'IK-2,Keyed too']);
    const headers = { 'content-type': 'text/csv', 'idempotency-key': 'import-ik-1' };
    const first = await t.http('POST', '/v1/imports/skus', { body: file, headers });
    expect(first.body).toMatchObject({ created: 2 });
    const again = await t.http('POST', '/v1/imports/skus', { body: file, headers });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await t.http('POST', '/v1/imports/skus', { body: csv(['code,name', 'IK-3,Other']), headers });
    expect(other.status).toBe(409);
    expect(await t.db.selectFrom('skus').select('code').where('code', '=', 'IK-3').executeTakeFirst()).toBeUndefined();
  });
});

/** CSV and Excel order import for B2B and phone orders: a report per bad row, all or nothing unless keepGood. */
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';

const t = useTestApp();
const CSV = { 'content-type': 'text/csv' };
const XLSX = { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };
const header = 'orderRef,customerName,customerPhone,company,enteredBy,shipName,shipLine1,shipCity,shipState,shipCountry,sku,quantity,unitPrice,lineDiscount,shipping,total';
const importFile = (body: string | Buffer, headers: Record<string, string>, query = '') =>
  t.app.inject({ method: 'POST', url: `/v1/channels/B2B/orders/import${query}`, payload: body, headers: { ...headers, authorization: `Bearer ${t.keys.operator}` } });
const b2bOrders = async () => (await t.db.selectFrom('orders').select('external_ref').where('external_ref', 'like', 'PO-%').execute()).map((r) => r.external_ref).sort();

beforeAll(async () => {
  await t.http('POST', '/v1/skus/bulk', { body: { items: ['BOX-TEE', 'BOX-CAP'].map((code) => ({ code, name: code })) } });
  await t.http('POST', '/v1/locations', { body: { code: 'IWH', name: 'Warehouse', type: 'warehouse', priority: 10 } });
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'IWH', lines: [{ sku: 'BOX-TEE', quantity: 1000 }, { sku: 'BOX-CAP', quantity: 1000 }] } });
  await t.http('POST', '/v1/channels', { body: { code: 'B2B', name: 'B2B', type: 'b2b', currency: 'CNY' } });
});

describe('order import from a file', () => {
  it('reports every bad row with its number and field, and imports nothing', async () => {
    const csv = [
      header,
      'PO-1,上海服装有限公司,13800000001,上海服装有限公司,rep-li,张三,南京路 1 号,上海市,上海,CN,BOX-TEE,10,45.00,,20.00,532.50',
      'PO-1,上海服装有限公司,13800000001,上海服装有限公司,rep-li,张三,南京路 1 号,上海市,上海,CN,BOX-CAP,5,12.5,,20.00,532.50',
      'PO-2,Beijing Retail,13800000002,,rep-wang,王五,长安街 2 号,北京市,北京,CN,BOX-TEE,two,45.00,,,',
      'PO-3,Guangzhou Shop,13800000003,,rep-wang,赵六,天河路 3 号,广州市,广东,CN,NOPE-SKU,1,45.00,,,45.00',
      'PO-4,Shenzhen Store,13800000004,,rep-wang,孙七,深南大道 4 号,深圳市,广东,CN,BOX-CAP,2,12.345,,,',
      'PO-5,Hangzhou Shop,13800000005,,rep-wang,周八,文三路 5 号,杭州市,浙江,CN,BOX-CAP,2,10.00,,,25.00',
    ].join('\r\n');
    const r = await importFile(`\ufeff${csv}`, CSV);
    expect(r.statusCode).toBe(422);
    const body = r.json();
    expect(body.code).toBe('bulk_rejected');
    expect(body.rows).toEqual([
      { row: 4, field: 'quantity', message: '"two" is not a whole number of units from 1' },
      { row: 6, field: 'unitPrice', message: '"12.345" is not an amount in CNY (a decimal like 129.90)' },
      { row: 7, field: 'total', message: 'expected 20.00 from the lines and charges, got 25.00' },
    ]);
    expect(await b2bOrders()).toEqual([]);
  });

  it('imports the good orders and reports the others when asked to keep them, with unknown SKUs named', async () => {
    const csv = [
      header,
      'PO-10,上海服装有限公司,13800000001,上海服装有限公司,rep-li,张三,南京路 1 号,上海市,上海,CN,BOX-TEE,10,45.00,,20.00,520.00',
      'PO-10,上海服装有限公司,13800000001,上海服装有限公司,rep-li,张三,南京路 1 号,上海市,上海,CN,BOX-CAP,4,12.5,,,',
      'PO-11,Guangzhou Shop,13800000003,,rep-wang,赵六,天河路 3 号,广州市,广东,CN,NOPE-SKU,1,45.00,,,45.00',
    ].join('\n');
    const r = await importFile(csv, CSV, '?keepGood=true');
    expect(r.statusCode).toBe(200);
    const report = r.json();
    expect(report).toMatchObject({ imported: 1, rejected: 1, rows: [{ row: 4, field: 'sku', message: 'unknown SKU "NOPE-SKU"' }] });
    expect(report.orders[0]).toMatchObject({ orderRef: 'PO-10', rows: [2, 3], result: 'created' });
    const order = (await t.http('GET', `/v1/orders/${report.orders[0].orderId}`)).body;
    expect(order).toMatchObject({ enteredBy: 'rep-li', totals: { subtotalMinor: 50000, shippingMinor: 2000, totalMinor: 52000 }, shippingAddress: { city: '上海市', country: 'CN' } });
    // The same file again: the order is there already, nothing doubles.
    const again = (await importFile(csv, CSV, '?keepGood=true')).json();
    expect(again).toMatchObject({ imported: 0, duplicates: 1, rejected: 1 });
    expect(await b2bOrders()).toEqual(['PO-10']);
  });

  it('reads an Excel workbook, and refuses formulas in cells', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Orders');
    sheet.addRow(header.split(','));
    sheet.addRow(['PO-20', 'Chengdu Shop', '13800000020', '', 'rep-chen', '吴九', '春熙路 20 号', '成都市', '四川', 'CN', 'BOX-CAP', 3, 12.5, '', '', 37.5]);
    const good = Buffer.from(await book.xlsx.writeBuffer());
    const r = await importFile(good, XLSX);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ imported: 1, orders: [{ orderRef: 'PO-20', result: 'created' }] });

    sheet.addRow(['PO-21', 'Chengdu Shop', '13800000020', '', 'rep-chen', '吴九', '春熙路 20 号', '成都市', '四川', 'CN', 'BOX-CAP', 3, 12.5, '', '', { formula: 'M3*L3', result: 37.5 }]);
    const withFormula = await importFile(Buffer.from(await book.xlsx.writeBuffer()), XLSX);
    expect(withFormula.statusCode).toBe(422);
    expect(withFormula.json().rows).toEqual([expect.objectContaining({ row: 3, field: 'column 16' })]);
  });

  it('refuses a CSV that is not UTF-8 (GBK from a Chinese spreadsheet) clearly', async () => {
    // "上海" in GBK: C9 CF BA A3.
    const gbk = Buffer.concat([Buffer.from(`${header}\nPO-30,`), Buffer.from([0xc9, 0xcf, 0xba, 0xa3]), Buffer.from(',13800000030,,,,a,b,c,CN,BOX-CAP,1,1.00,,,\n')]);
    const r = await importFile(gbk, CSV);
    expect(r.statusCode).toBe(415);
    expect(r.json().detail).toContain('GBK');
    expect((await importFile('', CSV)).statusCode).toBe(400);
    expect((await importFile('sku,qty\nA,1', CSV)).json().rows).toEqual(expect.arrayContaining([expect.objectContaining({ row: 1, field: 'qty' }), expect.objectContaining({ row: 1, field: 'orderRef', message: 'this column is missing' })]));
  });
});

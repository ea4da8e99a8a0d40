/**
 * B2B and phone orders from a file: CSV (UTF-8) or Excel (.xlsx), one row per order line, rows of one order sharing
 * its `orderRef`. Every row is checked first and every problem reported with its row number (the spreadsheet's:
 * the header is row 1), field and message; then the orders are captured, each through capture's transactional path in
 * a savepoint of one transaction. All or nothing: one bad row (or one order capture refuses) and nothing is imported,
 * unless the caller asks to keep the good orders (`keepGood`).
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import type { Db } from '../db/database.js';
import { isRetryable } from '../db/command.js';
import type { RunCommand } from '../http/command.js';
import { captureOrder, type CaptureOrder } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { writeLog } from './connector.repository.js';
import { captureProblems } from './mapped-order.js';
import { decimalToMinor, minorDigits } from './minor-units.js';

export const importFormats = { csv: 'text/csv', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const;
const MAX_ROWS = 100_000;

const RowError = Type.Object({ row: Type.Integer(), field: Type.String(), message: Type.String() });
type RowError = Static<typeof RowError>;

export const ImportReport = Type.Object({
  imported: Type.Integer({ description: 'Orders created' }),
  duplicates: Type.Integer({ description: 'Orders the channel already had (same orderRef): left as they were' }),
  rejected: Type.Integer({ description: 'Orders not imported' }),
  orders: Type.Array(Type.Object({
    orderRef: Type.String(),
    rows: Type.Array(Type.Integer()),
    result: Type.Union([Type.Literal('created'), Type.Literal('duplicate'), Type.Literal('rejected')]),
    orderId: Type.Optional(Type.String()),
    number: Type.Optional(Type.String()),
  })),
  rows: Type.Array(RowError, { description: 'Every bad row: its number in the file (the header is row 1), the column, what is wrong' }),
});
export type ImportReport = Static<typeof ImportReport>;

/** The columns, by their names in the header (case, spaces and underscores do not matter). */
const columns = [
  'orderRef', 'placedAt', 'currency', 'customerName', 'customerEmail', 'customerPhone', 'customerType', 'company', 'vatId',
  'purchaseOrderNumber', 'enteredBy', 'remark', 'shipName', 'shipCompany', 'shipLine1', 'shipLine2', 'shipCity', 'shipState',
  'shipPostalCode', 'shipCountry', 'shipPhone', 'deliveryMethod', 'pickupLocation', 'paymentMethod', 'paid',
  'sku', 'quantity', 'unitPrice', 'lineDiscount', 'lineTax', 'shipping', 'shippingTax', 'orderDiscount', 'total',
] as const;
type Column = (typeof columns)[number];
const lineColumns = new Set<Column>(['sku', 'quantity', 'unitPrice', 'lineDiscount', 'lineTax']);
const required: Column[] = ['orderRef', 'customerName', 'sku', 'quantity', 'unitPrice'];
const normalise = (name: string) => name.replace(/[\s_-]/g, '').toLowerCase();
const byName = new Map(columns.map((c) => [normalise(c), c]));

interface Row { row: number; values: Partial<Record<Column, string>> }

/** The file's rows as text cells under the header's columns; a 415 for a CSV that is not UTF-8. */
export async function readRows(file: Buffer, format: 'csv' | 'xlsx', errors: RowError[]): Promise<Row[]> {
  const table: { row: number; cells: string[] }[] = [];
  if (format === 'csv') {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(file);
    } catch {
      throw new AppError('unsupported_media_type', 'the CSV is not UTF-8 — files saved by Excel or WPS in China are often GBK: save it as "CSV UTF-8" and send it again');
    }
    let records: { record: string[]; info: { lines: number } }[];
    try {
      records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n', '\r'] }) as never;
    } catch (e) {
      throw new AppError('validation_failed', `the CSV cannot be read: ${e instanceof Error ? e.message : String(e)}`, { errors: [{ path: '/body', message: 'not CSV' }] });
    }
    for (const r of records) table.push({ row: r.info.lines, cells: r.record.map((c) => c.trim()) });
  } else {
    const book = new ExcelJS.Workbook();
    try {
      await book.xlsx.load(file as unknown as ArrayBuffer);
    } catch (e) {
      throw new AppError('unsupported_media_type', `the file is not an Excel workbook (.xlsx): ${e instanceof Error ? e.message : String(e)}`);
    }
    const sheet = book.worksheets[0];
    sheet?.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const cells: string[] = [];
      row.eachCell({ includeEmpty: true }, (cell, col) => {
        const v = cell.value;
        let text: string;
        if (v === null || v === undefined) text = '';
        else if (v instanceof Date) text = v.toISOString();
        else if (typeof v === 'object' && 'formula' in v) {
          errors.push({ row: rowNumber, field: `column ${col}`, message: 'a formula: Ordo imports values only (copy the cells and paste them as values)' });
          text = '';
        } else if (typeof v === 'object' && 'richText' in v) text = v.richText.map((t) => t.text).join('');
        else if (typeof v === 'object' && 'text' in v) text = String(v.text);
        else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') text = String(v);
        else text = cell.text;
        cells[col - 1] = text.trim();
      });
      table.push({ row: rowNumber, cells: Array.from(cells, (c) => c ?? '') });
    });
  }
  const [header, ...data] = table;
  if (!header) throw new AppError('validation_failed', 'the file is empty: the first row names the columns (docs/connectors.md)', { errors: [{ path: '/body', message: 'no header row' }] });
  const names = header.cells.map((c) => byName.get(normalise(c)));
  header.cells.forEach((c, i) => {
    if (c !== '' && names[i] === undefined) errors.push({ row: header.row, field: c, message: `unknown column; the columns are ${columns.join(', ')}` });
  });
  for (const col of required) if (!names.includes(col)) errors.push({ row: header.row, field: col, message: 'this column is missing' });
  if (data.length > MAX_ROWS) throw new AppError('payload_too_large', `${data.length} rows; import at most ${MAX_ROWS} per file`);
  return data.map((d) => {
    const values: Partial<Record<Column, string>> = {};
    d.cells.forEach((cell, i) => {
      const name = names[i];
      if (name && cell !== '') values[name] = cell;
    });
    return { row: d.row, values };
  });
}

interface PlannedOrder { orderRef: string; rows: number[]; capture: CaptureOrder | null }

/** Groups rows into capture requests, reporting every bad cell. */
export function planOrders(rows: readonly Row[], channel: { code: string; currency: string }, errors: RowError[]): PlannedOrder[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const ref = r.values.orderRef;
    if (!ref) { errors.push({ row: r.row, field: 'orderRef', message: 'is empty: every row names its order' }); continue; }
    groups.set(ref, [...(groups.get(ref) ?? []), r]);
  }
  const planned: PlannedOrder[] = [];
  for (const [orderRef, group] of groups) {
    const before = errors.length;
    const first = group[0] as Row;
    // Order-level cells: the first row that gives one sets it; another row giving a different value is a mistake.
    const order: Partial<Record<Column, string>> = {};
    const orderRow: Partial<Record<Column, number>> = {};
    for (const r of group) {
      for (const [col, value] of Object.entries(r.values) as [Column, string][]) {
        if (lineColumns.has(col)) continue;
        if (order[col] === undefined) { order[col] = value; orderRow[col] = r.row; } else if (order[col] !== value) {
          errors.push({ row: r.row, field: col, message: `"${value}" differs from row ${orderRow[col]} ("${order[col]}") of the same order` });
        }
      }
    }
    const at = (col: Column) => orderRow[col] ?? first.row;
    const currency = order.currency ?? channel.currency;
    if (!/^[A-Z]{3}$/.test(currency)) errors.push({ row: at('currency'), field: 'currency', message: `"${currency}" is not an ISO 4217 code` });
    const digits = /^[A-Z]{3}$/.test(currency) ? minorDigits(currency) : 2;
    const money = (value: string | undefined, row: number, field: Column): number | undefined => {
      if (value === undefined) return undefined;
      const m = decimalToMinor(value, currency);
      if (m === null || m < 0) { errors.push({ row, field, message: `"${value}" is not an amount in ${currency} (a decimal like 129.90)` }); return 0; }
      return m;
    };
    const lines = group.map((r) => {
      const qty = r.values.quantity;
      if (!r.values.sku) errors.push({ row: r.row, field: 'sku', message: 'is empty' });
      if (!qty || !/^[1-9][0-9]{0,6}$/.test(qty)) errors.push({ row: r.row, field: 'quantity', message: `"${qty ?? ''}" is not a whole number of units from 1` });
      if (r.values.unitPrice === undefined) errors.push({ row: r.row, field: 'unitPrice', message: 'is empty' });
      const discount = money(r.values.lineDiscount, r.row, 'lineDiscount');
      const tax = money(r.values.lineTax, r.row, 'lineTax');
      return {
        sku: r.values.sku ?? '', quantity: Number(qty ?? 0), unitPriceMinor: money(r.values.unitPrice, r.row, 'unitPrice') ?? 0,
        ...(discount !== undefined ? { discountMinor: discount } : {}), ...(tax !== undefined ? { taxMinor: tax } : {}),
      };
    });
    const shippingMinor = money(order.shipping, at('shipping'), 'shipping') ?? 0;
    const shippingTaxMinor = money(order.shippingTax, at('shippingTax'), 'shippingTax') ?? 0;
    const orderDiscountMinor = money(order.orderDiscount, at('orderDiscount'), 'orderDiscount') ?? 0;
    const subtotalMinor = lines.reduce((a, l) => a + l.unitPriceMinor * l.quantity, 0);
    const discountMinor = lines.reduce((a, l) => a + (l.discountMinor ?? 0), 0) + orderDiscountMinor;
    const taxMinor = lines.reduce((a, l) => a + (l.taxMinor ?? 0), 0) + shippingTaxMinor;
    const expected = subtotalMinor - discountMinor + shippingMinor + taxMinor;
    const given = money(order.total, at('total'), 'total');
    const show = (m: number) => (m / 10 ** digits).toFixed(digits);
    if (given !== undefined && given !== expected && errors.length === before) {
      errors.push({ row: at('total'), field: 'total', message: `expected ${show(expected)} from the lines and charges, got ${show(given)}` });
    }
    const ship = order.shipLine1 !== undefined || order.shipCity !== undefined || order.shipCountry !== undefined;
    const capture = {
      channel: channel.code, externalRef: orderRef, currency,
      ...(order.placedAt ? { placedAt: isoDate(order.placedAt) } : {}),
      customer: {
        name: order.customerName ?? '',
        ...(order.customerEmail ? { email: order.customerEmail } : {}), ...(order.customerPhone ? { phone: order.customerPhone } : {}),
        ...(order.customerType ? { type: order.customerType } : {}), ...(order.company ? { company: order.company } : {}), ...(order.vatId ? { vatId: order.vatId } : {}),
      },
      ...(ship ? {
        shippingAddress: {
          name: order.shipName ?? order.customerName ?? '', company: order.shipCompany ?? order.company ?? null, line1: order.shipLine1 ?? '',
          line2: order.shipLine2 ?? null, city: order.shipCity ?? '', state: order.shipState ?? null, postalCode: order.shipPostalCode ?? '',
          country: order.shipCountry ?? '', phone: order.shipPhone ?? order.customerPhone ?? null,
        },
      } : {}),
      ...(order.deliveryMethod ? { deliveryMethod: order.deliveryMethod } : {}),
      ...(order.pickupLocation ? { pickupLocation: order.pickupLocation } : {}),
      lines,
      ...(orderDiscountMinor ? { orderDiscountMinor } : {}), ...(shippingMinor ? { shippingMinor } : {}), ...(shippingTaxMinor ? { shippingTaxMinor } : {}),
      totals: { subtotalMinor, discountMinor, shippingMinor, taxMinor, totalMinor: given ?? expected },
      ...(order.paymentMethod ? { payment: { method: order.paymentMethod, authorizedMinor: money(order.paid, at('paid'), 'paid') ?? 0 } } : {}),
      ...(order.remark ? { buyerRemark: order.remark } : {}),
      ...(order.purchaseOrderNumber ? { purchaseOrderNumber: order.purchaseOrderNumber } : {}),
      ...(order.enteredBy ? { enteredBy: order.enteredBy } : {}),
    };
    if (errors.length === before) {
      for (const p of captureProblems(capture, '')) errors.push(rowErrorOf(p.path, p.message, group, at));
    }
    planned.push({ orderRef, rows: group.map((r) => r.row), capture: errors.length === before ? capture as CaptureOrder : null });
  }
  return planned;
}

/** "2026-12-01 09:30" and "2026-12-01" (read as UTC) as well as ISO timestamps. */
function isoDate(text: string): string {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

const fieldOfPath: Record<string, Column> = {
  '/customer/name': 'customerName', '/customer/email': 'customerEmail', '/customer/phone': 'customerPhone', '/customer/type': 'customerType',
  '/customer/company': 'company', '/customer/vatId': 'vatId', '/shippingAddress/name': 'shipName', '/shippingAddress/line1': 'shipLine1',
  '/shippingAddress/city': 'shipCity', '/shippingAddress/country': 'shipCountry', '/shippingAddress/postalCode': 'shipPostalCode',
  '/shippingAddress/phone': 'shipPhone', '/shippingAddress/state': 'shipState', '/shippingAddress/line2': 'shipLine2',
  '/shippingAddress/company': 'shipCompany', '/deliveryMethod': 'deliveryMethod', '/pickupLocation': 'pickupLocation', '/placedAt': 'placedAt',
  '/externalRef': 'orderRef', '/currency': 'currency', '/payment/method': 'paymentMethod', '/buyerRemark': 'remark',
  '/purchaseOrderNumber': 'purchaseOrderNumber', '/enteredBy': 'enteredBy',
};
const lineFields: Record<string, Column> = { sku: 'sku', quantity: 'quantity', unitPriceMinor: 'unitPrice', discountMinor: 'lineDiscount', taxMinor: 'lineTax' };

/** A capture request's field error (`/lines/2/sku`, `/customer/email`, `/body/totals/totalMinor`) on its row and column. */
function rowErrorOf(path: string, message: string, group: readonly Row[], at: (col: Column) => number): RowError {
  const p = path.replace(/^\/body/, '');
  const line = /^\/lines\/(\d+)(?:\/(\w+))?/.exec(p);
  if (line) {
    const r = group[Number(line[1])] ?? group[0];
    return { row: r?.row ?? 0, field: lineFields[line[2] ?? ''] ?? 'sku', message };
  }
  const col = fieldOfPath[p];
  if (col) return { row: at(col), field: col, message };
  if (p.startsWith('/totals') || p === '/orderDiscountMinor') return { row: at('total'), field: 'total', message };
  if (p === '/customer') return { row: at('customerEmail'), field: 'customerEmail', message: `${message} (give customerEmail or customerPhone)` };
  return { row: group[0]?.row ?? 0, field: p.slice(1) || 'row', message };
}

export interface ImportInput {
  channel: { id: string; code: string; currency: string };
  file: Buffer;
  format: 'csv' | 'xlsx';
  keepGood: boolean;
}

export async function importOrders(deps: { db: Db; run: RunCommand }, request: FastifyRequest, reply: FastifyReply, input: ImportInput): Promise<ImportReport> {
  const errors: RowError[] = [];
  const rows = await readRows(input.file, input.format, errors);
  const planned = planOrders(rows, input.channel, errors);
  const topic = `import.${input.format}`;
  try {
    const report = await deps.run(request, reply, async (trx, ctx) => {
      // Every attempt starts from the checks' findings: what capture refused on an earlier attempt is found again.
      const found = [...errors];
      const orders: ImportReport['orders'] = [];
      const rowsOf = new Map(planned.map((o) => [o.orderRef, o.rows]));
      for (const o of planned) {
        if (!o.capture || (found.length > 0 && !input.keepGood)) {
          orders.push({ orderRef: o.orderRef, rows: o.rows, result: 'rejected' });
          continue;
        }
        await sql`SAVEPOINT import_order`.execute(trx);
        try {
          const result = await captureOrder(trx, o.capture, ctx);
          await sql`RELEASE SAVEPOINT import_order`.execute(trx);
          orders.push({ orderRef: o.orderRef, rows: o.rows, result: result.created ? 'created' : 'duplicate', orderId: result.value.id, number: result.value.number });
        } catch (e) {
          await sql`ROLLBACK TO SAVEPOINT import_order`.execute(trx);
          if (isRetryable(e) || !(e instanceof AppError)) throw e;
          found.push(...captureRefusal(e, o.capture, rowsOf.get(o.orderRef) ?? []));
          orders.push({ orderRef: o.orderRef, rows: o.rows, result: 'rejected' });
        }
      }
      const count = (r: string) => orders.filter((x) => x.result === r).length;
      const value: ImportReport = { imported: count('created'), duplicates: count('duplicate'), rejected: count('rejected'), orders, rows: found.sort((a, b) => a.row - b.row) };
      if (found.length > 0 && !input.keepGood) {
        throw new AppError('bulk_rejected', `${new Set(found.map((f) => f.row)).size} bad row(s); nothing was imported: ${found.slice(0, 3).map((f) => `row ${f.row} ${f.field}: ${f.message}`).join('; ')}`, {
          rows: value.rows, errors: value.rows.map((f) => ({ path: `/rows/${f.row}/${f.field}`, message: f.message })),
        });
      }
      return { created: value.imported > 0, value, audit: { action: 'order.imported', entityType: 'channel', entityId: input.channel.id, details: { format: input.format, imported: value.imported, rejected: value.rejected } } };
    }, { status: () => 200 });
    await writeLog(deps.db, [{ channelId: input.channel.id, direction: 'inbound', topic, outcome: report.rejected > 0 ? 'rejected' : 'ok', statusCode: 200, message: `${report.imported} imported, ${report.duplicates} already there, ${report.rejected} rejected` }]);
    return report;
  } catch (e) {
    if (e instanceof AppError) await writeLog(deps.db, [{ channelId: input.channel.id, direction: 'inbound', topic, outcome: 'rejected', statusCode: 422, message: e.detail }]);
    throw e;
  }
}

/** Capture's refusal of one order (an unknown SKU, not enough stock, a customer without contact) on its rows. */
function captureRefusal(e: AppError, capture: CaptureOrder, rows: readonly number[]): RowError[] {
  const lineRow = (i: number) => rows[i] ?? rows[0] ?? 0;
  const missing = Array.isArray(e.extra.missing) ? e.extra.missing as { kind: string; ref: string }[] : [];
  const skus = missing.filter((m) => m.kind === 'sku').map((m) => m.ref);
  if (skus.length > 0) {
    return capture.lines.flatMap((l, i) => (skus.includes(l.sku) ? [{ row: lineRow(i), field: 'sku', message: `unknown SKU "${l.sku}"` }] : []));
  }
  if (e.code === 'insufficient_stock') return capture.lines.map((l, i) => ({ row: lineRow(i), field: 'quantity', message: `${l.quantity} of ${l.sku}: ${e.detail}` })).slice(0, 1);
  if (e.extra.errors && e.extra.errors.length > 0) {
    return e.extra.errors.map((f) => rowErrorOf(f.path, f.message, rows.map((row) => ({ row, values: {} })), () => rows[0] ?? 0));
  }
  return [{ row: rows[0] ?? 0, field: 'orderRef', message: `${e.code}: ${e.detail}` }];
}

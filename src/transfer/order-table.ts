/**
 * Orders as a table: one row per order line, the order's own columns repeated on each of its lines (or left empty
 * after the first: the first row of an order gives them). Consecutive rows with the same channel and externalRef are
 * one order. Imported orders are history (see src/order/import-history.ts): only completed and cancelled ones; open
 * orders are captured through POST /v1/orders, which reserves their stock.
 */
import { sql } from 'kysely';
import { historicalStatuses, importHistoricalOrders, type HistoricalOrder } from '../order/index.js';
import type { Address } from '../db/json-types.js';
import { isCurrency } from '../shared/money.js';
import type { Db } from '../db/database.js';
import { EXPORT_PAGE } from './keyset.js';
import type { Cell } from './write-table.js';
import { Cells, type RowProblem, type TableEntity } from './table-entity.js';

const orderColumns = ['channel', 'externalRef', 'number', 'status', 'placedAt', 'currency', 'customerName', 'customerEmail',
  'customerPhone', 'shipName', 'shipCompany', 'shipLine1', 'shipLine2', 'shipCity', 'shipState', 'shipPostalCode',
  'shipCountry', 'shipPhone', 'paymentMethod', 'buyerRemark', 'shippingMinor', 'shippingTaxMinor',
  'unallocatedDiscountMinor', 'totalMinor'] as const;
const lineColumns = ['sku', 'quantity', 'cancelled', 'unitPriceMinor', 'discountMinor', 'orderDiscountMinor', 'taxMinor'] as const;

interface OrderRow {
  key: string;
  row: number;
  order: Omit<HistoricalOrder, 'lines'> | null;
  line: HistoricalOrder['lines'][number];
}

const money = (c: Cells, column: string) => {
  const v = c.int(column);
  if (v !== undefined && v < 0) c.problem(column, `${v} is negative: money is 0 or more (in minor units)`);
  return v ?? 0;
};

function parseOrder(c: Cells): Omit<HistoricalOrder, 'lines'> | null {
  const status = c.text('status')?.trim();
  if (status === undefined) {
    c.problem('status', `required on an order's first row: ${historicalStatuses.join(' or ')}`);
  } else if (!(historicalStatuses as readonly string[]).includes(status)) {
    c.problem('status', `"${status}": only closed orders (${historicalStatuses.join(', ')}) import as history; capture open orders with POST /v1/orders`);
  }
  const placedAt = c.timestamp('placedAt');
  if (placedAt === undefined && c.text('placedAt') === undefined) c.problem('placedAt', 'required on an order\'s first row: when the order was placed, e.g. 2025-11-11T10:00:00+08:00');
  const currency = c.text('currency')?.trim();
  if (currency === undefined) c.problem('currency', 'required on an order\'s first row: an ISO 4217 code, e.g. CNY');
  else if (!isCurrency(currency)) c.problem('currency', `"${currency}" is not an ISO 4217 currency code`);
  const name = c.text('customerName');
  if (name === undefined) c.problem('customerName', 'required on an order\'s first row');
  else if (name.length > 300) c.problem('customerName', 'at most 300 characters');
  const email = c.text('customerEmail')?.trim().toLowerCase();
  const phone = c.text('customerPhone')?.trim();
  if (email === undefined && phone === undefined) c.problem('customerEmail', 'give the customer\'s email or phone (customerPhone)');
  if (email !== undefined && (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)) c.problem('customerEmail', `"${email}" is not an e-mail address`);
  if (phone !== undefined && !/^\+?[0-9 ()/.-]{5,30}$/.test(phone)) c.problem('customerPhone', `"${phone}" is not a phone number: digits, optionally after a +`);
  const line1 = c.text('shipLine1');
  let shippingAddress: Address | undefined;
  if (line1 !== undefined) {
    const country = c.text('shipCountry')?.trim();
    if (!country || !/^[A-Z]{2}$/.test(country)) c.problem('shipCountry', 'an ISO 3166-1 alpha-2 code, e.g. CN, with an address');
    shippingAddress = {
      name: c.text('shipName') ?? name ?? '', line1, city: c.text('shipCity') ?? '', postalCode: c.text('shipPostalCode') ?? '', country: country ?? '',
      ...(c.text('shipCompany') !== undefined && { company: c.text('shipCompany') }), ...(c.text('shipLine2') !== undefined && { line2: c.text('shipLine2') }),
      ...(c.text('shipState') !== undefined && { state: c.text('shipState') }), ...(c.text('shipPhone') !== undefined && { phone: c.text('shipPhone') }),
    };
  }
  const number = c.text('number')?.trim();
  if (number !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/.test(number)) c.problem('number', `"${number}" is not an order number: letters, digits . _ / - up to 64`);
  const totalMinor = c.int('totalMinor');
  return {
    channel: c.text('channel')?.trim() ?? '', externalRef: c.text('externalRef')?.trim() ?? '', ...(number !== undefined && { number }),
    status: (status ?? 'completed') as HistoricalOrder['status'], placedAt: placedAt ?? '', currency: currency ?? '',
    customer: { name: name ?? '', ...(email !== undefined && { email }), ...(phone !== undefined && { phone }) },
    ...(shippingAddress && { shippingAddress }),
    ...(c.text('paymentMethod') !== undefined && { paymentMethod: c.text('paymentMethod') }),
    ...(c.text('buyerRemark') !== undefined && { buyerRemark: c.text('buyerRemark') }),
    shippingMinor: money(c, 'shippingMinor'), shippingTaxMinor: money(c, 'shippingTaxMinor'), unallocatedDiscountMinor: money(c, 'unallocatedDiscountMinor'),
    ...(totalMinor !== undefined && { totalMinor }),
  };
}

export const orderTable: TableEntity<OrderRow, HistoricalOrder> = {
  name: 'orders',
  columns: [...orderColumns, ...lineColumns],
  required: ['channel', 'externalRef', 'sku', 'quantity', 'unitPriceMinor'],
  chunkSize: 500,
  parse(values, row) {
    const c = new Cells(values, row);
    const channel = c.text('channel')?.trim();
    const externalRef = c.text('externalRef')?.trim();
    if (channel === undefined) c.problem('channel', 'required: the channel\'s code');
    if (externalRef === undefined) c.problem('externalRef', 'required: the order\'s reference in the other system');
    else if (externalRef.length > 128) c.problem('externalRef', 'at most 128 characters');
    // The order's columns count only on its first row; later rows may repeat them or leave them empty.
    const hasOrder = orderColumns.some((k) => k !== 'channel' && k !== 'externalRef' && c.text(k) !== undefined);
    const order = hasOrder ? parseOrder(c) : null;
    const sku = c.text('sku')?.trim();
    if (sku === undefined) c.problem('sku', 'required: the SKU\'s code');
    const quantity = c.int('quantity');
    if (quantity === undefined && !c.problems.some((p) => p.column === 'quantity')) c.problem('quantity', 'required: the units ordered');
    else if (quantity !== undefined && (quantity < 1 || quantity > 1_000_000)) c.problem('quantity', `${quantity} is not between 1 and 1,000,000`);
    const unitPriceMinor = c.int('unitPriceMinor');
    if (unitPriceMinor === undefined && !c.problems.some((p) => p.column === 'unitPriceMinor')) c.problem('unitPriceMinor', 'required: the price of one unit in minor units (12.00 is 1200)');
    const cancelled = money(c, 'cancelled');
    const line = {
      sku: sku ?? '', quantity: quantity ?? 0, cancelled, unitPriceMinor: Math.max(0, unitPriceMinor ?? 0),
      discountMinor: money(c, 'discountMinor'), orderDiscountMinor: money(c, 'orderDiscountMinor'), taxMinor: money(c, 'taxMinor'),
    };
    if ((unitPriceMinor ?? 0) < 0) c.problem('unitPriceMinor', 'money is 0 or more');
    return c.problems.length > 0 ? c.problems : { key: `${channel}\u0000${externalRef}`, row, order, line };
  },
  key: (r) => r.key,
  assemble(rows) {
    const first = rows[0] as { row: number; value: OrderRow };
    if (!first.value.order) {
      return [{ row: first.row, column: 'status', message: 'the first row of an order gives its status, placedAt, currency and customer' }];
    }
    return { ...first.value.order, lines: rows.map((r) => r.value.line) };
  },
  async write(trx, units, ctx) {
    const result = await importHistoricalOrders(trx, units.map((u) => u.value), ctx.actor);
    const problems: RowProblem[] = result.problems.map((p) => {
      const unit = units[p.index];
      return { row: (p.line !== undefined ? unit?.rows[p.line] : unit?.rows[0]) ?? 0, column: p.field, message: p.message };
    });
    return { created: result.created, updated: 0, unchanged: result.existing, problems };
  },
  async *exportRows(db) {
    // Orders in the order they were made (ids are UUIDv7), a page of orders with their lines at a time. The next page
    // is asked for before this one is written, so PostgreSQL reads it while these rows go out.
    let page = await exportPage(db, undefined);
    for (;;) {
      const next = page.full ? exportPage(db, page.lastId) : undefined;
      // Awaited below; this only keeps an export abandoned midway (the client went away) from an unhandled rejection.
      next?.catch(() => undefined);
      yield* page.rows;
      if (!next) return;
      page = await next;
    }
  },
};

/** A whole order's lines are always in one page: a page is EXPORT_PAGE orders, 1–4 rows each in practice. */
interface ExportPage { rows: Cell[][]; lastId: string | undefined; full: boolean }

/**
 * One page of the export: EXPORT_PAGE orders after `after` and their lines, each value as its column is written (the
 * time as ISO 8601 in UTC, the address's fields as columns), so that no JSON or Date is made per row. An order
 * without lines gives no row, as before.
 */
async function exportPage(db: Db, after: string | undefined): Promise<ExportPage> {
  // Two queries, as PostgreSQL runs them cheapest: the page's orders down the primary key, then their lines by the
  // line index. One query with a lateral join cost PostgreSQL about three times the CPU per row.
  const orders = (await sql<ExportedOrder>`
    SELECT o.id, c.code AS channel, o.external_ref, o.number, o.status,
           to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS placed_at, o.currency,
           cu.name AS customer_name, cu.email, cu.phone,
           o.shipping_address->>'name' AS ship_name, o.shipping_address->>'company' AS ship_company,
           o.shipping_address->>'line1' AS ship_line1, o.shipping_address->>'line2' AS ship_line2,
           o.shipping_address->>'city' AS ship_city, o.shipping_address->>'state' AS ship_state,
           o.shipping_address->>'postalCode' AS ship_postal_code, o.shipping_address->>'country' AS ship_country,
           o.shipping_address->>'phone' AS ship_phone, o.payment_method, o.buyer_remark, o.shipping_minor,
           o.shipping_tax_minor, o.unallocated_discount_minor, o.total_minor
    FROM orders o JOIN channels c ON c.id = o.channel_id JOIN customers cu ON cu.id = o.customer_id
    ${after ? sql`WHERE o.id > ${after}::uuid` : sql``}
    ORDER BY o.id LIMIT ${EXPORT_PAGE}`.execute(db)).rows;
  const lines = orders.length === 0 ? [] : (await sql<ExportedLine>`
    SELECT l.order_id, s.code AS sku, l.quantity, l.cancelled, l.unit_price_minor, l.discount_minor, l.order_discount_minor, l.tax_minor
    FROM order_lines l JOIN skus s ON s.id = l.sku_id WHERE l.order_id = ANY(${orders.map((o) => o.id)}::uuid[])
    ORDER BY l.order_id, l.line_no`.execute(db)).rows;
  // Both come sorted by order id: walk them side by side.
  const cells: Cell[][] = [];
  let j = 0;
  for (const o of orders) {
    while (j < lines.length && (lines[j] as ExportedLine).order_id < o.id) j += 1;
    for (; j < lines.length && (lines[j] as ExportedLine).order_id === o.id; j += 1) {
      const l = lines[j] as ExportedLine;
      cells.push([o.channel, o.external_ref, o.number, o.status, o.placed_at, o.currency, o.customer_name, o.email, o.phone,
        o.ship_name, o.ship_company, o.ship_line1, o.ship_line2, o.ship_city, o.ship_state, o.ship_postal_code, o.ship_country,
        o.ship_phone, o.payment_method, o.buyer_remark, o.shipping_minor, o.shipping_tax_minor, o.unallocated_discount_minor,
        o.total_minor, l.sku, l.quantity, l.cancelled, l.unit_price_minor, l.discount_minor, l.order_discount_minor, l.tax_minor]);
    }
  }
  return { rows: cells, lastId: orders[orders.length - 1]?.id, full: orders.length === EXPORT_PAGE };
}

interface ExportedOrder {
  id: string; channel: string; external_ref: string; number: string; status: string; placed_at: string; currency: string;
  customer_name: string; email: string | null; phone: string | null; ship_name: string | null; ship_company: string | null;
  ship_line1: string | null; ship_line2: string | null; ship_city: string | null; ship_state: string | null;
  ship_postal_code: string | null; ship_country: string | null; ship_phone: string | null; payment_method: string | null;
  buyer_remark: string | null; shipping_minor: number; shipping_tax_minor: number; unallocated_discount_minor: number;
  total_minor: number;
}

interface ExportedLine {
  order_id: string; sku: string; quantity: number; cancelled: number; unit_price_minor: number; discount_minor: number;
  order_discount_minor: number; tax_minor: number;
}

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
import { keysetPages } from './keyset.js';
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
    // Orders in the order they were made (ids are UUIDv7), a page of orders and then their lines, like a report.
    const orders = keysetPages((after: string | undefined, limit) => sql<ExportedOrder>`
      SELECT o.id, c.code AS channel, o.external_ref, o.number, o.status, o.placed_at, o.currency, cu.name AS customer_name,
             cu.email, cu.phone, o.shipping_address, o.payment_method, o.buyer_remark, o.shipping_minor, o.shipping_tax_minor,
             o.unallocated_discount_minor, o.total_minor
      FROM orders o JOIN channels c ON c.id = o.channel_id JOIN customers cu ON cu.id = o.customer_id
      ${after ? sql`WHERE o.id > ${after}::uuid` : sql``}
      ORDER BY o.id LIMIT ${limit}`.execute(db).then((r) => r.rows), (r) => r.id);
    let page: ExportedOrder[] = [];
    for await (const o of orders) {
      page.push(o);
      if (page.length >= EXPORT_ORDERS_PER_BATCH) {
        yield* orderRows(db, page);
        page = [];
      }
    }
    if (page.length > 0) yield* orderRows(db, page);
  },
};

const EXPORT_ORDERS_PER_BATCH = 1000;

interface ExportedOrder {
  id: string; channel: string; external_ref: string; number: string; status: string; placed_at: Date; currency: string;
  customer_name: string; email: string | null; phone: string | null; shipping_address: Address | null; payment_method: string | null;
  buyer_remark: string | null; shipping_minor: number; shipping_tax_minor: number; unallocated_discount_minor: number; total_minor: number;
}

interface ExportedLine {
  order_id: string; sku: string; quantity: number; cancelled: number; unit_price_minor: number; discount_minor: number;
  order_discount_minor: number; tax_minor: number;
}

/** The rows of a batch of orders: one per line, the order's columns repeated. */
async function* orderRows(db: Db, batch: readonly ExportedOrder[]): AsyncGenerator<Cell[]> {
  const lines = await sql<ExportedLine>`
    SELECT l.order_id, s.code AS sku, l.quantity, l.cancelled, l.unit_price_minor, l.discount_minor, l.order_discount_minor, l.tax_minor
    FROM order_lines l JOIN skus s ON s.id = l.sku_id WHERE l.order_id = ANY(${batch.map((o) => o.id)}::uuid[]) ORDER BY l.order_id, l.line_no`.execute(db);
  const byOrder = new Map<string, ExportedLine[]>();
  for (const l of lines.rows) {
    const list = byOrder.get(l.order_id);
    if (list) list.push(l);
    else byOrder.set(l.order_id, [l]);
  }
  for (const o of batch) {
    const a = o.shipping_address;
    const orderCells: Cell[] = [o.channel, o.external_ref, o.number, o.status, o.placed_at.toISOString(), o.currency, o.customer_name, o.email, o.phone,
      a?.name ?? null, a?.company ?? null, a?.line1 ?? null, a?.line2 ?? null, a?.city ?? null, a?.state ?? null, a?.postalCode ?? null,
      a?.country ?? null, a?.phone ?? null, o.payment_method, o.buyer_remark, o.shipping_minor, o.shipping_tax_minor,
      o.unallocated_discount_minor, o.total_minor];
    for (const l of byOrder.get(o.id) ?? []) {
      yield [...orderCells, l.sku, l.quantity, l.cancelled, l.unit_price_minor, l.discount_minor, l.order_discount_minor, l.tax_minor];
    }
  }
}

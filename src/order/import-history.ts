/**
 * Historical orders from another system, imported as closed orders (completed or cancelled) for reports, customer
 * history and returns: they reserve nothing, move no stock and publish no event — they happened elsewhere, and
 * nobody downstream must act on them again. Each gets one timeline row saying where it came from.
 *
 * Written with set-based SQL (a handful of statements per batch of orders, whatever its size) rather than through
 * capture: capture decides stock, review rules and events, none of which applies to history, and a migration of a
 * million orders must run at thousands per second. The rows satisfy every invariant `ordo check` verifies: no
 * reservation and nothing allocated, totals that add up to the lines, shipped units on completed lines (so they can be
 * returned), no payment row (no authorisation is stored).
 *
 * An order already present (same channel and external reference) is left as it is and counted as existing, so that a
 * file can be imported again, or resumed, without writing anything twice.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import type { Address } from '../db/json-types.js';
import { normaliseEmail, normalisePhone } from '../customer/index.js';
import { newId } from '../shared/ids.js';
import { randomBytes } from 'node:crypto';
import { itemsSignature } from './order-state.js';
import { orderSearchText } from './search-text.js';

export const historicalStatuses = ['completed', 'cancelled'] as const;
export type HistoricalStatus = (typeof historicalStatuses)[number];

export interface HistoricalLine {
  sku: string;
  quantity: number;
  /** Units cancelled before the order closed (all of them on a cancelled order). */
  cancelled: number;
  unitPriceMinor: number;
  discountMinor: number;
  orderDiscountMinor: number;
  taxMinor: number;
}

export interface HistoricalOrder {
  channel: string;
  externalRef: string;
  /** The order number to keep (an export's); by default the channel's prefix and the next number. */
  number?: string;
  status: HistoricalStatus;
  placedAt: string;
  currency: string;
  customer: { name: string; email?: string; phone?: string };
  shippingAddress?: Address;
  paymentMethod?: string;
  buyerRemark?: string;
  shippingMinor: number;
  shippingTaxMinor: number;
  unallocatedDiscountMinor: number;
  /** The total the other system shows; refused when the lines do not add up to it. */
  totalMinor?: number;
  lines: HistoricalLine[];
}

/** Where a problem is: the order's index in the batch, its line (0-based) or undefined for the order, and the field. */
export interface HistoryProblem {
  index: number;
  line?: number;
  field: string;
  message: string;
}

export interface HistoryResult {
  created: number;
  existing: number;
  problems: HistoryProblem[];
}

/** An order's money as its columns hold it: cancelled orders owe nothing, as after a cancellation in Ordo. */
export function historicalTotals(o: HistoricalOrder) {
  const closedAsCancelled = o.status === 'cancelled';
  const lines = o.lines.map((l) => {
    const active = closedAsCancelled ? 0 : l.quantity - l.cancelled;
    const zero = closedAsCancelled;
    return {
      ...l,
      cancelled: closedAsCancelled ? l.quantity : l.cancelled,
      shipped: active,
      discountMinor: zero ? 0 : l.discountMinor,
      orderDiscountMinor: zero ? 0 : l.orderDiscountMinor,
      taxMinor: zero ? 0 : l.taxMinor,
      active,
    };
  });
  const shipping = closedAsCancelled ? 0 : o.shippingMinor;
  const shippingTax = closedAsCancelled ? 0 : o.shippingTaxMinor;
  const unallocated = closedAsCancelled ? 0 : o.unallocatedDiscountMinor;
  const subtotal = lines.reduce((a, l) => a + l.unitPriceMinor * l.active, 0);
  const discount = lines.reduce((a, l) => a + l.discountMinor + l.orderDiscountMinor, 0) + unallocated;
  const tax = lines.reduce((a, l) => a + l.taxMinor, 0) + shippingTax;
  return { lines, subtotal, discount, tax, shipping, shippingTax, unallocated, total: subtotal - discount + shipping + tax };
}

/** What is wrong with an order before anything is looked up (pure). */
export function checkHistoricalOrder(o: HistoricalOrder, index: number): HistoryProblem[] {
  const problems: HistoryProblem[] = [];
  const t = historicalTotals(o);
  o.lines.forEach((l, line) => {
    if (l.cancelled > l.quantity) problems.push({ index, line, field: 'cancelled', message: `${l.cancelled} cancelled of ${l.quantity} ordered: at most the quantity` });
    if (l.discountMinor > l.unitPriceMinor * l.quantity) problems.push({ index, line, field: 'discountMinor', message: `a discount of ${l.discountMinor} is more than the line is worth (${l.unitPriceMinor * l.quantity})` });
  });
  if (o.status === 'completed' && t.lines.every((l) => l.active === 0)) {
    problems.push({ index, field: 'status', message: 'a completed order shipped at least one unit: every unit is cancelled, so import it as cancelled' });
  }
  if (t.total < 0) problems.push({ index, field: 'totalMinor', message: `the discounts (${t.discount}) are more than the order is worth` });
  if (o.totalMinor !== undefined && o.totalMinor !== t.total && o.status !== 'cancelled') {
    problems.push({ index, field: 'totalMinor', message: `expected ${t.total} (subtotal ${t.subtotal} − discount ${t.discount} + shipping ${t.shipping} + tax ${t.tax}) but the file says ${o.totalMinor}` });
  }
  return problems;
}

/**
 * Writes the orders of a batch that are new (see the file comment). Every problem of the batch is found before
 * anything is written; if there is one, nothing is written and the problems are returned.
 */
export async function importHistoricalOrders(trx: Trx, orders: readonly HistoricalOrder[], actor: string): Promise<HistoryResult> {
  const problems = orders.flatMap((o, i) => checkHistoricalOrder(o, i));

  const channels = new Map((await sql<{ id: string; code: string; prefix: string }>`
    SELECT id, code, order_number_prefix AS prefix FROM channels WHERE code = ANY(${[...new Set(orders.map((o) => o.channel))]}::text[])
  `.execute(trx)).rows.map((c) => [c.code, c]));
  const skus = new Map((await sql<{ id: string; code: string }>`
    SELECT id, code FROM skus WHERE code = ANY(${[...new Set(orders.flatMap((o) => o.lines.map((l) => l.sku)))]}::text[])
  `.execute(trx)).rows.map((s) => [s.code, s.id]));
  orders.forEach((o, index) => {
    if (!channels.has(o.channel)) problems.push({ index, field: 'channel', message: `unknown channel "${o.channel}": create it first (POST /v1/channels), or check the code` });
    o.lines.forEach((l, line) => {
      if (!skus.has(l.sku)) problems.push({ index, line, field: 'sku', message: `unknown SKU "${l.sku}": import the SKUs first, or check the code` });
    });
  });

  // An order number belongs to one order: one the file gives must be free, or already this order's.
  const numbered = orders.flatMap((o, index) => (o.number ? [{ index, number: o.number, key: `${o.channel} ${o.externalRef}` }] : []));
  const seenNumbers = new Map<string, number>();
  for (const n of numbered) {
    const earlier = seenNumbers.get(n.number);
    if (earlier !== undefined) problems.push({ index: n.index, field: 'number', message: `order number ${n.number} is also the number of another order in this file` });
    else seenNumbers.set(n.number, n.index);
  }
  if (numbered.length > 0) {
    const taken = await sql<{ number: string; key: string }>`
      SELECT o.number, c.code || ' ' || o.external_ref AS key FROM orders o JOIN channels c ON c.id = o.channel_id
      WHERE o.number = ANY(${numbered.map((n) => n.number)}::text[])`.execute(trx);
    const owner = new Map(taken.rows.map((r) => [r.number, r.key]));
    for (const n of numbered) {
      const key = owner.get(n.number);
      if (key !== undefined && key !== n.key) problems.push({ index: n.index, field: 'number', message: `order number ${n.number} belongs to another order already: leave the number empty to get a new one` });
    }
  }
  if (problems.length > 0) return { created: 0, existing: 0, problems };

  const customerIds = await findOrCreateCustomers(trx, orders);
  const rows = orders.map((o) => {
    const channel = channels.get(o.channel) as { id: string; prefix: string };
    const t = historicalTotals(o);
    const email = normaliseEmail(o.customer.email) ?? null;
    const phone = normalisePhone(o.customer.phone, o.shippingAddress?.country) ?? null;
    return {
      id: newId(), number: o.number ?? null, prefix: channel.prefix, channel_id: channel.id, external_ref: o.externalRef,
      customer_id: customerIds.get(customerKey(email, phone)) as string, status: o.status, currency: o.currency,
      subtotal_minor: t.subtotal, discount_minor: t.discount, shipping_minor: t.shipping, tax_minor: t.tax, total_minor: t.total,
      shipping_tax_minor: t.shippingTax, unallocated_discount_minor: t.unallocated, payment_method: o.paymentMethod ?? null,
      shipping_address: o.shippingAddress ?? null, buyer_remark: o.buyerRemark ?? null,
      search_text: orderSearchText({ customer: { name: o.customer.name, email, phone }, shippingAddress: o.shippingAddress, externalRef: o.externalRef }),
      tracking_token: randomBytes(18).toString('base64url'),
      items_signature: itemsSignature(t.lines.filter((l) => l.active > 0).map((l) => ({ sku: l.sku, quantity: l.active }))),
      placed_at: o.placedAt,
      lines: t.lines.map((l, i) => ({
        id: newId(), line_no: i + 1, sku_id: skus.get(l.sku), quantity: l.quantity, shipped: l.shipped, cancelled: l.cancelled,
        unit_price_minor: l.unitPriceMinor, discount_minor: l.discountMinor, order_discount_minor: l.orderDiscountMinor, tax_minor: l.taxMinor,
      })),
    };
  });

  // One statement: the new orders (an existing channel + external reference is skipped), their lines and one
  // timeline row each. The payment trigger of migration 0018 writes nothing: no authorisation is stored.
  const result = await sql<{ id: string }>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows.map(({ lines: _lines, ...o }) => o))}::jsonb) AS x(
        id uuid, number text, prefix text, channel_id uuid, external_ref text, customer_id uuid, status text, currency text,
        subtotal_minor bigint, discount_minor bigint, shipping_minor bigint, tax_minor bigint, total_minor bigint,
        shipping_tax_minor bigint, unallocated_discount_minor bigint, payment_method text, shipping_address jsonb,
        buyer_remark text, search_text text, tracking_token text, items_signature text, placed_at timestamptz)
    ),
    fresh AS (
      SELECT i.* FROM input i
      WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.channel_id = i.channel_id AND o.external_ref = i.external_ref)
    ),
    inserted AS (
      INSERT INTO orders (id, number, channel_id, external_ref, customer_id, status, currency, subtotal_minor, discount_minor,
        shipping_minor, tax_minor, total_minor, shipping_tax_minor, unallocated_discount_minor, payment_method, delivery_method,
        shipping_address, buyer_remark, entered_by, search_text, tracking_token, items_signature, placed_at, created_at, updated_at)
      SELECT id, coalesce(number, prefix || nextval('order_number_seq')), channel_id, external_ref, customer_id, status, currency,
        subtotal_minor, discount_minor, shipping_minor, tax_minor, total_minor, shipping_tax_minor, unallocated_discount_minor,
        payment_method, 'ship', shipping_address, buyer_remark, 'import', search_text, tracking_token, items_signature, placed_at, now(), now()
      FROM fresh
      ON CONFLICT (channel_id, external_ref) DO NOTHING
      RETURNING id, status
    ),
    lines AS (
      INSERT INTO order_lines (id, order_id, line_no, sku_id, quantity, shipped, cancelled, unit_price_minor, discount_minor, order_discount_minor, tax_minor)
      SELECT l.id, l.order_id, l.line_no, l.sku_id, l.quantity, l.shipped, l.cancelled, l.unit_price_minor, l.discount_minor, l.order_discount_minor, l.tax_minor
      FROM jsonb_to_recordset(${JSON.stringify(rows.flatMap((o) => o.lines.map((l) => ({ ...l, order_id: o.id }))))}::jsonb) AS l(
        id uuid, order_id uuid, line_no int, sku_id uuid, quantity int, shipped int, cancelled int, unit_price_minor bigint,
        discount_minor bigint, order_discount_minor bigint, tax_minor bigint)
      WHERE l.order_id IN (SELECT id FROM inserted)
    ),
    timeline AS (
      INSERT INTO order_timeline (order_id, actor, type, to_status, message, details)
      SELECT id, ${actor}, 'imported', status, 'Imported from another system as ' || status || ' (history: no stock reserved or moved)', '{}'::jsonb
      FROM inserted
    )
    SELECT id FROM inserted
  `.execute(trx);
  const created = result.rows.length;
  return { created, existing: orders.length - created, problems: [] };
}

const customerKey = (email: string | null, phone: string | null) => (email ? `e:${email}` : `p:${phone ?? ''}`);

/**
 * The customer of each order, as capture finds one: by e-mail, else by phone for customers without e-mail; a new one
 * is created with the order's name. Existing customers are not changed.
 */
async function findOrCreateCustomers(trx: Trx, orders: readonly HistoricalOrder[]): Promise<Map<string, string>> {
  const wanted = new Map<string, { email: string | null; phone: string | null; name: string }>();
  for (const o of orders) {
    const email = normaliseEmail(o.customer.email) ?? null;
    const phone = normalisePhone(o.customer.phone, o.shippingAddress?.country) ?? null;
    const key = customerKey(email, phone);
    if (!wanted.has(key)) wanted.set(key, { email, phone, name: o.customer.name });
  }
  const list = [...wanted.values()];
  const emails = list.flatMap((c) => (c.email ? [c.email] : []));
  const phones = list.flatMap((c) => (c.email ? [] : c.phone ? [c.phone] : []));
  const find = async () => new Map((await sql<{ id: string; email: string | null; phone: string | null }>`
    SELECT id, email, phone FROM customers WHERE email = ANY(${emails}::text[])
    UNION ALL
    SELECT id, email, phone FROM customers WHERE email IS NULL AND phone = ANY(${phones}::text[])
  `.execute(trx)).rows.map((r) => [customerKey(r.email, r.phone), r.id]));
  const found = await find();
  const missing = [...wanted].filter(([key]) => !found.has(key)).map(([, c]) => ({ id: newId(), ...c }));
  if (missing.length === 0) return found;
  await sql`
    INSERT INTO customers (id, email, phone, name)
    SELECT id, email, phone, name FROM jsonb_to_recordset(${JSON.stringify(missing)}::jsonb) AS x(id uuid, email text, phone text, name text)
    ON CONFLICT DO NOTHING
  `.execute(trx);
  return find();
}

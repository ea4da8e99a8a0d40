/**
 * Shopify: order webhooks in (`orders/create`, `orders/updated`, `orders/cancelled`), fulfilments with tracking and
 * `inventory_levels/set`-shaped stock levels out (the Admin REST API).
 *
 * A webhook is Shopify's if `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body under the app's secret,
 * compared in constant time. Shopify amounts are decimal strings in the shop currency; with `taxes_included` the
 * prices already hold the tax, so no tax is added on top (Ordo's totals add tax to prices).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from 'typebox';
import { requireShape, type MappedOrder } from './mapped-order.js';

/** Whether `signature` (the header as sent) is the HMAC of `rawBody` under `secret`, in `encoding`. */
export function hmacMatches(rawBody: Buffer, secret: string, signature: string | undefined, encoding: 'base64' | 'hex' = 'base64'): boolean {
  if (typeof signature !== 'string' || signature.length === 0 || signature.length > 200) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(signature.trim(), encoding);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const shopifyTopics = ['orders-create', 'orders-updated', 'orders-cancelled'] as const;

const Money = Type.String({ pattern: '^-?[0-9]+(\\.[0-9]+)?$' });
const TaxLines = Type.Optional(Type.Array(Type.Object({ price: Money })));
const ShopifyAddress = Type.Union([Type.Null(), Type.Object({
  address1: Type.Union([Type.Null(), Type.String()]),
  city: Type.Union([Type.Null(), Type.String()]),
  country_code: Type.Union([Type.Null(), Type.String()]),
})]);

const ShopifyOrder = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  total_price: Money,
  total_discounts: Type.Optional(Money),
  cancelled_at: Type.Optional(Type.Union([Type.Null(), Type.String()])),
  taxes_included: Type.Optional(Type.Boolean()),
  shipping_address: Type.Optional(ShopifyAddress),
  billing_address: Type.Optional(ShopifyAddress),
  line_items: Type.Array(Type.Object({
    id: Type.Integer(),
    sku: Type.String({ minLength: 1 }),
    quantity: Type.Integer({ minimum: 1 }),
    price: Money,
    discount_allocations: Type.Optional(Type.Array(Type.Object({ amount: Money }))),
    tax_lines: TaxLines,
  }), { minItems: 1 }),
  shipping_lines: Type.Optional(Type.Array(Type.Object({ price: Money, tax_lines: TaxLines }))),
});

interface ShopifyAddressValue {
  name?: string | null; first_name?: string | null; last_name?: string | null; company?: string | null;
  address1: string | null; address2?: string | null; city: string | null; province?: string | null; zip?: string | null;
  country_code: string | null; phone?: string | null;
}
interface ShopifyOrderValue {
  id: number; name?: string; email?: string | null; phone?: string | null; created_at?: string; currency: string;
  cancelled_at?: string | null; taxes_included?: boolean; total_price: string; total_discounts?: string; note?: string | null;
  payment_gateway_names?: string[];
  customer?: { email?: string | null; phone?: string | null; first_name?: string | null; last_name?: string | null } | null;
  shipping_address?: ShopifyAddressValue | null; billing_address?: ShopifyAddressValue | null;
  line_items: { id: number; sku: string; quantity: number; price: string; discount_allocations?: { amount: string }[]; tax_lines?: { price: string }[] }[];
  shipping_lines?: { price: string; tax_lines?: { price: string }[] }[];
}

/** Adds decimal strings exactly (as integers of their longest fraction), for sums Shopify gives per allocation. */
function addDecimals(values: readonly string[]): string {
  if (values.length === 0) return '0';
  const scale = Math.max(0, ...values.map((v) => (v.split('.')[1] ?? '').length));
  const sum = values.reduce((a, v) => {
    const [whole = '0', fraction = ''] = v.replace('-', '').split('.');
    const n = BigInt(whole + fraction.padEnd(scale, '0'));
    return a + (v.startsWith('-') ? -n : n);
  }, 0n);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}
const subtractDecimals = (a: string, b: string): string => addDecimals([a, b.startsWith('-') ? b.slice(1) : `-${b}`]);

function address(a: ShopifyAddressValue | null | undefined): MappedOrder['shippingAddress'] {
  if (!a?.address1 || !a.city || !a.country_code) return undefined;
  const name = a.name || [a.first_name, a.last_name].filter(Boolean).join(' ') || 'Customer';
  return {
    name, line1: a.address1, city: a.city, country: a.country_code,
    ...(a.company ? { company: a.company } : {}), ...(a.address2 ? { line2: a.address2 } : {}),
    ...(a.province ? { state: a.province } : {}), ...(a.zip ? { postalCode: a.zip } : {}), ...(a.phone ? { phone: a.phone } : {}),
  };
}

/** A Shopify order webhook's body as a mapped order; a 400 naming the payload's field when it lacks one. */
export function shopifyToMapped(payload: unknown): MappedOrder {
  requireShape(ShopifyOrder, payload, '/payload', 'not a Shopify order');
  const o = payload as ShopifyOrderValue;
  const taxed = !o.taxes_included;
  const lines = o.line_items.map((l) => {
    const discount = addDecimals((l.discount_allocations ?? []).map((d) => d.amount));
    return {
      sku: l.sku, quantity: l.quantity, unitPrice: l.price, discount, channelLineId: String(l.id),
      ...(taxed ? { tax: addDecimals((l.tax_lines ?? []).map((t) => t.price)) } : {}),
    };
  });
  const lineDiscounts = addDecimals(lines.map((l) => l.discount));
  // What of the order's discounts was not allocated to lines (Shopify allocates most) is an order discount.
  const orderDiscount = o.total_discounts ? subtractDecimals(o.total_discounts, lineDiscounts) : '0';
  const shipping = addDecimals((o.shipping_lines ?? []).map((s) => s.price));
  const shippingTax = taxed ? addDecimals((o.shipping_lines ?? []).flatMap((s) => (s.tax_lines ?? []).map((t) => t.price))) : '0';
  const c = o.customer ?? {};
  const ship = address(o.shipping_address);
  const bill = address(o.billing_address);
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ') || ship?.name || bill?.name || o.email || 'Shopify customer';
  const email = o.email || c.email;
  const phone = o.phone || c.phone;
  return {
    externalRef: String(o.id),
    ...(o.created_at ? { placedAt: new Date(o.created_at).toISOString() } : {}),
    cancelled: Boolean(o.cancelled_at),
    currency: o.currency,
    customer: { name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) },
    ...(ship ? { shippingAddress: ship } : {}),
    ...(bill ? { billingAddress: bill } : {}),
    lines,
    shipping,
    shippingTax,
    orderDiscount: orderDiscount.startsWith('-') ? '0' : orderDiscount,
    total: o.total_price,
    payment: { method: o.payment_gateway_names?.[0] ?? 'shopify', authorized: o.total_price },
    ...(o.note ? { buyerRemark: o.note.slice(0, 2000) } : {}),
  };
}

export interface ShopifyShop {
  shopUrl: string;
  apiVersion: string;
  accessToken: string;
  timeoutMs: number;
}

export interface PushOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

async function postJson(shop: ShopifyShop, path: string, body: unknown): Promise<PushOutcome> {
  const url = `${shop.shopUrl.replace(/\/$/, '')}/admin/api/${shop.apiVersion}/${path}`;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': shop.accessToken },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(shop.timeoutMs),
    });
    const text = await res.text().catch(() => '');
    // 429: Shopify's rate limit (a leaky bucket); the relay backs off and tries again.
    return res.ok ? { ok: true, statusCode: res.status, error: null } : { ok: false, statusCode: res.status, error: `${res.status} ${text.slice(0, 200)}` };
  } catch (e) {
    return { ok: false, statusCode: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/** `POST inventory_levels/set.json`: the available number of an inventory item at a Shopify location. */
export const setInventoryLevel = (shop: ShopifyShop, level: { locationId: string; inventoryItemId: string; available: number }) =>
  postJson(shop, 'inventory_levels/set.json', {
    location_id: Number(level.locationId), inventory_item_id: Number(level.inventoryItemId), available: level.available,
  });

/** `POST orders/{id}/fulfillments.json`: a parcel of the order left, with its carrier and tracking number. */
export const createFulfillment = (shop: ShopifyShop, f: {
  orderId: string; locationId: string | null; trackingNumber: string | null; trackingCompany: string | null; lineItems: { id: string; quantity: number }[];
}) => postJson(shop, `orders/${encodeURIComponent(f.orderId)}/fulfillments.json`, {
  fulfillment: {
    ...(f.locationId ? { location_id: Number(f.locationId) } : {}),
    tracking_number: f.trackingNumber,
    tracking_company: f.trackingCompany,
    notify_customer: true,
    ...(f.lineItems.length > 0 ? { line_items: f.lineItems.map((l) => ({ id: Number(l.id), quantity: l.quantity })) } : {}),
  },
});

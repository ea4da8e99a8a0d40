/**
 * What a mapping produces from a channel's order payload: an order in the channel's own money (decimal amounts in
 * the major unit, "129.90"), which `toCapture` turns into an Ordo capture request in minor units, exactly.
 *
 * Totals are not computed by the mapping (a mapping language adds in floating point): it gives what the channel says
 * the buyer pays (`total`), Ordo adds up the lines and charges, and capture refuses an order whose numbers differ,
 * naming the expected and the given one.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { Type, type Static, type TSchema } from 'typebox';
import { CaptureOrderSchema, type CaptureOrder } from '../order/index.js';
import { AppError, type FieldError } from '../shared/errors.js';
import { decimalToMinor } from './minor-units.js';

const Amount = Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Number()], { description: 'A decimal amount in the major unit: "129.90"' });
const Text = (max: number) => Type.String({ maxLength: max });

const MappedAddress = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  company: Type.Optional(Text(200)),
  line1: Type.String({ minLength: 1, maxLength: 200 }),
  line2: Type.Optional(Text(200)),
  city: Type.String({ minLength: 1, maxLength: 100 }),
  state: Type.Optional(Text(100)),
  postalCode: Type.Optional(Text(20)),
  country: Type.String({ pattern: '^[A-Z]{2}$' }),
  phone: Type.Optional(Text(30)),
}, { additionalProperties: false });

export const MappedOrder = Type.Object({
  externalRef: Type.String({ minLength: 1, maxLength: 128 }),
  placedAt: Type.Optional(Type.String({ format: 'date-time' })),
  cancelled: Type.Optional(Type.Boolean({ description: 'The channel cancelled the order (closed trade): Ordo cancels it too' })),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  customer: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 300 }),
    email: Type.Optional(Text(254)),
    phone: Type.Optional(Text(30)),
    company: Type.Optional(Text(200)),
  }, { additionalProperties: false }),
  shippingAddress: Type.Optional(MappedAddress),
  billingAddress: Type.Optional(MappedAddress),
  lines: Type.Array(Type.Object({
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    unitPrice: Amount,
    discount: Type.Optional(Amount),
    tax: Type.Optional(Amount),
    /** The channel's own id of the line (Shopify's line item id), kept for fulfilment pushes. */
    channelLineId: Type.Optional(Text(64)),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }),
  shipping: Type.Optional(Amount),
  shippingTax: Type.Optional(Amount),
  orderDiscount: Type.Optional(Amount),
  total: Amount,
  payment: Type.Optional(Type.Object({ method: Type.String({ minLength: 1, maxLength: 64 }), authorized: Amount }, { additionalProperties: false })),
  buyerRemark: Type.Optional(Text(2000)),
}, { additionalProperties: false });
export type MappedOrder = Static<typeof MappedOrder>;

const ajv = addFormats.default(new Ajv({ allErrors: true, strict: false }));
const checkMapped = ajv.compile(MappedOrder);
const checkCapture = ajv.compile(CaptureOrderSchema);

/** A schema's errors as field errors under `prefix` (`/payload`, `/mapped`). */
export function fieldErrors(errors: readonly ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  return (errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? `/${String((e.params as { missingProperty?: string }).missingProperty)}` : '';
    return { path: `${prefix}${e.instancePath}${missing}`, message: e.keyword === 'required' ? 'is missing' : e.message ?? 'is not valid' };
  }).filter((e, i, all) => all.findIndex((x) => x.path === e.path) === i);
}

/** Checks `value` against a schema of what a mapping reads, naming each field the payload lacks or has wrong. */
export function requireShape(schema: TSchema, value: unknown, prefix: string, what: string): void {
  const check = compiled(schema);
  if (!check(value)) {
    const errors = fieldErrors(check.errors, prefix);
    throw new AppError('validation_failed', `${what}: ${errors.slice(0, 5).map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors });
  }
}
const compiledSchemas = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>();
function compiled(schema: TSchema) {
  let check = compiledSchemas.get(schema);
  if (!check) {
    check = ajv.compile(schema);
    compiledSchemas.set(schema, check);
  }
  return check;
}

/** What the capture request's schema finds wrong with `capture`, as field errors under `prefix`. */
export function captureProblems(capture: unknown, prefix: string): FieldError[] {
  return checkCapture(capture) ? [] : fieldErrors(checkCapture.errors, prefix);
}

export interface ToCapture {
  capture: CaptureOrder;
  cancelled: boolean;
  /** Ordo SKU → the channel's line id (for fulfilment pushes), where the mapping gave one. */
  channelLines: Record<string, string>;
}

/** A mapped order as an Ordo capture request for `channel`, its amounts in minor units; a 400 naming each bad field. */
export function toCapture(value: unknown, channel: { code: string; currency: string }): ToCapture {
  if (!checkMapped(value)) {
    const errors = fieldErrors(checkMapped.errors, '/mapped');
    throw new AppError('validation_failed', `the mapping's result is not an order: ${errors.slice(0, 5).map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors });
  }
  const mapped = value as MappedOrder;
  const currency = mapped.currency ?? channel.currency;
  const errors: FieldError[] = [];
  const minor = (amount: string | number | undefined, path: string): number | undefined => {
    if (amount === undefined) return undefined;
    const m = decimalToMinor(amount, currency);
    if (m === null || m < 0) {
      errors.push({ path, message: `${JSON.stringify(amount)} is not an amount in ${currency} (a decimal like "129.90")` });
      return 0;
    }
    return m;
  };
  const lines = mapped.lines.map((l, i) => ({
    sku: l.sku,
    quantity: l.quantity,
    unitPriceMinor: minor(l.unitPrice, `/mapped/lines/${i}/unitPrice`) ?? 0,
    ...(l.discount !== undefined ? { discountMinor: minor(l.discount, `/mapped/lines/${i}/discount`) } : {}),
    ...(l.tax !== undefined ? { taxMinor: minor(l.tax, `/mapped/lines/${i}/tax`) } : {}),
  }));
  const shippingMinor = minor(mapped.shipping, '/mapped/shipping') ?? 0;
  const shippingTaxMinor = minor(mapped.shippingTax, '/mapped/shippingTax') ?? 0;
  const orderDiscountMinor = minor(mapped.orderDiscount, '/mapped/orderDiscount') ?? 0;
  const totalMinor = minor(mapped.total, '/mapped/total') ?? 0;
  const authorized = mapped.payment ? minor(mapped.payment.authorized, '/mapped/payment/authorized') : undefined;
  if (errors.length > 0) throw new AppError('validation_failed', `amounts that are not money: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors });

  // The totals the lines and charges add up to; the channel's total is the one number capture checks them against.
  const subtotalMinor = lines.reduce((a, l) => a + l.unitPriceMinor * l.quantity, 0);
  const discountMinor = lines.reduce((a, l) => a + (l.discountMinor ?? 0), 0) + orderDiscountMinor;
  const taxMinor = lines.reduce((a, l) => a + (l.taxMinor ?? 0), 0) + shippingTaxMinor;
  const address = (a: MappedOrder['shippingAddress']) => a && {
    name: a.name, company: a.company || null, line1: a.line1, line2: a.line2 || null, city: a.city, state: a.state || null,
    postalCode: a.postalCode ?? '', country: a.country, phone: a.phone || null,
  };
  const capture: CaptureOrder = {
    channel: channel.code,
    externalRef: mapped.externalRef,
    ...(mapped.placedAt ? { placedAt: mapped.placedAt } : {}),
    currency,
    customer: {
      name: mapped.customer.name,
      ...(mapped.customer.email ? { email: mapped.customer.email } : {}),
      ...(mapped.customer.phone ? { phone: mapped.customer.phone } : {}),
      ...(mapped.customer.company ? { company: mapped.customer.company } : {}),
    },
    ...(mapped.shippingAddress ? { shippingAddress: address(mapped.shippingAddress) } : {}),
    ...(mapped.billingAddress ? { billingAddress: address(mapped.billingAddress) } : {}),
    lines,
    ...(orderDiscountMinor ? { orderDiscountMinor } : {}),
    ...(shippingMinor ? { shippingMinor } : {}),
    ...(shippingTaxMinor ? { shippingTaxMinor } : {}),
    totals: { subtotalMinor, discountMinor, shippingMinor, taxMinor, totalMinor },
    ...(mapped.payment && authorized !== undefined ? { payment: { method: mapped.payment.method, authorizedMinor: authorized } } : {}),
    ...(mapped.buyerRemark ? { buyerRemark: mapped.buyerRemark } : {}),
  };
  // The same checks POST /v1/orders makes of its body, named in the capture request built from the mapping.
  if (!checkCapture(capture)) {
    const errors = fieldErrors(checkCapture.errors, '/capture');
    throw new AppError('validation_failed', `the mapped order is not a valid capture: ${errors.slice(0, 5).map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors });
  }
  const channelLines: Record<string, string> = {};
  for (const l of mapped.lines) if (l.channelLineId) channelLines[l.sku] = l.channelLineId;
  return { capture, cancelled: mapped.cancelled ?? false, channelLines };
}

/**
 * An order as a caller's role may see it: the one place personal data is masked or hidden on its way out. Every
 * route that answers with an order (reads, searches, capture and every command) passes it through `redactOrder`
 * with the caller's level, after the command ran, so an idempotent replay is redacted like the first answer. What
 * each level sees is decided in src/access/personal-data.ts.
 */
import { Type } from 'typebox';
import { treatment, type PersonalDataLevel, type PersonalPart, type Treatment } from '../access/index.js';
import { Nullable } from '../http/schemas.js';
import { maskEmail, maskName, maskPhone, maskTail } from '../shared/mask.js';
import { Address, Order } from './order.js';

const seeDocs = 'See docs/access.md for what each role sees.';

/** Order with the personal fields described, for the OpenAPI document of every route that answers with orders. */
export const OrderView = Type.Object({
  ...Order.properties,
  customer: Type.Object(Order.properties.customer.properties, {
    description: `Name, email and phone in full with customer:read; masked otherwise (E**** M*********, e***@example.com, 138****5678). ${seeDocs}`,
  }),
  shippingAddress: Type.Union([Type.Null(), Address], {
    description: `In full with customer:read or order:read_shipping; otherwise recipient, company, street, postal code and phone masked (city, state and country shown). ${seeDocs}`,
  }),
  billingAddress: Type.Union([Type.Null(), Address], {
    description: `In full with customer:read; masked otherwise, like the shipping address. ${seeDocs}`,
  }),
  buyerRemark: Type.Union([Type.Null(), Type.String()], {
    description: `With customer:read or order:read_shipping; null (hidden) otherwise. ${seeDocs}`,
  }),
});

export const TimelineEntry = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  type: Type.String(),
  fromStatus: Nullable(Type.String()),
  toStatus: Nullable(Type.String()),
  message: Type.String({ description: `An address or remark change names the field only, its values masked in \`details\`, for roles that may not see them. ${seeDocs}` }),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export function maskAddress(address: Address): Address {
  return {
    ...address,
    name: maskName(address.name),
    ...(address.company != null && { company: maskName(address.company) }),
    line1: maskName(address.line1),
    ...(address.line2 != null && { line2: maskName(address.line2) }),
    postalCode: maskTail(address.postalCode),
    ...(address.phone != null && { phone: maskPhone(address.phone) }),
    // Coordinates point at the door: hidden, not masked.
    ...(address.coordinates != null && { coordinates: null }),
  };
}

function apply<T>(how: Treatment, value: T | null, mask: (v: T) => T): T | null {
  if (value === null || how === 'shown') return value;
  return how === 'masked' ? mask(value) : null;
}

const addressOf = (part: PersonalPart, level: PersonalDataLevel, address: Address | null | undefined) =>
  apply(treatment(part, level), address ?? null, maskAddress);

/** The order with each personal part shown, masked or hidden as the level says; everything else untouched. */
export function redactOrder<T extends Order>(order: T, level: PersonalDataLevel): T {
  if (level === 'full') return order;
  const { customer } = order;
  const showCustomer = treatment('customer', level) === 'shown';
  return {
    ...order,
    customer: showCustomer ? customer : {
      id: customer.id,
      name: maskName(customer.name),
      email: customer.email === null ? null : maskEmail(customer.email),
      phone: customer.phone === null ? null : maskPhone(customer.phone),
    },
    shippingAddress: addressOf('shippingAddress', level, order.shippingAddress),
    billingAddress: addressOf('billingAddress', level, order.billingAddress),
    buyerRemark: apply(treatment('buyerRemark', level), order.buyerRemark, (r) => r),
  };
}

/** Fields of an order whose old and new values a `details_changed` timeline entry records (src/order/change-order.ts). */
const changedParts: Record<string, PersonalPart> = { shippingAddress: 'shippingAddress', billingAddress: 'billingAddress', buyerRemark: 'buyerRemark' };

interface Entry {
  type: string;
  message: string;
  details: Record<string, unknown>;
}

/**
 * A timeline entry as the level may see it. A change of an address or the remark records the old and new values
 * in its message and details: for a level that may not see that part, the message keeps only the words before the
 * values ("Shipping address changed") and the details hold the values masked or hidden.
 */
export function redactTimelineEntry<T extends Entry>(entry: T, level: PersonalDataLevel): T {
  const part = entry.type === 'details_changed' ? changedParts[String(entry.details.field)] : undefined;
  if (!part || level === 'full') return entry;
  const how = treatment(part, level);
  if (how === 'shown') return entry;
  const value = (v: unknown) => (v === null || v === undefined || how === 'hidden' ? null
    : typeof v === 'string' ? maskName(v) : maskAddress(v as Address));
  return {
    ...entry,
    message: entry.message.split(':')[0] ?? entry.message,
    details: { ...entry.details, from: value(entry.details.from), to: value(entry.details.to) },
  };
}

/**
 * How much of a customer's personal data a role sees: the one table the order and customer views
 * (src/order/redact-order.ts, src/customer/redact-customer.ts) and docs/access.md are made from.
 *
 * Three levels, from the role's permissions:
 * - `full` (customer:read): everything, as stored.
 * - `shipping` (order:read_shipping): what it takes to ship a parcel — the recipient, address and phone on the
 *   shipping address and the buyer's remark (delivery instructions) — but not who the customer is (name, e-mail,
 *   phone of the account) nor where the invoice goes.
 * - `masked` (neither): values masked (张*, 138****5678, e***@example.com): enough to tell orders apart and see
 *   where they go, not enough to contact or identify anyone. Free text (the buyer's remark) cannot be masked, so it
 *   is hidden (null).
 */
import { roleHas, type Role } from './permissions.js';

export const personalDataLevels = ['full', 'shipping', 'masked'] as const;
export type PersonalDataLevel = (typeof personalDataLevels)[number];

/** `shown` as stored, `masked` with src/shared/mask.ts, `hidden` as null. */
export type Treatment = 'shown' | 'masked' | 'hidden';

export const personalDataLevel = (role: Role): PersonalDataLevel =>
  roleHas(role, 'customer:read') ? 'full' : roleHas(role, 'order:read_shipping') ? 'shipping' : 'masked';

/** The personal parts of an order and a customer, and how each level sees them. */
export const personalParts = {
  customer: {
    what: 'the customer: `customer.name`, `.email`, `.phone` of an order; name, e-mail, phone, company, VAT id of a `/v1/customers` answer (where masked, its `blockedReason` is hidden)',
    full: 'shown', shipping: 'masked', masked: 'masked',
  },
  shippingAddress: {
    what: '`shippingAddress`: recipient, company, street lines, postal code, phone (city, state and country are shown to every level)',
    full: 'shown', shipping: 'shown', masked: 'masked',
  },
  billingAddress: {
    what: '`billingAddress`, as the shipping address',
    full: 'shown', shipping: 'masked', masked: 'masked',
  },
  buyerRemark: {
    what: '`buyerRemark`: free text from the buyer, often delivery instructions',
    full: 'shown', shipping: 'shown', masked: 'hidden',
  },
} as const satisfies Record<string, { what: string } & Record<PersonalDataLevel, Treatment>>;
export type PersonalPart = keyof typeof personalParts;

export const treatment = (part: PersonalPart, level: PersonalDataLevel): Treatment => personalParts[part][level];

/** The level of the caller of an authenticated route (the auth hook set `request.principal`). */
export const personalDataOf = (request: { principal: { role: Role } }): PersonalDataLevel => personalDataLevel(request.principal.role);

/** Customers and B2B accounts: who orders, how to reach them, their payment terms, and the block list review reads. */
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import { Type, type Static } from 'typebox';
import { Id, Name, Nullable, Timestamp } from '../http/schemas.js';
import type { FieldError } from '../shared/errors.js';

export const CustomerType = Type.Union([Type.Literal('person'), Type.Literal('business')]);
const Email = Type.String({ format: 'email', maxLength: 254, description: 'Stored lower-case' });
const Phone = Type.String({ pattern: '^\\+?[0-9 ()/-]{5,30}$', description: 'Spaces, dashes, slashes and brackets are removed' });

const fields = {
  email: Email,
  phone: Phone,
  name: Name,
  type: CustomerType,
  company: Type.String({ maxLength: 200 }),
  vatId: Type.String({ maxLength: 40 }),
  paymentTermsDays: Type.Integer({ minimum: 0, maximum: 365, description: 'Invoice terms for B2B accounts; 0 = pay at order' }),
  blocked: Type.Boolean({ description: 'On the block list: the blocked-customer review rule holds their orders' }),
  blockedReason: Type.String({ maxLength: 500 }),
  language: Type.Union([Type.Literal('en'), Type.Literal('zh-CN')], { description: 'The language notifications are written in; unset (null) = the default language of the order\'s channel' }),
};

export const CustomerInput = Type.Object({
  email: Type.Optional(fields.email),
  phone: Type.Optional(fields.phone),
  name: fields.name,
  type: Type.Optional(fields.type),
  company: Type.Optional(fields.company),
  vatId: Type.Optional(fields.vatId),
  paymentTermsDays: Type.Optional(fields.paymentTermsDays),
  blocked: Type.Optional(fields.blocked),
  blockedReason: Type.Optional(fields.blockedReason),
  language: Type.Optional(Nullable(fields.language)),
}, { additionalProperties: false, description: 'Give an email, a phone number, or both' });
export type CustomerInput = Static<typeof CustomerInput>;

export const CustomerPatch = Type.Object({
  email: Type.Optional(Nullable(fields.email)),
  phone: Type.Optional(Nullable(fields.phone)),
  name: Type.Optional(fields.name),
  type: Type.Optional(fields.type),
  company: Type.Optional(Nullable(fields.company)),
  vatId: Type.Optional(Nullable(fields.vatId)),
  paymentTermsDays: Type.Optional(fields.paymentTermsDays),
  blocked: Type.Optional(fields.blocked),
  blockedReason: Type.Optional(Nullable(fields.blockedReason)),
  language: Type.Optional(Nullable(fields.language)),
}, { additionalProperties: false, minProperties: 1 });
export type CustomerPatch = Static<typeof CustomerPatch>;

export const Customer = Type.Object({
  id: Id,
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  name: Type.String(),
  type: Type.String(),
  company: Nullable(Type.String()),
  vatId: Nullable(Type.String()),
  paymentTermsDays: Type.Integer(),
  blocked: Type.Boolean(),
  blockedReason: Nullable(Type.String()),
  language: Nullable(fields.language),
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Customer = Static<typeof Customer>;

/** The same normalisation capture uses to find a customer again: lower-case email. */
export const normaliseEmail = (email: string | null | undefined): string | null | undefined => (email == null ? email : email.toLowerCase());

const readPhone = (phone: string, country?: string | null) => {
  try {
    const parsed = parsePhoneNumberFromString(phone, country && isSupportedCountry(country) ? country : undefined);
    return parsed?.isValid() ? parsed : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A phone number in E.164 (`+492215550123`) when libphonenumber-js can read it: written internationally, or
 * nationally with the country it belongs to (capture passes the address's). "+49 221 5550123" and "0221 5550123" in
 * Germany are then one customer. A number it cannot read is kept as its digits (and a leading +), as before.
 */
export const normalisePhone = (phone: string | null | undefined, country?: string | null): string | null | undefined => {
  if (phone == null) return phone;
  return readPhone(phone, country)?.number ?? phone.replace(/[ ()/.-]/g, '');
};

/**
 * What a search for a phone number looks for in stored text, or null when `q` is no phone number: the national
 * number's digits, which both the E.164 form (+492215550123) and a national one stored before (02215550123) contain.
 */
export function phoneSearchKey(q: string): string | null {
  if (!/^\+?[0-9 ()/.-]+$/.test(q.trim()) || q.replace(/\D/g, '').length < 6) return null;
  const international = q.trim().startsWith('+') ? readPhone(q) : undefined;
  return international ? String(international.nationalNumber) : q.replace(/\D/g, '').replace(/^0+/, '');
}

/** A customer must stay reachable: an email or a phone number (the table says so too). */
export function contactProblems(email: string | null, phone: string | null): FieldError[] {
  const errors: FieldError[] = [];
  if (!email && !phone) errors.push({ path: '/body', message: 'give an email or a phone number (or both)' });
  // After removing separators the number must still look like one: 5 to 20 digits with an optional leading +.
  if (phone && !/^\+?[0-9]{5,20}$/.test(phone)) errors.push({ path: '/body/phone', message: 'must have 5 to 20 digits, optionally after a +' });
  return errors;
}

/** Customers and B2B accounts: who orders, how to reach them, their payment terms, and the block list review reads. */
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
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Customer = Static<typeof Customer>;

/** The same normalisation capture uses to find a customer again: lower-case email, phone digits (and a leading +). */
export const normaliseEmail = (email: string | null | undefined): string | null | undefined => (email == null ? email : email.toLowerCase());
export const normalisePhone = (phone: string | null | undefined): string | null | undefined => (phone == null ? phone : phone.replace(/[ ()/-]/g, ''));

/** A customer must stay reachable: an email or a phone number (the table says so too). */
export function contactProblems(email: string | null, phone: string | null): FieldError[] {
  const errors: FieldError[] = [];
  if (!email && !phone) errors.push({ path: '/body', message: 'give an email or a phone number (or both)' });
  // After removing separators the number must still look like one: 5 to 20 digits with an optional leading +.
  if (phone && !/^\+?[0-9]{5,20}$/.test(phone)) errors.push({ path: '/body/phone', message: 'must have 5 to 20 digits, optionally after a +' });
  return errors;
}

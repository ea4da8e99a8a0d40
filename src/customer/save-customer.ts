/** The customer use cases: create, and change (which includes putting a customer on or off the block list). */
import type { Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import type { CommandResult } from '../db/command.js';
import { AppError, notFound, versionConflict } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { contactProblems, normaliseEmail, normalisePhone, type Customer, type CustomerInput, type CustomerPatch } from './customer.js';
import { findByContact, insertCustomer, lockCustomer, toCustomer, updateCustomer, type CustomerColumns, type CustomerRow } from './customer.repository.js';

function checkContact(values: CustomerColumns): void {
  const errors = contactProblems(values.email, values.phone);
  if (errors.length > 0) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
}

const taken = (other: CustomerRow | undefined, values: CustomerColumns) => {
  if (!other) return new AppError('already_exists', 'another customer already has this email or phone number; change that customer instead', { existingId: null });
  const what = other.email !== null && other.email === values.email ? `email ${values.email}` : `phone number ${values.phone}`;
  return new AppError('already_exists', `customer ${other.id} already has the ${what}; change that customer instead`, { existingId: other.id });
};

/**
 * Email (and phone, for customers without email) identify a customer at capture, so two may not share one. Checked
 * first to name the customer that has it; the unique indexes still decide a race between two requests.
 */
async function checkUnique(trx: Trx, values: CustomerColumns, selfId: string | null): Promise<void> {
  const other = await findByContact(trx, values.email, values.email ? null : values.phone);
  if (other && other.id !== selfId) throw taken(other, values);
}

async function write(values: CustomerColumns, action: () => Promise<CustomerRow>): Promise<CustomerRow> {
  try {
    return await action();
  } catch (e) {
    if (isPgError(e, pgCode.uniqueViolation)) throw taken(undefined, values);
    throw e;
  }
}

export async function createCustomer(trx: Trx, input: CustomerInput): Promise<CommandResult<Customer>> {
  const values: CustomerColumns = {
    email: normaliseEmail(input.email) ?? null,
    phone: normalisePhone(input.phone) ?? null,
    name: input.name,
    type: input.type ?? 'person',
    company: input.company ?? null,
    vat_id: input.vatId ?? null,
    payment_terms_days: input.paymentTermsDays ?? 0,
    blocked: input.blocked ?? false,
    blocked_reason: input.blocked ? input.blockedReason ?? null : null,
    language: input.language ?? null,
  };
  checkContact(values);
  await checkUnique(trx, values, null);
  const row = await write(values, () => insertCustomer(trx, newId(), values));
  return { created: true, value: toCustomer(row), audit: { action: 'customer.created', entityType: 'customer', entityId: row.id } };
}

export async function changeCustomer(trx: Trx, id: string, patch: CustomerPatch, expectedVersion?: number): Promise<CommandResult<Customer>> {
  const current = await lockCustomer(trx, id);
  if (!current) throw notFound('customer', id);
  if (expectedVersion !== undefined && current.version !== expectedVersion) throw versionConflict('customer', current.version, expectedVersion);
  const blocked = patch.blocked ?? current.blocked;
  const values: CustomerColumns = {
    email: patch.email === undefined ? current.email : normaliseEmail(patch.email) ?? null,
    phone: patch.phone === undefined ? current.phone : normalisePhone(patch.phone) ?? null,
    name: patch.name ?? current.name,
    type: patch.type ?? current.type,
    company: patch.company === undefined ? current.company : patch.company,
    vat_id: patch.vatId === undefined ? current.vat_id : patch.vatId,
    payment_terms_days: patch.paymentTermsDays ?? current.payment_terms_days,
    blocked,
    // Taking a customer off the block list clears the reason, so an old reason never sits next to `blocked: false`.
    blocked_reason: blocked ? (patch.blockedReason === undefined ? current.blocked_reason : patch.blockedReason) : null,
    language: patch.language === undefined ? current.language : patch.language,
  };
  checkContact(values);
  if (values.email !== current.email || values.phone !== current.phone) await checkUnique(trx, values, id);
  const row = await write(values, () => updateCustomer(trx, id, values));
  const details: Record<string, unknown> = { fields: Object.keys(patch) };
  if (patch.blocked !== undefined && patch.blocked !== current.blocked) details.blocked = patch.blocked;
  return {
    created: false,
    value: toCustomer(row),
    audit: { action: patch.blocked === true && !current.blocked ? 'customer.blocked' : patch.blocked === false && current.blocked ? 'customer.unblocked' : 'customer.updated', entityType: 'customer', entityId: id, details },
  };
}

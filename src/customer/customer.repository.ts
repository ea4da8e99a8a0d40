/** SQL for customers. */
import { sql, type Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import type { Customers } from '../db/types.js';
import type { Customer } from './customer.js';

export type CustomerRow = Selectable<Customers>;

export const toCustomer = (r: CustomerRow): Customer => ({
  id: r.id, email: r.email, phone: r.phone, name: r.name, type: r.type, company: r.company, vatId: r.vat_id,
  paymentTermsDays: r.payment_terms_days, blocked: r.blocked, blockedReason: r.blocked_reason, language: r.language as Customer['language'], version: r.version,
  createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
});

export interface CustomerColumns {
  email: string | null;
  phone: string | null;
  name: string;
  type: string;
  company: string | null;
  vat_id: string | null;
  payment_terms_days: number;
  blocked: boolean;
  blocked_reason: string | null;
  language: string | null;
}

export async function insertCustomer(trx: Trx, id: string, values: CustomerColumns): Promise<CustomerRow> {
  return trx.insertInto('customers').values({ id, ...values }).returningAll().executeTakeFirstOrThrow();
}

export async function findCustomer(db: DbOrTrx, id: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the customer for a change computed from its current values (a patch that may clear email or phone). */
export async function lockCustomer(trx: Trx, id: string): Promise<CustomerRow | undefined> {
  return trx.selectFrom('customers').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function updateCustomer(trx: Trx, id: string, values: CustomerColumns): Promise<CustomerRow> {
  return trx.updateTable('customers').set({ ...values, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** The customer already holding an email or (for customers without email) a phone number. */
export async function findByContact(db: DbOrTrx, email: string | null, phone: string | null): Promise<CustomerRow | undefined> {
  return db.selectFrom('customers').selectAll()
    .where((eb) => eb.or([
      ...(email ? [eb('email', '=', email)] : []),
      ...(phone ? [eb.and([eb('phone', '=', phone), eb('email', 'is', null)])] : []),
    ]))
    .limit(1).executeTakeFirst();
}

export interface CustomerFilter {
  q?: string;
  email?: string;
  phone?: string;
  blocked?: boolean;
  type?: string;
  after?: [string, string];
  limit: number;
}

/** Customers by name (then id, so the keyset is unique); `q` is a case-insensitive prefix of the name or the email. */
export async function listCustomers(db: DbOrTrx, f: CustomerFilter): Promise<CustomerRow[]> {
  let q = db.selectFrom('customers').selectAll().orderBy('name').orderBy('id').limit(f.limit);
  if (f.q !== undefined) {
    // LIKE's own wildcards in what someone typed are searched for literally.
    const prefix = `${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb(sql`lower(name)`, 'like', prefix), eb('email', 'like', prefix)]));
  }
  if (f.email !== undefined) q = q.where('email', '=', f.email);
  if (f.phone !== undefined) q = q.where('phone', '=', f.phone);
  if (f.blocked !== undefined) q = q.where('blocked', '=', f.blocked);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.after) {
    const [name, id] = f.after;
    q = q.where(sql<boolean>`(name, id) > (${name}, ${id}::uuid)`);
  }
  return q.execute();
}

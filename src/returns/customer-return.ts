/**
 * A customer asks for a return from the tracking page, without an API key. The proof: the order's tracking token (in
 * the link the customer was sent; it finds the order) plus the order's e-mail address or phone number (what the
 * customer knows; a forwarded link alone is not enough). A wrong proof is a 403 that does not say which part was
 * wrong; after 5 wrong proofs for a token, or 30 from one address, within 15 minutes, further tries are a 429 with
 * Retry-After (per process: a server counts what it saw).
 *
 * Such a caller gets a principal of its own, derived from the order (`customer of order W-1001`), so its
 * Idempotency-Keys and its audit rows are its own, apart from every API key's. What it may do is what `requestReturn`
 * checks for anyone: units shipped and not returned, within the window, returnable SKUs.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Type, type Static } from 'typebox';
import type { DbOrTrx } from '../db/database.js';
import { normaliseEmail, normalisePhone, phoneSearchKey } from '../customer/index.js';
import { AppError } from '../shared/errors.js';

export const CustomerReturnRequest = Type.Object({
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, description: 'The e-mail address the order was placed with' })),
  phone: Type.Optional(Type.String({ minLength: 6, maxLength: 40, description: 'Or the phone number the order was placed with' })),
  reasonCode: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'e.g. wrong_size, damaged, not_as_described' }),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
  items: Type.Array(Type.Object({
    sku: Type.String({ minLength: 1, maxLength: 64, description: 'As the tracking page lists it' }),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
}, { additionalProperties: false });
export type CustomerReturnRequest = Static<typeof CustomerReturnRequest>;

const WINDOW_MS = 15 * 60_000;
export const limits = { perToken: 5, perAddress: 30 };
const failures = new LRUCache<string, number[]>({ max: 100_000, ttl: WINDOW_MS });

const recent = (key: string, now: number) => (failures.get(key) ?? []).filter((at) => now - at < WINDOW_MS);

/** Refuses a caller that failed the proof too often lately. */
export function checkRate(token: string, address: string, now = Date.now()): void {
  for (const [key, max] of [[`t:${token}`, limits.perToken], [`a:${address}`, limits.perAddress]] as const) {
    const tries = recent(key, now);
    if (tries.length >= max) {
      const retryAfterSeconds = Math.ceil((WINDOW_MS - (now - (tries[0] ?? now))) / 1000);
      throw new AppError('rate_limited', `too many wrong proofs; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }
}

function recordFailure(token: string, address: string, now = Date.now()): void {
  for (const key of [`t:${token}`, `a:${address}`]) failures.set(key, [...recent(key, now), now]);
}

/** Forgets every recorded failure (tests). */
export const resetRateLimits = (): void => failures.clear();

export interface ProvenOrder { orderId: string; number: string; principal: { id: string; name: string } }

/** The order the token names, if the e-mail or phone matches it; else a 403 (counted against the rate limit). */
export async function proveCustomer(db: DbOrTrx, token: string, proof: Pick<CustomerReturnRequest, 'email' | 'phone'>, address: string): Promise<ProvenOrder> {
  checkRate(token, address);
  const row = await db.selectFrom('orders').innerJoin('customers', 'customers.id', 'orders.customer_id')
    .select(['orders.id', 'orders.number', 'orders.shipping_address', 'customers.email', 'customers.phone'])
    .where('orders.tracking_token', '=', token).executeTakeFirst();
  const country = row?.shipping_address?.country ?? null;
  const emailOk = proof.email !== undefined && row?.email != null && normaliseEmail(proof.email.trim()) === normaliseEmail(row.email);
  const phoneKey = proof.phone === undefined ? null : phoneSearchKey(proof.phone);
  const phoneOk = proof.phone !== undefined && row?.phone != null
    && (normalisePhone(proof.phone, country) === row.phone || (phoneKey !== null && phoneKey.length >= 6 && row.phone.endsWith(phoneKey)));
  if (!row || !(emailOk || phoneOk)) {
    recordFailure(token, address);
    throw new AppError('forbidden', 'the tracking link and the e-mail address or phone number do not match an order; use the ones the order was placed with');
  }
  // A principal per order: a UUID made from the order's id, so it is the same on every request and every server.
  const hex = createHash('sha256').update(`customer-of-order:${row.id}`).digest('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { orderId: row.id, number: row.number, principal: { id, name: `customer of order ${row.number}` } };
}

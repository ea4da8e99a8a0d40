import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';

/**
 * Keyset pagination: the cursor is the sort key of the last row served, opaque to clients (base64url JSON).
 * Keysets stay fast at any depth, unlike OFFSET.
 */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity) return key as unknown[];
  } catch {
    // reported below
  }
  throw new AppError('invalid_cursor', 'the cursor is not one this list gave out; start again without a cursor');
}

/**
 * A page of a list: the rows asked for, and the `next` link (the same request with the cursor of the last row), or null
 * on the last page. `fetched` holds one row more than `limit` when there is a next page (no count needed).
 */
export function page<T>(req: FastifyRequest, fetched: T[], limit: number, key: (last: T) => unknown[]) {
  const rows = fetched.slice(0, limit);
  const last = rows.at(-1);
  if (fetched.length <= limit || last === undefined) return { data: rows, next: null };
  const url = new URL(req.url, 'http://ordo.invalid');
  url.searchParams.set('cursor', encodeCursor(key(last)));
  return { data: rows, next: url.pathname + url.search };
}

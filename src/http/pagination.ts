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

/** The list's `next` link: the same request with the cursor of the last row, or null on the last page. */
export function nextLink(req: FastifyRequest, rows: readonly unknown[], limit: number, key: () => unknown[]): string | null {
  if (rows.length < limit) return null;
  const url = new URL(req.url, 'http://ordo.invalid');
  url.searchParams.set('cursor', encodeCursor(key()));
  return url.pathname + url.search;
}

/** Fetches one row more than asked to know whether a next page exists without a count. */
export function pageOf<T>(rows: T[], limit: number): { rows: T[]; hasMore: boolean } {
  return rows.length > limit ? { rows: rows.slice(0, limit), hasMore: true } : { rows, hasMore: false };
}

export function page<T>(req: FastifyRequest, fetched: T[], limit: number, key: (last: T) => unknown[]) {
  const { rows, hasMore } = pageOf(fetched, limit);
  const last = rows.at(-1);
  const next = hasMore && last !== undefined ? nextLink(req, rows, rows.length, () => key(last)) : null;
  return { data: rows, next };
}

import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import { textProblem } from './validation.js';

/**
 * Keyset pagination: the cursor is the sort key of the last row served, opaque to clients (base64url JSON).
 * Keysets stay fast at any depth, unlike OFFSET.
 */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The type of one part of a list's sort key, as the cursor carries it. A cursor is client input that goes into SQL
 * comparisons: a part of the wrong type would fail the statement (a 500) instead of the request (a 400).
 * - `text`: a string PostgreSQL text can hold (no NUL, no lone UTF-16 surrogate);
 * - `uuid`: an id;
 * - `timestamp`: an instant as Ordo writes it (`2026-12-01T23:38:25.123Z`, up to microseconds, a real date);
 * - `bigint`: a non-negative safe integer (a JSON number).
 * A list's key declares its parts in order; a part may allow several types (`['timestamp', 'bigint']`).
 */
export type CursorPart = 'text' | 'uuid' | 'timestamp' | 'bigint';
export type CursorShape = readonly (CursorPart | readonly CursorPart[])[];

interface PartType { text: string; uuid: string; timestamp: string; bigint: number }
type PartValue<P> = P extends CursorPart ? PartType[P] : P extends readonly CursorPart[] ? PartType[P[number]] : never;
export type CursorKey<S extends CursorShape> = { -readonly [I in keyof S]: PartValue<S[I]> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^(\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;

const valid: Record<CursorPart, (value: unknown) => boolean> = {
  text: (v) => typeof v === 'string' && v.length <= 1000 && textProblem(v) === null,
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  timestamp: (v) => typeof v === 'string' && isInstant(v),
  bigint: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
};

/** A real instant PostgreSQL can store: Date.parse accepts 30 February and year 0000, PostgreSQL does not. */
function isInstant(value: string): boolean {
  const match = TIMESTAMP.exec(value);
  if (!match || match[1] === '0000') return false;
  const millis = `${value.slice(0, 19)}.${(match[2] ?? '').slice(1, 4).padEnd(3, '0')}Z`;
  const date = new Date(millis);
  return !Number.isNaN(date.getTime()) && date.toISOString() === millis;
}

/**
 * Decodes a list's cursor and checks it has the list's key shape; anything else (garbage, another list's cursor, a
 * forged one) is a 400 `invalid_cursor`. Every list decodes its cursor here, so every list checks it.
 */
export function decodeCursor<const S extends CursorShape>(cursor: string | undefined, shape: S): CursorKey<S> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (Array.isArray(key) && key.length === shape.length && shape.every((part, i) => fits(part, key[i]))) return key as CursorKey<S>;
  throw new AppError('invalid_cursor', 'the cursor is not one this list gave out; start again without a cursor');
}

const fits = (part: CursorPart | readonly CursorPart[], value: unknown): boolean =>
  typeof part === 'string' ? valid[part](value) : part.some((p) => valid[p](value));

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

/**
 * Time and fresh identifiers as values a decision is given, so that the decision itself is pure: a use case takes
 * `systemClock` (or a test's fixed clock) and passes it down; nothing below it calls `new Date()` or `newId()`.
 */
import { newId, randomBytesFromPool } from './ids.js';

export interface Clock {
  now(): Date;
  newId(): string;
  /** An unguessable token (e.g. the customer's tracking link). */
  token(): string;
}

export const systemClock: Clock = {
  now: () => new Date(),
  newId,
  token: () => Buffer.from(randomBytesFromPool(18)).toString('base64url'),
};

/** A clock for tests and replays: a fixed instant and numbered ids (valid UUIDs) and tokens. */
export function fixedClock(at: Date, prefix = '00000000-0000-7000-8000'): Clock {
  let n = 0;
  return {
    now: () => new Date(at),
    newId: () => `${prefix}-${(++n).toString(16).padStart(12, '0')}`,
    token: () => `token-${++n}`,
  };
}

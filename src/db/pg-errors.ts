/** PostgreSQL error codes Ordo branches on (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const pgCode = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  lockNotAvailable: '55P03',
  invalidTextRepresentation: '22P02',
  numericValueOutOfRange: '22003',
  /** Raised by ordo_refuse_if (migration 0008): a one-statement stock change refused some rows. */
  stockRefused: 'OR409',
} as const;

export interface PgError {
  code: string;
  constraint?: string;
  detail?: string;
  table?: string;
}

export const isPgError = (e: unknown, code?: string): e is PgError =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) &&
  (code === undefined || e.code === code);

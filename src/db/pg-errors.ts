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

/**
 * The database could not take the request at all: too many connections (53300), other insufficient resources
 * (class 53), starting up or shutting down (57P01–57P03), or a connection failure (class 08).
 */
export const isOverloaded = (code: string): boolean => code.startsWith('53') || code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code);

export interface PgError {
  code: string;
  constraint?: string;
  detail?: string;
  table?: string;
}

export const isPgError = (e: unknown, code?: string): e is PgError =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) &&
  (code === undefined || e.code === code);

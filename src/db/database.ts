import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './types.js';

export type Db = Kysely<DB>;
export type Trx = Transaction<DB>;
/** A function that accepts either may run inside or outside a transaction; one that takes `Trx` must run inside. */
export type DbOrTrx = Db | Trx;

// int8 (bigint, count(*)) arrives as a string by default. Ordo's counts and minor-unit amounts fit in 2^53, and a
// value that does not is an error worth failing loudly on rather than a silent precision loss.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} does not fit in a JavaScript number`);
  return n;
});
// A DATE is a calendar day, not an instant: keep it as 'YYYY-MM-DD' rather than a Date at local midnight.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
// numeric is used for ratios (weeks of supply, percentages): a JS number is precise enough there.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value));

export interface DatabaseHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDatabase(url: string, opts: { poolMax?: number; applicationName?: string } = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolMax ?? 10,
    application_name: opts.applicationName ?? 'ordo',
    // A connection that waits longer than this for the pool is a sign of overload: fail the request, don't queue forever.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server (a restart) emits 'error'; without a listener that would crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    close: () => db.destroy(),
  };
}

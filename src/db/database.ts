import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { DB } from './types.js';

export type Db = Kysely<DB>;
export type Trx = Transaction<DB>;
/** A function that accepts either may run inside or outside a transaction; one that takes `Trx` must run inside. */
export type DbOrTrx = Db | Trx;

/** The transaction a step needs, from a handle that may be the pool (an autocommit attempt): fails loudly if it is. */
export function inTransaction(db: DbOrTrx): Trx {
  if (!db.isTransaction) throw new Error('this step must run inside a transaction, and was given the pool');
  return db as Trx;
}

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

/**
 * The hot paths (capture, reservations, movements) are large CTE statements whose text never changes — only their
 * parameters do. Planning one costs ~1 ms of database CPU, more than executing parts of it, so such statements run as
 * named prepared statements: parsed once per connection, and planned once when PostgreSQL finds a generic plan as
 * good. Only long statements starting with WITH are named: their number is small and fixed (the texts come from the
 * code, not from data), whereas short builder queries with IN lists vary with their list's length. A short statement
 * of fixed text asks for the same by starting with `PREPARED` (a comment): the compact availability read, whose
 * custom plan for 1,000 ids cost as much as running it.
 */
const PREPARE_MIN_LENGTH = 800;
export const PREPARED = '/* prepared */';
// Statement texts come from the code, so they are few: each one's name is made once (a SHA-1 per call was measurable).
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `ordo_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    if (statementNames.size < 10_000) statementNames.set(text, name);
  }
  return name;
}

function prepareLargeStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === 'string' && Array.isArray(values)
      && (config.startsWith(PREPARED) || (config.length >= PREPARE_MIN_LENGTH && /^\s*WITH\b/i.test(config)))) {
      const name = statementName(config);
      return query({ name, text: config, values }, callback);
    }
    return query(config, values, callback);
  };
}

export interface DatabaseHandle {
  db: Db;
  pool: pg.Pool;
  /** For batched hot-path writes only (see createDatabase). */
  batchDb: Db;
  batchPool: pg.Pool;
  close(): Promise<void>;
}

export function createDatabase(url: string, opts: { poolMax?: number; applicationName?: string } = {}): DatabaseHandle {
  const name = opts.applicationName ?? 'ordo';
  const pool = createPool(url, { max: opts.poolMax ?? 10, applicationName: name, genericPlans: false });
  // The batched hot paths (src/db/batcher.ts: one fixed statement per batch of requests) write through connections
  // of their own that always run the generic plan of their named statements: PostgreSQL's own choice kept planning
  // them again at every call (1-2.5 ms, more than a small batch's work). Everything else keeps plans made for its
  // parameters (order search, lists). Capture runs one batch at a time (ADR 0014) and publishes the stock signals of
  // the one before while it runs (ADR 0013); reservations write one batch at a time; one to spare: four. The publish
  // must not use the request pool, where a bulk request holds a connection while its orders wait for it.
  const batchPool = createPool(url, { max: 4, applicationName: `${name}-batch`, genericPlans: true });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const batchDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool: batchPool }) });
  return {
    db,
    pool,
    batchDb,
    batchPool,
    close: async () => {
      await Promise.all([db.destroy(), batchDb.destroy()]);
    },
  };
}

function createPool(url: string, opts: { max: number; applicationName: string; genericPlans: boolean }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max,
    application_name: opts.applicationName,
    // JIT compilation pays off for long analytical queries, never for Ordo's short transactional ones: on a server
    // with JIT enabled, the ATP query's cost estimate made PostgreSQL 15 spend ~700 ms compiling it on every call.
    options: opts.genericPlans ? '-c jit=off -c plan_cache_mode=force_generic_plan' : '-c jit=off',
    // A connection that waits longer than this for the pool is a sign of overload: fail the request, don't queue forever.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server (a restart) emits 'error'; without a listener that would crash the process.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => prepareLargeStatements(client));
  return pool;
}

/**
 * A Kysely handle on one connection taken from the pool, for work that needs that connection's own state across
 * statements and transactions (a temporary table filled by COPY, then read in a transaction: the stock snapshot).
 * The caller releases the client; releasing a query's connection here does nothing.
 */
export function connectionDb(client: pg.PoolClient): Db {
  const handle = { query: client.query.bind(client), release: () => undefined };
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: { connect: () => Promise.resolve(handle), end: () => Promise.resolve() } }) });
}

/**
 * `ordo check`: verifies the invariants that the schema alone cannot hold. Each module adds its checks to the list;
 * a check returns one line per drift it finds.
 *
 * The checks read whole tables (millions of rows on a real database), so they must not depend on the planner's
 * statistics being current: with stale ones (autovacuum off, right after a load) PostgreSQL took the LIMIT 100 of a
 * check that finds nothing for a promise of early rows and chose a nested loop, quadratic in the table sizes
 * (4.5 min at 36,000 orders). Each check therefore runs in a read-only transaction of its own on one connection, with
 * nested loops off unless it says it needs them (keyed lookups), a statement timeout, and a cancel of its statement
 * on the server when the caller aborts (SIGINT/SIGTERM of `ordo check`): a killed client must not leave its query
 * running.
 */
import { sql } from 'kysely';
import type { Db } from './db/database.js';
import type { Check } from './db/check.js';
import { pendingMigrations } from './db/migrate.js';
import { isPgError } from './db/pg-errors.js';
import { rateChecks } from './fulfillment/index.js';
import { integrationChecks } from './integration/index.js';
import { connectorChecks } from './connector/index.js';
import { notificationChecks } from './notification/index.js';
import { fulfillmentChecks } from './fulfillment/index.js';
import { sourcingChecks } from './sourcing/index.js';
import { inventoryChecks } from './inventory/index.js';
import { orderChecks } from './order/index.js';
import { paymentChecks } from './payment/index.js';
import { returnChecks } from './returns/index.js';

export type { Check } from './db/check.js';

/** Per statement of a check; a check that needs longer is reported as not finished, and the others still run. */
export const DEFAULT_CHECK_STATEMENT_TIMEOUT_MS = 120_000;

export interface CheckOptions {
  statementTimeoutMs?: number;
  /** Aborting cancels the running statement on the server, and runChecks rejects with CheckInterrupted. */
  signal?: AbortSignal;
}

export interface CheckReport {
  /** True when every check ran to its end and found no drift. */
  ok: boolean;
  lines: string[];
}

export class CheckInterrupted extends Error {
  constructor() {
    super('ordo check was interrupted; its running statement was cancelled on the server');
    this.name = 'CheckInterrupted';
  }
}

/** SQLSTATE query_canceled: a statement timeout or a cancel request ended the statement. */
const QUERY_CANCELED = '57014';

const checks: Check[] = [
  {
    name: 'migrations applied',
    run: async (db) => (await pendingMigrations(db)).map((m) => `migration ${m} is not applied`),
  },
  {
    name: 'idempotency keys have their response',
    // The response is stored in the transaction that claimed the key, so a committed key without one means a bug.
    run: async (db) => {
      const rows = await sql<{ key: string }>`SELECT key FROM idempotency_keys WHERE response_status IS NULL LIMIT 100`.execute(db);
      return rows.rows.map((r) => `idempotency key ${r.key} has no stored response`);
    },
  },
];

export const allChecks: readonly Check[] = [...checks, ...inventoryChecks, ...orderChecks, ...paymentChecks, ...returnChecks, ...integrationChecks, ...notificationChecks, ...fulfillmentChecks, ...sourcingChecks, ...rateChecks, ...connectorChecks];

export async function runChecks(db: Db, all: readonly Check[] = allChecks, opts: CheckOptions = {}): Promise<CheckReport> {
  const timeoutMs = opts.statementTimeoutMs ?? DEFAULT_CHECK_STATEMENT_TIMEOUT_MS;
  const lines: string[] = [];
  let ok = true;
  for (const check of all) {
    if (opts.signal?.aborted) throw new CheckInterrupted();
    let drifts: string[];
    try {
      drifts = await runOne(db, check, timeoutMs, opts.signal);
    } catch (e) {
      if (opts.signal?.aborted) throw new CheckInterrupted();
      // A check that cannot finish proves nothing: say so and go on with the others (exit code 1 all the same).
      ok = false;
      const why = isPgError(e, QUERY_CANCELED)
        ? `did not finish within the statement timeout of ${timeoutMs / 1000} s (ordo check --statement-timeout)`
        : `could not run: ${e instanceof Error ? e.message : String(e)}`;
      lines.push(`FAIL  ${check.name}`, `      ${why}`);
      continue;
    }
    if (drifts.length === 0) lines.push(`ok    ${check.name}`);
    else {
      ok = false;
      lines.push(`DRIFT ${check.name}`, ...drifts.map((d) => `      ${d}`));
    }
  }
  return { ok, lines };
}

async function runOne(db: Db, check: Check, timeoutMs: number, signal: AbortSignal | undefined): Promise<string[]> {
  return db.connection().execute((conn) =>
    conn.transaction().setAccessMode('read only').execute(async (trx) => {
      // One round trip: the settings last until this transaction ends; the pid is what a cancel names.
      const { pid } = (await sql<{ pid: number }>`
        SELECT set_config('statement_timeout', ${String(timeoutMs)}, true),
               set_config('enable_nestloop', ${check.keyedLookups ? 'on' : 'off'}, true),
               pg_backend_pid() AS pid`.execute(trx)).rows[0]!;
      // The cancel goes through another connection of the pool: this one is busy with the statement to cancel.
      const cancel = () => void sql`SELECT pg_cancel_backend(${pid}::int)`.execute(db).catch(() => undefined);
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        if (signal?.aborted) throw new CheckInterrupted();
        return await check.run(trx);
      } finally {
        signal?.removeEventListener('abort', cancel);
      }
    }),
  );
}

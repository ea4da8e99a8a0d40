/**
 * `ordo check`: verifies the invariants that the schema alone cannot hold. Each module adds its checks to the list;
 * a check returns one line per drift it finds.
 */
import { sql } from 'kysely';
import type { Db } from './db/database.js';
import { pendingMigrations } from './db/migrate.js';
import { inventoryChecks } from './inventory/index.js';
import { orderChecks } from './order/index.js';

export interface Check {
  name: string;
  run(db: Db): Promise<string[]>;
}

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

export async function runChecks(db: Db, all: readonly Check[] = [...checks, ...inventoryChecks, ...orderChecks]): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  for (const check of all) {
    const drifts = await check.run(db);
    if (drifts.length === 0) lines.push(`ok    ${check.name}`);
    else {
      ok = false;
      lines.push(`DRIFT ${check.name}`, ...drifts.map((d) => `      ${d}`));
    }
  }
  return { ok, lines };
}

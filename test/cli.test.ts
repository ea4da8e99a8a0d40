/** The `ordo` command against a real database (needs `npm run build`, which `npm test` runs first). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './harness.js';

let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(() => database?.drop());

function ordo(...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve('bin/ordo.js'), ...args], {
    env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout + result.stderr };
}

describe('the ordo command', () => {
  it('seeds the demo, creates a key, runs a job, and checks the invariants', () => {
    expect(ordo('seed', '--demo')).toMatchObject({ code: 0, out: expect.stringContaining('200 SKUs') });
    const key = ordo('apikey', 'create', '--role', 'viewer', '--name', 'cli test');
    expect(key.code).toBe(0);
    expect(key.out).toMatch(/^ordo_[A-Za-z0-9_-]{43}$/m);
    expect(ordo('apikey', 'create', '--role', 'king', '--name', 'x').code).not.toBe(0);
    expect(ordo('jobs', 'run', 'reservations.expire')).toMatchObject({ code: 0, out: expect.stringContaining('"expired":0') });
    const ok = ordo('check');
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).not.toContain('DRIFT');
  });

  it('ordo check exits 1 and names the drift when a counter no longer matches its ledger', async () => {
    // A change behind Ordo's back: on hand moved without a ledger row.
    const changed = await sql<{ sku: string; location: string }>`
      UPDATE stock_levels s SET on_hand = on_hand + 7
      FROM (SELECT sku_id, location_id FROM stock_levels ORDER BY sku_id, location_id LIMIT 1) one, skus k, locations l
      WHERE s.sku_id = one.sku_id AND s.location_id = one.location_id AND k.id = s.sku_id AND l.id = s.location_id
      RETURNING k.code AS sku, l.code AS location`.execute(database.db);
    const row = changed.rows[0]!;
    const drift = ordo('check');
    expect(drift.code).toBe(1);
    expect(drift.out).toContain('DRIFT stock counters equal the sum of the movement ledger');
    expect(drift.out).toContain(`${row.sku} @ ${row.location}: on hand`);
  });
});

/**
 * `ordo check` on a database of realistic size with stale planner statistics, and interrupted mid-query.
 * (needs `npm run build`, which `npm test` runs first: the interrupted check is the real `ordo` process)
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { applyMovements } from '../src/inventory/stock.repository.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
/** Order lines, each with its open reservation: enough that a quadratic plan takes minutes, a linear one < 1 s. */
const CLONES = 40_000;

beforeAll(async () => {
  await seedOrderWorld(t);
  const captured = await t.http('POST', '/v1/orders', { key: 'integration', body: anOrder({}, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 1000 }]) });
  expect(captured.status).toBe(201);
  // Statistics taken while the tables held one order and never refreshed (autovacuum off): as after a capture load on
  // a server that does not run autovacuum.
  for (const table of ['orders', 'order_lines', 'reservations']) {
    await sql`ALTER TABLE ${sql.table(table)} SET (autovacuum_enabled = false)`.execute(t.db);
  }
  await sql`ANALYZE orders, order_lines, reservations`.execute(t.db);
  // The captured order's line, cloned into the same order with new ids: each clone allocated and held by an open
  // reservation, and the order's totals grown to match.
  await sql`
    WITH l AS (SELECT * FROM order_lines WHERE order_id = ${captured.body.id}::uuid),
    r AS (SELECT * FROM reservations WHERE reference_type = 'order_line' AND reference_id = (SELECT id::text FROM l)),
    g AS MATERIALIZED (SELECT i, gen_random_uuid() AS line_id FROM generate_series(2, ${CLONES + 1}::int) AS i),
    ins_lines AS (
      INSERT INTO order_lines (id, order_id, line_no, sku_id, location_id, quantity, allocated, unit_price_minor)
      SELECT g.line_id, l.order_id, g.i, l.sku_id, l.location_id, l.quantity, l.allocated, l.unit_price_minor FROM l, g
    ),
    ins_reservations AS (
      INSERT INTO reservations (id, sku_id, location_id, channel_id, quantity, status, reference_type, reference_id)
      SELECT gen_random_uuid(), r.sku_id, r.location_id, r.channel_id, r.quantity, r.status, r.reference_type, g.line_id::text FROM r, g
    )
    UPDATE orders SET subtotal_minor = subtotal_minor + ${CLONES * 1000}, total_minor = total_minor + ${CLONES * 1000}
    WHERE id = ${captured.body.id}::uuid
  `.execute(t.db);
  const sku = await t.db.selectFrom('order_lines').select(['sku_id', 'location_id']).where('order_id', '=', captured.body.id).executeTakeFirstOrThrow();
  await t.db.transaction().execute(async (trx) => {
    const { refused } = await applyMovements(trx, [
      { skuId: sku.sku_id, locationId: sku.location_id!, onHand: CLONES, reason: 'receipt', referenceType: 'test', referenceId: 'clones' },
      { skuId: sku.sku_id, locationId: sku.location_id!, reserved: CLONES, reason: 'reservation', referenceType: 'test', referenceId: 'clones' },
    ], { guard: 'stock', actor: 'test' });
    expect(refused).toEqual([]);
  });
}, 120_000);

describe('ordo check at scale', () => {
  it('finishes on tens of thousands of orders whatever the statistics say, and finds every invariant intact', async () => {
    // The old check picked a nested loop here (lines x reservations: minutes); it must not need its timeout.
    const report = await runChecks(t.db, undefined, { statementTimeoutMs: 25_000 });
    expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
    expect(report.ok).toBe(true);
  }, 40_000);

  it('reports drift in the order lines it compares, including a reservation whose line does not exist', async () => {
    const line = await t.db.selectFrom('order_lines as l').innerJoin('orders as o', 'o.id', 'l.order_id')
      .select(['l.id', 'l.line_no', 'o.number']).orderBy('l.id').limit(1).executeTakeFirstOrThrow();
    const ghost = '00000000-0000-7000-8000-000000000000';
    // Behind Ordo's back: the line's reservation now points at a line that never existed.
    const moved = () => t.db.updateTable('reservations').set({ reference_id: ghost })
      .where('reference_type', '=', 'order_line').where('reference_id', '=', line.id).execute();
    await moved();
    try {
      const report = await runChecks(t.db, undefined, { statementTimeoutMs: 25_000 });
      expect(report.ok).toBe(false);
      const at = report.lines.indexOf('DRIFT every order line\'s allocated units equal its open reservations');
      expect(at, report.lines.join('\n')).toBeGreaterThan(0);
      expect(report.lines.slice(at + 1, at + 3).sort()).toEqual([
        `      order ${line.number} line ${line.line_no}: allocated 1 but open reservations hold 0`,
        `      order line ${ghost} (no such line): allocated 0 but open reservations hold 1`,
      ].sort());
    } finally {
      await t.db.updateTable('reservations').set({ reference_id: line.id })
        .where('reference_type', '=', 'order_line').where('reference_id', '=', ghost).execute();
    }
  }, 40_000);

  it('reports a check that does not finish within its statement timeout, and still runs the others', async () => {
    const slow = { name: 'a check that takes too long', run: async (db: typeof t.db) => { await sql`SELECT pg_sleep(5)`.execute(db); return []; } };
    const quick = { name: 'a quick check', run: () => Promise.resolve([]) };
    const report = await runChecks(t.db, [slow, quick], { statementTimeoutMs: 200 });
    expect(report).toEqual({
      ok: false,
      lines: ['FAIL  a check that takes too long', '      did not finish within the statement timeout of 0.2 s (ordo check --statement-timeout)', 'ok    a quick check'],
    });
  });
});

describe('an interrupted ordo check', () => {
  it.each([['SIGTERM', 143], ['SIGINT', 130]] as const)('cancels its query on the server when it gets %s', async (signal, exitCode) => {
    // A session that holds a table the check reads: the check's query waits on the server until it is cancelled.
    const blocker = new pg.Client({ connectionString: t.database.url });
    await blocker.connect();
    // pg_stat_activity is read once per transaction: the blocker's own view would never change.
    const observer = new pg.Client({ connectionString: t.database.url });
    await observer.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE');
      const child = spawn(process.execPath, [path.resolve('bin/ordo.js'), 'check'], {
        env: { ...process.env, DATABASE_URL: t.database.url, LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const checkQueries = async () => (await observer.query<{ query: string }>(
        `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ordo-cli' AND state <> 'idle'`)).rows;
      const waiting = async () => (await checkQueries()).some((q) => q.query.includes('idempotency_keys'));
      for (let i = 0; !(await waiting()); i++) {
        if (i > 600) {
          const activity = await observer.query(`SELECT application_name, state, wait_event_type, left(query, 60) AS query FROM pg_stat_activity WHERE datname = current_database()`);
          throw new Error(`the check never started its query: ${output} ${JSON.stringify(activity.rows)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }

      child.kill(signal);
      expect(await exited, output).toBe(exitCode);
      expect(output).toContain('interrupted');
      // Nothing of the check is left on the server, though the lock it waited for is still held.
      expect(await checkQueries()).toEqual([]);
    } finally {
      await Promise.all([blocker.end(), observer.end()]);
    }
  }, 60_000);
});

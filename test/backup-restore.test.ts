/**
 * The restore drill: seed, back up, restore into another (empty) database, compare every table's rows, run
 * `ordo check`. And the backups a restore refuses: truncated, from a newer schema, into a database that is not empty.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allChecks, runChecks } from '../src/check.js';
import { createDatabase } from '../src/db/database.js';
import { backupDatabase, BackupError, restoreDatabase } from '../src/transfer/index.js';
import { withDatabase } from './global-setup.js';
import { invalidEvents, useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const dir = mkdtempSync(path.join(tmpdir(), 'ordo-backup-'));
const file = path.join(dir, 'ordo.backup');
const created: string[] = [];

async function admin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: inject('ordoTestDb').adminUrl });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** A new, empty database (no Ordo schema), dropped after the file. */
async function emptyDatabase(): Promise<string> {
  const name = `ordo_restore_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0`));
  created.push(name);
  return withDatabase(inject('ordoTestDb').adminUrl, name);
}

async function tableCounts(url: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = (await c.query<{ name: string }>(`SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND relname NOT LIKE 'kysely%' ORDER BY 1`)).rows;
    const counts: Record<string, number> = {};
    for (const { name } of tables) counts[name] = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"`)).rows[0]?.n);
    return counts;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await seedOrderWorld(t);
  for (let i = 0; i < 5; i++) expect((await t.http('POST', '/v1/orders', { body: anOrder() })).status).toBe(201);
  const order = await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-B', quantity: 1, unitPriceMinor: 700 }]) });
  await t.http('POST', `/v1/orders/${order.body.id}/cancel`, { body: { reason: 'customer asked' } });
  await t.http('POST', '/v1/customers', { body: { email: 'restore@example.com', name: '恢复 测试' } });
  await t.http('POST', '/v1/imports/orders', {
    headers: { 'content-type': 'text/csv' },
    body: 'channel,externalRef,status,placedAt,currency,customerName,customerEmail,sku,quantity,unitPriceMinor\nWEB,OLD-1,completed,2023-05-01,EUR,Old Customer,old@example.com,ORD-A,2,1500\n',
  });
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const name of created) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
});

describe('the restore drill', () => {
  it('backs up, restores into an empty database with the same rows in every table, and ordo check is clean', async () => {
    const summary = await backupDatabase(t.database.url, file);
    expect(summary.schemaVersion).toMatch(/^\d{4}_/);
    expect(summary.rows).toBeGreaterThan(20);
    const target = await emptyDatabase();
    const restored = await restoreDatabase(target, file);
    expect(restored).toMatchObject({ schemaVersion: summary.schemaVersion, rows: summary.rows, migratedAfter: [] });
    expect(await tableCounts(target)).toEqual(await tableCounts(t.database.url));

    const handle = createDatabase(target, { poolMax: 4 });
    try {
      const report = await runChecks(handle.db, allChecks);
      expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
      expect(await invalidEvents(handle.db)).toEqual([]);
      // The restored database goes on: a new order gets the next number, after the restored ones.
      const numbers = await handle.db.selectFrom('orders').select('number').execute();
      const seq = await handle.db.selectNoFrom((eb) => eb.fn('nextval', [eb.val('order_number_seq')]).as('n')).executeTakeFirstOrThrow();
      expect(Number(seq.n)).toBeGreaterThan(Math.max(...numbers.map((n) => Number(n.number.replace(/\D/g, '')))));
    } finally {
      await handle.close();
    }
  });

  it('refuses a truncated backup and leaves the database empty', async () => {
    const whole = readFileSync(file);
    const cut = path.join(dir, 'cut.backup');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const target = await emptyDatabase();
    const error = await restoreDatabase(target, cut).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toMatch(/cut\.backup is truncated or damaged .*nothing was restored/);
    expect(await tableCounts(target)).toEqual({});
  });

  it('refuses a backup whose schema is newer than this code knows', async () => {
    const text = gunzipSync(readFileSync(file));
    const firstLines = text.indexOf(0x0a, text.indexOf(0x0a) + 1);
    const manifest = JSON.parse(text.subarray(text.indexOf(0x0a) + 1, firstLines).toString()) as { migrations: string[]; schemaVersion: string };
    manifest.migrations.push('9999_from_the_future');
    manifest.schemaVersion = '9999_from_the_future';
    const newer = path.join(dir, 'newer.backup');
    writeFileSync(newer, gzipSync(Buffer.concat([Buffer.from(`ORDO-BACKUP 1\n${JSON.stringify(manifest)}`), text.subarray(firstLines)])));
    const target = await emptyDatabase();
    const error = await restoreDatabase(target, newer).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^the backup's schema \(9999_from_the_future\) is newer than this Ordo knows .*Nothing was restored$/);
    expect(await tableCounts(target)).toEqual({});
  });

  it('refuses a database that is not empty, and a file that is no backup', async () => {
    expect((await restoreDatabase(t.database.url, file).catch((e: unknown) => e) as Error).message).toMatch(/^the database is not empty/);
    const other = path.join(dir, 'other.csv');
    writeFileSync(other, 'code,name\n');
    expect((await restoreDatabase(await emptyDatabase(), other).catch((e: unknown) => e) as Error).message).toMatch(/truncated or damaged|not an Ordo backup/);
  });
});

function ordo(url: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve('bin/ordo.js'), ...args], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 120_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('the ordo command (needs npm run build)', () => {
  it('imports and exports files, backs up and restores, ending with ordo check', async () => {
    const csvFile = path.join(dir, 'skus.csv');
    writeFileSync(csvFile, 'code,name,priceMinor,currency\nCLI-1,From the command,990,EUR\nCLI-2,,990,EUR\n');
    const refused = ordo(t.database.url, 'import', 'skus', csvFile);
    expect(refused).toMatchObject({ code: 1, out: expect.stringContaining('row 3, name: required: give a value') });
    expect(refused.out).toContain('nothing imported (skus)');
    const kept = ordo(t.database.url, 'import', 'skus', csvFile, '--keep-good');
    expect(kept.out).toContain('imported skus: 2 rows read (csv, utf-8); created 1');
    const exported = ordo(t.database.url, 'export', 'skus', '--format', 'csv');
    expect(exported.code).toBe(0);
    expect(exported.out).toContain('CLI-1,From the command,,,,,,990,EUR,true,');

    const backup = path.join(dir, 'cli.backup');
    expect(ordo(t.database.url, 'backup', backup)).toMatchObject({ code: 0, out: expect.stringMatching(/^backup written to .*: schema \d{4}_/) });
    const restored = ordo(await emptyDatabase(), 'restore', backup);
    expect(restored.code, restored.err).toBe(0);
    expect(restored.out).toMatch(/^restored .*cli\.backup: schema/);
    expect(restored.out).toContain('ok');
    expect(ordo(t.database.url, 'restore', backup)).toMatchObject({ code: 1, err: expect.stringContaining('the database is not empty') });
  }, 180_000); // seven `ordo` processes one after another: over 60 s when the machine runs two test suites at once
});

/**
 * Test helpers: a fresh database per test file (a copy of the migrated template), the app built in-process on it,
 * one API key per role, and a small HTTP client over app.inject.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createApiKey } from '../src/access/create-api-key.js';
import { roles, type Role } from '../src/access/permissions.js';
import { buildApp, type App } from '../src/app.js';
import { createDatabase, type DatabaseHandle, type Db } from '../src/db/database.js';
import { eventProblems } from '../src/integration/event.js';
import { withDatabase } from './global-setup.js';
import { recordObservedStatuses } from './observed-statuses.js';

export interface TestDatabase {
  url: string;
  name: string;
  handle: DatabaseHandle;
  db: Db;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl, template } = inject('ordoTestDb');
  const pid = template.split('_').at(-1) ?? '0';
  const name = `ordo_test_${pid}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const handle = createDatabase(url, { poolMax: 40 });
  return {
    url,
    name,
    handle,
    db: handle.db,
    async drop() {
      // Every event this file's scenarios wrote must match the contract (docs/events.md): checked before the database goes.
      const invalid = await invalidEvents(handle.db).catch((e: unknown) => [`reading the outbox failed: ${String(e)}`]);
      await handle.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      if (invalid.length > 0) throw new Error(`events that break their schema (src/*/…-events.ts):\n${invalid.join('\n')}`);
    },
  };
}

/** Outbox rows whose type, aggregate or payload break the event contract, as lines naming the event and the fault. */
export async function invalidEvents(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('outbox_events').select(['id', 'type', 'aggregate_type', 'payload']).orderBy('id').execute();
  return rows.flatMap((row) => eventProblems(row).map((p) => `${row.type} #${row.id} ${JSON.stringify(row.payload).slice(0, 300)}: ${p}`)).slice(0, 50);
}

/**
 * Waits until every outbox row written so far can be read by a relay round. A round reads only transactions below
 * its snapshot's xmin (ADR 0010), and a writer anywhere in the cluster — another test file's — holds that back for a
 * moment; a test that asserts what one round coalesces waits for this first.
 */
export async function untilOutboxReadable(db: Db, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    const r = await sql<{ ok: boolean }>`SELECT coalesce(max(tx) < pg_snapshot_xmin(pg_current_snapshot()), true) AS ok FROM outbox_events`.execute(db);
    if (r.rows[0]?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`outbox rows still held back after ${timeoutMs} ms`);
}

/** The capture batches' decisions so far, by decision, from the app's /metrics (ordo_capture_batch_decisions_total). */
export async function captureDecisions(app: App): Promise<Record<string, number>> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^ordo_capture_batch_decisions_total\{decision="(\w+)"\} (\d+)/gm)) counts[m[1] as string] = Number(m[2]);
  return counts;
}

export interface HttpOptions {
  /** A role (its test key is used), a literal key, or null for no Authorization header. Default: admin. */
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HttpResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

export interface TestApp {
  app: App;
  db: Db;
  database: TestDatabase;
  keys: Record<Role, string>;
  http<T = any>(method: string, url: string, opts?: HttpOptions): Promise<HttpResponse<T>>;
}

/** Registers beforeAll/afterAll for the file and returns the (lazily filled) test app. */
export function useTestApp(): TestApp {
  const t = {} as TestApp;
  beforeAll(async () => {
    t.database = await createTestDatabase();
    t.db = t.database.db;
    t.app = await buildApp({
      db: t.db,
      pool: t.database.handle.pool,
      batchDb: t.database.handle.batchDb,
      batchPool: t.database.handle.batchPool,
      config: {
        bodyLimitBytes: 4 * 1024 * 1024, apiKeyCacheMs: 0, syncHoldUnits: 100, syncHoldPercent: 50, webhookAllowPrivateAddresses: true, eventStreamMaxMs: 3_000,
        connectorSecretKey: Buffer.alloc(32, 7),
      },
      // ORDO_TEST_LOG=error shows the server's own errors (the stack behind a 500) while debugging a test.
      logger: process.env.ORDO_TEST_LOG ? pino({ level: process.env.ORDO_TEST_LOG }) : false,
    });
    t.keys = {} as Record<Role, string>;
    await t.db.transaction().execute(async (trx) => {
      for (const role of roles) t.keys[role] = (await createApiKey(trx, { name: `test ${role}`, role, createdBy: null })).key;
    });
    t.http = async (method, url, opts = {}) => {
      const key = opts.key === undefined ? 'admin' : opts.key;
      const headers: Record<string, string> = { ...opts.headers };
      if (key !== null) headers.authorization = `Bearer ${(t.keys as Record<string, string>)[key] ?? key}`;
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(opts.body !== undefined && (typeof opts.body === 'string' ? { payload: opts.body } : { payload: opts.body as object })),
      });
      const type = String(res.headers['content-type'] ?? '');
      return {
        status: res.statusCode,
        body: (type.includes('json') ? res.json() : res.body) as never,
        headers: res.headers,
      };
    };
  });
  afterAll(async () => {
    // What this file's requests were answered with, for the run's check against /openapi.json (global-setup.ts).
    if (t.app) await recordObservedStatuses(t.app, inject('ordoObservedDir'), expect.getState().testPath ?? 'unknown');
    await t.app?.close();
    await t.database?.drop();
  });
  return t;
}

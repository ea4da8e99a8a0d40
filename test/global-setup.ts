/**
 * Starts the test database server once per run and prepares a migrated template database; each test file then
 * copies the template into its own database (test/harness.ts), so files never see each other's rows.
 *
 * The server is the one in DATABASE_URL when set, otherwise an embedded PostgreSQL in a temporary folder (fsync off:
 * it is thrown away).
 */
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../src/db/database.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { undeclaredStatuses } from './observed-statuses.js';

declare module 'vitest' {
  export interface ProvidedContext {
    ordoTestDb: { adminUrl: string; template: string };
    /** Where each test file records the statuses its app answered (test/observed-statuses.ts). */
    ordoObservedDir: string;
  }
}

export default async function setup(project: TestProject) {
  let adminUrl: string;
  let stopServer = (): Promise<void> => Promise.resolve();
  const given = process.env.DATABASE_URL;
  if (given) {
    adminUrl = given;
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ordo-test-'));
    chmodSync(dir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), unsafeFast: true, ephemeral: true });
    adminUrl = server.adminUrl;
    stopServer = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }

  const template = `ordo_test_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  const templateUrl = withDatabase(adminUrl, template);
  const database = createDatabase(templateUrl, { poolMax: 2 });
  await migrateToLatest(database.db);
  // A template must have no open connections while it is being copied.
  await database.close();

  project.provide('ordoTestDb', { adminUrl, template });
  const observedDir = mkdtempSync(path.join(os.tmpdir(), 'ordo-observed-'));
  project.provide('ordoObservedDir', observedDir);

  return async () => {
    // Drop the template and any per-file database a crashed test file left behind.
    const left = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'ordo_test_%${process.pid}%'`,
    );
    for (const { datname } of left.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
    await stopServer();
    const undeclared = undeclaredStatuses(observedDir);
    rmSync(observedDir, { recursive: true, force: true });
    if (undeclared.length > 0) {
      // A teardown's exception is only logged; the exit code is what fails the run (and CI).
      process.exitCode = 1;
      console.error(
        `\nFAIL: routes answered with statuses /openapi.json does not declare for them (declare each in the route's ` +
        `schema.response; see docs/conventions.md):\n  ${undeclared.join('\n  ')}\n`,
      );
    }
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

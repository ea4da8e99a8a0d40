/**
 * When the database refuses connections (too many clients, restarting), a request gets 503 `unavailable` with
 * Retry-After, not a 500: nothing was done and the same request may pass a moment later.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createDatabase } from '../src/db/database.js';
import { useTestApp } from './harness.js';

const t = useTestApp();

it('answers 503 unavailable with Retry-After when the database refuses a connection', async () => {
  // A role that may open no connection at all: PostgreSQL answers 53300, as when max_connections is reached.
  const role = `ordo_full_${randomBytes(4).toString('hex')}`;
  await sql.raw(`CREATE ROLE ${role} LOGIN PASSWORD 'full' CONNECTION LIMIT 0`).execute(t.db);
  const url = new URL(t.database.url);
  url.username = role;
  url.password = 'full';
  const handle = createDatabase(url.toString(), { poolMax: 2 });
  const app = await buildApp({
    db: handle.db, pool: handle.pool, batchDb: handle.batchDb, batchPool: handle.batchPool,
    config: { bodyLimitBytes: 1024 * 1024, apiKeyCacheMs: 0, syncHoldUnits: 100, syncHoldPercent: 50, webhookAllowPrivateAddresses: true, eventStreamMaxMs: 3_000 },
    logger: false,
  });
  try {
    const res = await app.inject({ method: 'GET', url: '/v1/skus', headers: { authorization: `Bearer ${t.keys.admin}` } });
    expect([res.statusCode, res.headers['retry-after'], res.json().code]).toEqual([503, '1', 'unavailable']);
    expect(res.json().detail).toContain('send the same request again');
  } finally {
    await app.close();
    await handle.close();
    await sql.raw(`DROP ROLE ${role}`).execute(t.db);
  }
});

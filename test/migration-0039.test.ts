/**
 * Migration 0039 (ADR 0010) on a database that has the dispatcher's numbering: every existing row goes ahead of every
 * new one (tx 0), and each sink's position becomes a key before the first row it had not passed.
 */
import { Migrator, sql } from 'kysely';
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { createDatabase } from '../src/db/database.js';
import { migrations } from '../src/db/migrations/index.js';

it('maps sinks\' positions onto (tx, id) keys: nothing they had not passed is skipped', async () => {
  const { adminUrl } = inject('ordoTestDb');
  const name = `m0039_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const h = createDatabase(url.toString(), { poolMax: 2 });
  try {
    const migrator = new Migrator({ db: h.db, provider: { getMigrations: () => Promise.resolve(migrations) } });
    expect((await migrator.migrateTo('0038_dispatch_function')).error).toBeUndefined();
    // Given six events, ids 1, 2, 3 and 5 numbered 1, 2, 4, 3 (5 committed before 3), 4 and 6 not numbered yet...
    for (let i = 1; i <= 6; i++) {
      await sql`INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload) VALUES ('x', 'a', ${String(i)}, 1, '{}')`.execute(h.db);
    }
    await sql`UPDATE outbox_events SET relayed_at = now(), position = CASE id WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 4 WHEN 5 THEN 3 END
      WHERE id IN (1, 2, 3, 5)`.execute(h.db);
    await sql`UPDATE relay_state SET position = 4`.execute(h.db);
    // ...and sinks at positions 3, 4 and 0.
    await sql`INSERT INTO event_sinks (sink, kind, event_types, position) VALUES ('at3', 'nats', '{*}', 3), ('at4', 'nats', '{*}', 4), ('at0', 'nats', '{*}', 0)`.execute(h.db);
    // When 0039 runs:
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    // At 3 it had passed 1, 2 and 5: it resumes after 2 (5 comes again, same id); at 4 after 3; at 0 from the start.
    const sinks = (await sql<{ sink: string; after_tx: string; after_id: string }>`SELECT sink, after_tx, after_id FROM event_sinks ORDER BY sink`.execute(h.db)).rows;
    expect(sinks.map((s) => [s.sink, s.after_tx, Number(s.after_id)])).toEqual([['at0', '0', 0], ['at3', '0', 2], ['at4', '0', 3]]);
    expect((await sql<{ tx: string }>`SELECT DISTINCT tx FROM outbox_events`.execute(h.db)).rows).toEqual([{ tx: '0' }]);
    // A new event comes after every old one.
    await sql`INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload) VALUES ('x', 'a', '7', 1, '{}')`.execute(h.db);
    const order = (await sql<{ id: string }>`SELECT id FROM outbox_events ORDER BY tx, id`.execute(h.db)).rows.map((r) => Number(r.id));
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await sql<{ newer: boolean }>`SELECT tx > '0'::xid8 AS newer FROM outbox_events WHERE id = 7`.execute(h.db)).rows[0]!.newer).toBe(true);
  } finally {
    await h.close();
    await admin.query(`DROP DATABASE ${name}`);
    await admin.end();
  }
});

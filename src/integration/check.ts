/** What `ordo check` verifies of the outbox and its deliveries. */
import { sql } from 'kysely';
import type { Check } from '../db/check.js';

export const integrationChecks: Check[] = [
  {
    name: 'every pending delivery has its event in the outbox',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'delivery ' || d.id || ' to ' || d.sink || ': event ' || d.outbox_id || ' is gone' AS what
        FROM event_deliveries d WHERE d.status = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox_events o WHERE o.id = d.outbox_id)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    // A cursor is a key the relay read for good ((tx, id) with tx below a snapshot's xmin, ADR 0010), or the xmin of
    // a snapshot itself (a sink registered then): never past the xmin of a snapshot taken now. One that is would
    // pass events of transactions still running when they commit.
    name: 'no sink\'s cursor is past what the relay may read',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'sink ' || s.sink || ': cursor ' || s.after_tx || '.' || s.after_id || ' past the oldest running transaction '
               || pg_snapshot_xmin(pg_current_snapshot()) AS what
        FROM event_sinks s
        WHERE s.after_tx > pg_snapshot_xmin(pg_current_snapshot()) OR (s.after_tx = pg_snapshot_xmin(pg_current_snapshot()) AND s.after_id > 0)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];

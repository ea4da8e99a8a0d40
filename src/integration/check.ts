/** What `ordo check` verifies of the outbox and its deliveries. */
import { sql } from 'kysely';
import type { Check } from '../db/check.js';

export const integrationChecks: Check[] = [
  {
    name: 'every relayed event has a position, and positions are unique and at most the relay\'s',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'event ' || id || ': relayed without a position' AS what FROM outbox_events
        WHERE relayed_at IS NOT NULL AND position IS NULL
        UNION ALL
        SELECT 'event ' || o.id || ': position ' || o.position || ' past the relay''s ' || r.position
        FROM outbox_events o, relay_state r WHERE o.position > r.position
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
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
    name: 'no sink\'s cursor is past the relay\'s position, and the events after every cursor are still in the outbox',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'sink ' || s.sink || ': position ' || s.position || ' past the relay''s ' || r.position AS what
        FROM event_sinks s, relay_state r WHERE s.position > r.position
        UNION ALL
        SELECT 'sink ' || s.sink || ': the event at position ' || (s.position + 1) || ' is gone'
        FROM event_sinks s, relay_state r
        WHERE s.position < r.position AND NOT EXISTS (SELECT 1 FROM outbox_events o WHERE o.position = s.position + 1)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];

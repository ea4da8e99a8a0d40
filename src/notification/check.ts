/** What `ordo check` verifies of the notification log. */
import { sql } from 'kysely';
import type { Check } from '../db/check.js';

export const notificationChecks: Check[] = [
  {
    name: 'every notification still being sent has its event pending for the notifications sink',
    run: async (db) => {
      // The sink settles the log before the relay moves on: a 'sending' row whose event the sink's cursor has passed
      // with no delivery of it pending would never be sent nor reported. (Before the cursor passes it, it is in flight.)
      const rows = await sql<{ what: string }>`
        SELECT 'notification ' || n.id || ' (' || n.template || ', event ' || n.event_id || '): sending, but no delivery is pending' AS what
        FROM notifications n
        WHERE n.status = 'sending'
          AND NOT EXISTS (
            SELECT 1 FROM outbox_events o JOIN event_sinks s ON s.sink = 'notifications'
            WHERE o.event_id = n.event_id AND (o.tx, o.id) > (s.after_tx, s.after_id))
          AND NOT EXISTS (
            SELECT 1 FROM event_deliveries d WHERE d.sink = 'notifications' AND d.event_id = n.event_id AND d.status = 'pending')
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];

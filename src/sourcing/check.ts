/** What `ordo check` verifies of stored sourcing decisions (the schema's CHECKs hold the rest). */
import { sql } from 'kysely';
import type { Check } from '../db/check.js';

export const sourcingChecks: Check[] = [
  {
    name: 'every stored sourcing decision belongs to an order',
    run: async (db) => {
      // The table has no foreign key (migration 0036: its check would run once per order inside capture's statement).
      const rows = await sql<{ what: string }>`
        SELECT 'sourcing decision ' || d.seq || ' of order ' || d.order_id || ': no such order' AS what
        FROM sourcing_decisions d WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = d.order_id)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];

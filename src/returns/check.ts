/** The return invariants `ordo check` verifies. */
import { sql } from 'kysely';
import type { Check } from '../db/check.js';

export const returnChecks: Check[] = [
  {
    name: 'order lines count as returned exactly what their returns received',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'order ' || o.number || ' line ' || ol.line_no || ': returned ' || ol.returned || ' but returns received ' || coalesce(x.received, 0) AS what
        FROM order_lines ol JOIN orders o ON o.id = ol.order_id
        LEFT JOIN (SELECT order_line_id, sum(received) AS received FROM return_lines GROUP BY 1) x ON x.order_line_id = ol.id
        WHERE ol.returned <> coalesce(x.received, 0)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'every inspected return put each received unit in one place',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'return ' || r.number || ' (' || r.status || '): ' || rl.received || ' received but ' || (rl.restocked + rl.quarantined + rl.written_off) || ' inspected' AS what
        FROM returns r JOIN return_lines rl ON rl.return_id = r.id
        WHERE r.status IN ('inspected', 'refunded', 'closed') AND rl.restocked + rl.quarantined + rl.written_off <> rl.received
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];

/** The order invariants `ordo check` verifies. */
import { sql } from 'kysely';
import type { Check } from '../check.js';

export const orderChecks: Check[] = [
  {
    name: 'every order line\'s allocated units equal its open reservations',
    // Capture, edits, split, merge, cancel and shipping all move reservations and line counters together; a
    // difference means stock is promised to nothing, or a line believes in stock nobody holds for it.
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'order ' || o.number || ' line ' || l.line_no || ': allocated ' || l.allocated || ' but open reservations hold '
               || coalesce(r.open, 0) AS what
        FROM order_lines l
        JOIN orders o ON o.id = l.order_id
        LEFT JOIN (SELECT reference_id, sum(quantity) AS open FROM reservations
                   WHERE reference_type = 'order_line' AND status = 'open' GROUP BY reference_id) r ON r.reference_id = l.id::text
        WHERE l.allocated <> coalesce(r.open, 0)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'order totals add up to their lines',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'order ' || o.number || ': subtotal ' || o.subtotal_minor || ' but lines add up to ' || x.subtotal AS what
        FROM orders o
        JOIN (SELECT order_id, sum(unit_price_minor * (quantity - cancelled)) AS subtotal FROM order_lines GROUP BY order_id) x
          ON x.order_id = o.id
        WHERE o.subtotal_minor <> x.subtotal AND o.status <> 'cancelled'
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];

/** What `ordo check` verifies of fulfilment orders and shipments (the schema's CHECKs hold the rest). */
import { sql } from 'kysely';
import type { Check } from '../db/check.js';

export const fulfillmentChecks: Check[] = [
  {
    name: 'open fulfilment orders hold no more units than their location has reserved for the order',
    run: async (db) => {
      // An open fulfilment order asking a location for units the order no longer reserves there would have the
      // warehouse pick goods nobody pays for; the reconcile step (reconcile-fulfillment-orders.ts) prevents it.
      const rows = await sql<{ what: string }>`
        SELECT 'fulfillment order ' || f.number || ', line ' || l.line_no || ': ' || (x.quantity - x.shipped)
          || ' open, but the line has ' || CASE WHEN l.location_id = f.location_id THEN l.allocated ELSE 0 END || ' reserved there' AS what
        FROM fulfillment_orders f JOIN fulfillment_order_lines x ON x.fulfillment_order_id = f.id JOIN order_lines l ON l.id = x.line_id
        WHERE f.status IN ('requested', 'accepted', 'picking', 'packed', 'ready_for_pickup')
          AND x.quantity - x.shipped > CASE WHEN l.location_id = f.location_id THEN l.allocated ELSE 0 END
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'units counted shipped on fulfilment orders are shipped on their order lines',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'order line ' || l.id || ': ' || s.shipped || ' shipped on fulfilment orders, ' || l.shipped || ' on the line' AS what
        FROM (SELECT line_id, sum(shipped)::int AS shipped FROM fulfillment_order_lines GROUP BY line_id) s
        JOIN order_lines l ON l.id = s.line_id
        WHERE s.shipped > l.shipped
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];

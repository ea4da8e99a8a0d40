/** What `ordo check` verifies of the connectors: no number pushed from the future, no hold closed without its order. */
import { sql } from 'kysely';
import type { Check } from '../db/check.js';

export const connectorChecks: Check[] = [
  {
    name: 'every stock push names a version the channel\'s availability has reached',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'channel ' || p.channel_id || ', SKU ' || p.sku_id || ': pushed version ' || p.version
          || CASE WHEN a.version IS NULL THEN ' of an availability that does not exist' ELSE ', availability only at ' || a.version END AS what
        FROM connector_stock_pushes p LEFT JOIN channel_availability a ON a.channel_id = p.channel_id AND a.sku_id = p.sku_id
        WHERE a.version IS NULL OR p.version > a.version
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'every held order that was captured names an order of its channel with its reference',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'held order ' || h.id || ': captured as order ' || h.order_id || ', which is not ' || h.external_ref || ' of its channel' AS what
        FROM connector_held_orders h JOIN orders o ON o.id = h.order_id
        WHERE h.status = 'captured' AND (o.channel_id <> h.channel_id OR o.external_ref <> h.external_ref)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];

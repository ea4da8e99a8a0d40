/**
 * Which products come back and why: over a period (returns asked for in it), units returned against units shipped,
 * by SKU, by reason or by channel, most returned first. Returns rejected or cancelled do not count.
 */
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';

export type InsightGroup = 'sku' | 'reason' | 'channel';

export interface InsightRow { key: string; returnedUnits: number; shippedUnits: number | null; returnRate: number | null; returns: number }

export async function returnInsight(db: DbOrTrx, f: { from: Date; to: Date; groupBy: InsightGroup; limit: number }): Promise<InsightRow[]> {
  const key = f.groupBy === 'sku' ? sql`k.code` : f.groupBy === 'reason' ? sql`rl.reason_code` : sql`ch.code`;
  // Shipped units of the same key over the same period: the denominator of the rate (none for reasons).
  const shipped = f.groupBy === 'reason' ? sql`NULL::bigint`
    : sql`(SELECT sum((sl->>'quantity')::int) FROM shipments s CROSS JOIN jsonb_array_elements(s.lines) sl
             JOIN order_lines ol2 ON ol2.id = (sl->>'lineId')::uuid JOIN orders o2 ON o2.id = s.order_id
             JOIN skus k2 ON k2.id = ol2.sku_id JOIN channels ch2 ON ch2.id = o2.channel_id
             WHERE s.shipped_at >= ${f.from} AND s.shipped_at < ${f.to}
               AND ${f.groupBy === 'sku' ? sql`k2.code` : sql`ch2.code`} = x.key)`;
  const rows = await sql<{ key: string; returned: number; shipped: number | null; returns: number }>`
    SELECT x.key, x.returned, ${shipped} AS shipped, x.returns
    FROM (SELECT ${key} AS key, sum(rl.quantity)::bigint AS returned, count(DISTINCT r.id)::bigint AS returns
          FROM return_lines rl JOIN returns r ON r.id = rl.return_id JOIN orders o ON o.id = r.order_id
          JOIN skus k ON k.id = rl.sku_id JOIN channels ch ON ch.id = o.channel_id
          WHERE r.created_at >= ${f.from} AND r.created_at < ${f.to} AND r.status NOT IN ('rejected', 'cancelled')
          GROUP BY 1) x
    ORDER BY x.returned DESC, x.key LIMIT ${f.limit}`.execute(db);
  return rows.rows.map((r) => {
    const shippedUnits = r.shipped === null ? null : Number(r.shipped);
    return {
      key: r.key, returnedUnits: Number(r.returned), shippedUnits, returns: Number(r.returns),
      returnRate: shippedUnits ? Math.round((Number(r.returned) / shippedUnits) * 10_000) / 10_000 : null,
    };
  });
}

/**
 * The dashboard's order numbers in one statement, each part served by an index so that it stays fast at millions of
 * orders: the day's orders are a range of orders_placed; held, late and at risk are ranges of orders_status_placed
 * (one per unshipped status, counted from the index); the capture rate a short range of orders_placed.
 */
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { unshippedStatuses } from './dashboard.js';

export interface OrderDashboardRow {
  at: Date;
  byStatus: Record<string, number> | null;
  byChannel: { channel: string; currency: string; orders: number; revenueMinor: number }[] | null;
  held: number;
  late: number;
  atRisk: number;
  lastHour: number;
  last15: number;
}

/** The statement of orderDashboard (for EXPLAIN when measuring it). */
export function orderDashboardStatement(q: { since: string; lateAfterHours: number; atRiskAfterHours: number }) {
  return sql<OrderDashboardRow>`
    WITH day AS MATERIALIZED (
      SELECT o.status, o.channel_id, o.currency, count(*)::bigint AS n,
             coalesce(sum(o.total_minor) FILTER (WHERE o.status <> 'cancelled'), 0)::bigint AS revenue
      FROM orders o WHERE o.placed_at >= ${q.since}::timestamptz
      GROUP BY o.status, o.channel_id, o.currency
    ),
    -- One range of orders_status_placed per unshipped status (a btree scan with = ANY reads each status's range).
    unshipped AS (
      SELECT count(*) FILTER (WHERE o.placed_at < now() - make_interval(hours => ${q.lateAfterHours}))::int AS late,
             count(*) FILTER (WHERE o.placed_at >= now() - make_interval(hours => ${q.lateAfterHours}))::int AS at_risk
      FROM orders o
      WHERE o.status = ANY(${unshippedStatuses}::text[]) AND o.placed_at < now() - make_interval(hours => ${q.atRiskAfterHours})
    )
    SELECT now() AS at,
      (SELECT jsonb_object_agg(status, n) FROM (SELECT status, sum(n)::bigint AS n FROM day GROUP BY status) x) AS "byStatus",
      (SELECT jsonb_agg(jsonb_build_object('channel', c.code, 'currency', x.currency, 'orders', x.n, 'revenueMinor', x.revenue) ORDER BY x.n DESC, c.code)
       FROM (SELECT channel_id, currency, sum(n)::bigint AS n, sum(revenue)::bigint AS revenue FROM day GROUP BY channel_id, currency) x
       JOIN channels c ON c.id = x.channel_id) AS "byChannel",
      (SELECT count(*)::int FROM orders WHERE status = 'on_hold') AS held,
      (SELECT late FROM unshipped) AS late, (SELECT at_risk FROM unshipped) AS "atRisk",
      (SELECT count(*)::int FROM orders WHERE placed_at >= now() - interval '1 hour') AS "lastHour",
      (SELECT count(*)::int FROM orders WHERE placed_at >= now() - interval '15 minutes') AS last15
  `;
}

export async function orderDashboard(db: DbOrTrx, q: { since: string; lateAfterHours: number; atRiskAfterHours: number }): Promise<OrderDashboardRow> {
  return (await orderDashboardStatement(q).execute(db)).rows[0]!;
}

/**
 * The dashboard's order numbers in one statement, each part served by an index so that it stays fast at millions of
 * orders: the day's orders are a range of orders_placed; held, late and at risk are ranges of orders_status_placed
 * (one per unshipped status, counted from the index); the capture rate a short range of orders_placed.
 */
import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.js';
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
        -- A held order is unshipped only while a unit is left to ship: one shipped and then held (heldReturn) is not.
        -- Only held rows look at their lines (order_lines by order_id), so the cost follows the review queue, not the orders.
        AND (o.status <> 'on_hold' OR EXISTS (
          SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.quantity - l.shipped - l.cancelled > 0))
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

export interface SeriesRow { day: Date; channel: string; currency: string; orders: number; revenueMinor: number }

/** The rollup's bucket: 15 minutes, so that every time zone's midnight (all are whole quarter hours) starts one. */
export const VOLUME_BUCKET_SECONDS = 900;

/**
 * Orders and revenue per day, channel and currency from `from` for `days` days (each 24 hours from `from`). The
 * 15-minute buckets of order_volume answer the part the last rebuild covers (a few thousand rows a channel); the
 * orders placed since are counted live from a short range of orders_placed. Where the rollup cannot answer (not
 * built yet, not covering `from`, or `from` not on a quarter hour) every order of the range is counted live: right,
 * only slower.
 */
export function orderSeriesStatement(q: { from: string; days: number }) {
  const start = sql`${q.from}::timestamptz`;
  const stop = sql`(${q.from}::timestamptz + make_interval(days => ${q.days}))`;
  // Buckets start on quarter hours: a day starting elsewhere would split one, so it is counted live.
  const aligned = Date.parse(q.from) % (VOLUME_BUCKET_SECONDS * 1000) === 0;
  const dayOf = (at: ReturnType<typeof sql>) => sql`floor(date_part('epoch', ${at} - ${start}) / 86400)::int`;
  return sql<SeriesRow>`
    WITH rollup AS MATERIALIZED (
      SELECT least(s.covers_to, ${stop}) AS upto
      FROM order_volume_state s
      WHERE ${aligned} AND s.covers_from <= ${start} AND s.covers_to > ${start}
    ),
    counted AS (
      SELECT ${dayOf(sql`v.bucket_start`)} AS day, v.channel_id, v.currency, sum(v.orders) AS n, sum(v.revenue_minor) AS revenue
      FROM order_volume v
      WHERE v.bucket_start >= ${start} AND v.bucket_start < (SELECT upto FROM rollup)
      GROUP BY 1, 2, 3
      UNION ALL
      SELECT ${dayOf(sql`o.placed_at`)}, o.channel_id, o.currency, count(*),
             coalesce(sum(o.total_minor) FILTER (WHERE o.status <> 'cancelled'), 0)
      FROM orders o
      WHERE o.placed_at >= coalesce((SELECT upto FROM rollup), ${start}) AND o.placed_at < ${stop}
      GROUP BY 1, 2, 3
    )
    SELECT ${start} + make_interval(days => c.day) AS day, ch.code AS channel, c.currency,
           sum(c.n)::int AS orders, sum(c.revenue)::bigint AS "revenueMinor"
    FROM counted c JOIN channels ch ON ch.id = c.channel_id
    GROUP BY c.day, ch.code, c.currency
    ORDER BY c.day, ch.code, c.currency
  `;
}

export async function orderSeries(db: DbOrTrx, q: { from: string; days: number }): Promise<SeriesRow[]> {
  return (await orderSeriesStatement(q).execute(db)).rows;
}

/**
 * Rebuilds order_volume from the orders placed in the last `keepDays` days up to the last whole quarter hour but one
 * (an order captured a moment late still lands in a bucket not yet rolled up), in one transaction: the dashboard
 * sees the old rollup or the new one, never half. Edits to older orders (a cancellation lowers revenue) show after
 * the next rebuild. One range scan of orders_placed; at a million orders over 45 days it reads ~650,000 rows.
 */
export async function rebuildOrderVolume(db: Db, keepDays = 32): Promise<{ buckets: number; coversFrom: string; coversTo: string }> {
  return db.transaction().execute(async (trx) => {
    const bounds = (await sql<{ coversFrom: Date; coversTo: Date }>`
      SELECT to_timestamp(floor(extract(epoch FROM now()) / ${VOLUME_BUCKET_SECONDS}) * ${VOLUME_BUCKET_SECONDS} - ${VOLUME_BUCKET_SECONDS}) AS "coversTo",
             to_timestamp(floor(extract(epoch FROM now() - make_interval(days => ${keepDays})) / 86400) * 86400) AS "coversFrom"
    `.execute(trx)).rows[0]!;
    // Rebuilds are one at a time (the job runs on one server, but `ordo` or a test may call it too).
    await sql`SELECT pg_advisory_xact_lock(hashtext('order_volume'))`.execute(trx);
    await sql`DELETE FROM order_volume`.execute(trx);
    const inserted = await sql`
      INSERT INTO order_volume (bucket_start, channel_id, currency, orders, revenue_minor)
      SELECT to_timestamp(floor(extract(epoch FROM o.placed_at) / ${VOLUME_BUCKET_SECONDS}) * ${VOLUME_BUCKET_SECONDS}), o.channel_id, o.currency,
             count(*), coalesce(sum(o.total_minor) FILTER (WHERE o.status <> 'cancelled'), 0)
      FROM orders o
      WHERE o.placed_at >= ${bounds.coversFrom} AND o.placed_at < ${bounds.coversTo}
      GROUP BY 1, 2, 3
    `.execute(trx);
    await sql`
      INSERT INTO order_volume_state (id, covers_from, covers_to, rebuilt_at) VALUES (true, ${bounds.coversFrom}, ${bounds.coversTo}, now())
      ON CONFLICT (id) DO UPDATE SET covers_from = excluded.covers_from, covers_to = excluded.covers_to, rebuilt_at = excluded.rebuilt_at
    `.execute(trx);
    return { buckets: Number(inserted.numAffectedRows ?? 0), coversFrom: bounds.coversFrom.toISOString(), coversTo: bounds.coversTo.toISOString() };
  });
}

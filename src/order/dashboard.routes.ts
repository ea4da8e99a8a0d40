/** GET /v1/dashboard: the numbers of the admin UI's first screen. */
import { countUnresolvedAlerts } from '../inventory/index.js';
import type { App } from '../http/app.js';
import { AppError } from '../shared/errors.js';
import { Dashboard, DashboardQuery, MAX_SINCE_DAYS } from './dashboard.js';
import { orderDashboard, orderSeries } from './dashboard.repository.js';
import type { OrderDeps } from './routes.js';

const DAY_MS = 86_400_000;

/** Midnight UTC of today: the default start of "today". */
const utcMidnight = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();

export function registerDashboardRoutes(app: App, { db, revenueInBase }: OrderDeps): void {
  app.get('/dashboard', {
    config: { permission: 'order:read' },
    schema: {
      tags: ['orders'],
      summary: 'Today\'s orders by status and by channel (revenue per currency), held orders, late and at-risk orders, low-stock alerts, the capture rate, and with `days` a daily series by channel',
      description: '"Late" counts unshipped orders by their age, since Ordo keeps no promised ship date per order yet. Revenue is per channel and currency, without conversion; `today.revenueInBase` adds it up in the base currency at each currency\'s latest exchange rate on or before today (UTC), naming each rate and its date, and lists currencies without a rate instead of converting them.',
      querystring: DashboardQuery,
      response: { 200: Dashboard },
    },
  }, async (request) => {
    const now = new Date();
    const { since = utcMidnight(now), atRiskAfterHours = 24, lateAfterHours = 48, days } = request.query;
    const sinceMs = Date.parse(since);
    if (Number.isNaN(sinceMs) || sinceMs < now.getTime() - MAX_SINCE_DAYS * DAY_MS) {
      throw new AppError('validation_failed', `/querystring/since: at most ${MAX_SINCE_DAYS} days back`, { errors: [{ path: '/querystring/since', message: `at most ${MAX_SINCE_DAYS} days back` }] });
    }
    if (lateAfterHours <= atRiskAfterHours) {
      throw new AppError('validation_failed', `/querystring/lateAfterHours: must be more than atRiskAfterHours (${atRiskAfterHours})`, {
        errors: [{ path: '/querystring/lateAfterHours', message: `must be more than atRiskAfterHours (${atRiskAfterHours})` }],
      });
    }
    const from = days === undefined ? undefined : new Date(sinceMs - (days - 1) * DAY_MS).toISOString();
    const [orders, lowStock, series] = await Promise.all([
      orderDashboard(db, { since: new Date(sinceMs).toISOString(), lateAfterHours, atRiskAfterHours }),
      countUnresolvedAlerts(db),
      from === undefined || days === undefined ? undefined : orderSeries(db, { from, days }),
    ]);
    const byStatus = orders.byStatus ?? {};
    const byChannel = orders.byChannel ?? [];
    // A handful of rows (channels × currencies): the conversion reads one rate per currency, never the orders.
    const inBase = await revenueInBase(byChannel.map((c) => ({ currency: c.currency, amountMinor: Number(c.revenueMinor) })), orders.at.toISOString().slice(0, 10));
    return {
      since: new Date(sinceMs).toISOString(),
      at: orders.at.toISOString(),
      today: { orders: Object.values(byStatus).reduce((a, b) => a + Number(b), 0), byStatus, byChannel, revenueInBase: inBase },
      held: { orders: orders.held },
      late: { late: orders.late, atRisk: orders.atRisk, lateAfterHours, atRiskAfterHours },
      lowStock,
      capture: { lastHour: orders.lastHour, perMinute: Math.round((orders.last15 / 15) * 10) / 10 },
      ...(series && from && days && { series: { from, days, byDay: series.map((r) => ({ ...r, day: r.day.toISOString() })) } }),
    };
  });
}

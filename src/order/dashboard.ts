/**
 * The dashboard's numbers (GET /v1/dashboard): what an operator looks at first. "Late" and "at risk" are open
 * orders (not yet shipped, not cancelled) placed more than `lateAfterHours` / `atRiskAfterHours` ago: Ordo keeps no
 * promised ship date per order yet, so the age of an unshipped order is the measure.
 */
import { Type, type Static } from 'typebox';
import { Nullable, Timestamp } from '../http/schemas.js';
import type { OrderStatus } from './order-status.js';

/**
 * Orders still to be shipped: the ones that can be late. An on_hold order counts only while it has units left to ship:
 * a shipped order held afterwards (a carrier exception, see heldReturn) has nothing left to ship.
 */
export const unshippedStatuses: readonly OrderStatus[] = ['received', 'on_hold', 'confirmed', 'allocated', 'in_fulfillment', 'partially_shipped'];

/** How far back `since` may go: the aggregates read that range of orders, so it stays a day-sized question. */
export const MAX_SINCE_DAYS = 31;

/** The longest daily series (`days`): a month of orders, the dashboard's chart. */
export const MAX_SERIES_DAYS = 31;

export const DashboardQuery = Type.Object({
  since: Type.Optional(Type.String({ format: 'date-time', description: `Start of "today" for the day's numbers, e.g. midnight in the caller's time zone (default: midnight UTC). At most ${MAX_SINCE_DAYS} days back` })),
  atRiskAfterHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720, default: 24, description: 'An unshipped order older than this is at risk' })),
  lateAfterHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720, default: 48, description: 'An unshipped order older than this is late (must be more than atRiskAfterHours)' })),
  days: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_SERIES_DAYS,
    description: 'Also answer `series`: orders and revenue per day, channel and currency for this many days ending today (today included). Each day is 24 hours from `since`, so give `since` as midnight in your time zone',
  })),
}, { additionalProperties: false });
export type DashboardQuery = Static<typeof DashboardQuery>;

const Count = Type.Integer({ minimum: 0 });

/** Today's revenue in the base currency, with what it is made of: the amounts per currency, each rate and its date. */
export const RevenueInBase = Type.Object({
  baseCurrency: Type.String({ description: 'The business\'s base currency (PUT /v1/fx-rates sets it)' }),
  rateDay: Type.String({ format: 'date', description: 'Each currency is converted at its latest rate on or before this day (UTC): today' }),
  totalMinor: Type.Integer({ description: 'Sum of `baseAmountMinor` of the currencies that have a rate; the ones in `missingRates` are left out' }),
  complete: Type.Boolean({ description: 'Every currency had a rate, so `totalMinor` is all of today\'s revenue' }),
  missingRates: Type.Array(Type.String(), { description: 'Currencies with revenue today but no rate on or before `rateDay`: not converted, never guessed' }),
  byCurrency: Type.Array(Type.Object({
    currency: Type.String(),
    amountMinor: Type.Integer({ description: 'Today\'s revenue in this currency (every channel)' }),
    rate: Nullable(Type.String({ description: 'Units of the base currency per unit of this one; "1" for the base currency; null without a rate' })),
    rateEffectiveFrom: Nullable(Type.String({ format: 'date', description: 'The day the rate used took effect (null for the base currency or without a rate)' })),
    baseAmountMinor: Nullable(Type.Integer({ description: 'amountMinor at the rate, in minor units of the base currency, rounded half away from zero' })),
  })),
});
export type RevenueInBase = Static<typeof RevenueInBase>;

/**
 * The order module knows the payment module's exchange rates only by this function (the payment module depends on
 * the order module, so app.ts wires it): amounts per currency summed in the base currency at the rates of `day`.
 */
export type RevenueConverter = (amounts: readonly { currency: string; amountMinor: number }[], day: string) => Promise<RevenueInBase>;

export const Dashboard = Type.Object({
  since: Timestamp,
  at: Timestamp,
  today: Type.Object({
    orders: Count,
    byStatus: Type.Record(Type.String(), Count, { description: 'Orders placed since `since`, by their status now (statuses with none left out)' }),
    byChannel: Type.Array(Type.Object({
      channel: Type.String({ description: 'Channel code' }),
      currency: Type.String(),
      orders: Count,
      revenueMinor: Type.Integer({ description: 'Order totals in this currency, cancelled orders left out' }),
    }), { description: 'Per channel and currency (no conversion), the most orders first' }),
    revenueInBase: RevenueInBase,
  }),
  held: Type.Object({ orders: Count }, { description: 'Orders on hold now: the review queue' }),
  late: Type.Object({
    late: Count,
    atRisk: Count,
    lateAfterHours: Type.Integer(),
    atRiskAfterHours: Type.Integer(),
  }, { description: 'Unshipped orders (received to partially shipped, and held ones with units still to ship) by age: late past lateAfterHours, at risk between the two' }),
  lowStock: Type.Object({ open: Count, acknowledged: Count }, { description: 'Low-stock alerts not yet resolved' }),
  capture: Type.Object({
    lastHour: Count,
    perMinute: Type.Number({ description: 'Orders placed in the last 15 minutes, per minute' }),
  }, { description: 'How fast orders come in (by their placedAt)' }),
  series: Type.Optional(Type.Object({
    from: Timestamp,
    days: Type.Integer({ minimum: 1 }),
    byDay: Type.Array(Type.Object({
      day: Timestamp,
      channel: Type.String({ description: 'Channel code' }),
      currency: Type.String(),
      orders: Count,
      revenueMinor: Type.Integer({ description: 'Order totals in this currency, cancelled orders left out' }),
    }), { description: 'Days, channels and currencies with orders (none left out as zero), by day then channel' }),
  }, { description: 'With `days`: orders placed per day from `from` (`since` less days − 1 days) to now, by channel and currency' })),
});
export type Dashboard = Static<typeof Dashboard>;

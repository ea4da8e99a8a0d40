/**
 * The dashboard's daily series (GET /v1/dashboard?days=): orders and revenue per day, channel and currency, the same
 * whether counted live or from the quarter-hour rollup (job orders.volume), cancelled orders' revenue left out, orders
 * placed after the rollup's rebuild counted too, and each day 24 hours from the caller's `since`.
 */
import { describe, expect, it } from 'vitest';
import { rebuildOrderVolume } from '../src/order/index.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const DAY = 86_400_000;

async function placed(daysAgo: number, overrides: Record<string, unknown> = {}) {
  const placedAt = Date.now() - daysAgo * DAY;
  const res = await t.http('POST', '/v1/orders', { body: anOrder({ placedAt: new Date(placedAt).toISOString(), ...overrides }) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...(res.body as { id: string; totals: { totalMinor: number } }), placedAt };
}

const series = async (since: string, days = 30) => {
  const res = await t.http('GET', `/v1/dashboard?since=${since}&days=${days}`, { key: 'viewer' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.series as { from: string; days: number; byDay: { day: string; channel: string; currency: string; orders: number; revenueMinor: number }[] };
};

describe('the dashboard series', () => {
  it('counts orders and revenue per day and channel, live and from the rollup alike', async () => {
    await seedOrderWorld(t);
    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    const since = midnight.toISOString();
    const a = await placed(2);
    await placed(2, { placedAt: new Date(a.placedAt).toISOString() });
    const b2b = await placed(2, { channel: 'B2B' });
    const cancelled = await placed(5);
    expect((await t.http('POST', `/v1/orders/${cancelled.id}/cancel`, { body: { reason: 'test' } })).status).toBe(200);
    await placed(40); // before the 30 days
    const live = await series(since);
    expect(live.from).toBe(new Date(midnight.getTime() - 29 * DAY).toISOString());
    expect(live.days).toBe(30);
    // Each day is 24 hours from `from`.
    const from = Date.parse(live.from);
    const dayOf = (at: number) => new Date(from + Math.floor((at - from) / DAY) * DAY).toISOString();
    expect(live.byDay.filter((r) => r.channel === 'WEB' && r.day === dayOf(a.placedAt)))
      .toEqual([{ day: dayOf(a.placedAt), channel: 'WEB', currency: 'EUR', orders: 2, revenueMinor: a.totals.totalMinor * 2 }]);
    expect(live.byDay.find((r) => r.channel === 'B2B')).toEqual({ day: dayOf(b2b.placedAt), channel: 'B2B', currency: 'EUR', orders: 1, revenueMinor: b2b.totals.totalMinor });
    // A cancelled order is an order of its day, without revenue.
    expect(live.byDay.find((r) => r.day === dayOf(cancelled.placedAt))).toMatchObject({ channel: 'WEB', orders: 1, revenueMinor: 0 });
    expect(live.byDay.reduce((n, r) => n + r.orders, 0)).toBe(4);

    // The rollup answers the same; an order placed after its rebuild is counted live.
    const rebuilt = await rebuildOrderVolume(t.db);
    expect(rebuilt.buckets).toBe(3); // the two WEB orders of a day share a quarter hour; the 40-day-old one is outside
    expect(await series(since)).toEqual(live);
    await placed(0);
    const after = await series(since);
    expect(after.byDay.reduce((n, r) => n + r.orders, 0)).toBe(5);
    expect(after.byDay.at(-1)).toMatchObject({ day: since, channel: 'WEB', orders: 1 });
    // A `since` off the quarter hour is counted live, and still right.
    const odd = await series(new Date(midnight.getTime() + 7 * 60_000).toISOString());
    expect(odd.byDay.reduce((n, r) => n + r.orders, 0)).toBe(5);
  });

  it('answers no series without `days`, and refuses days out of range', async () => {
    expect((await t.http('GET', '/v1/dashboard')).body.series).toBeUndefined();
    for (const days of [0, 32, 'x']) {
      const res = await t.http('GET', `/v1/dashboard?days=${days}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
  });
});

/**
 * The dashboard's aggregates at a million orders (issue #23's budget: ≤ 200 ms). Opt-in, since seeding takes minutes:
 * `ORDO_SCALE_DASHBOARD=1 npx vitest run test/dashboard-scale.test.ts`. A million orders over 45 days (about 22,200 a
 * day, three channels, two currencies, 5 % cancelled) are made with one INSERT … SELECT generate_series, then
 * VACUUM ANALYZE; the test prints the timings of GET /v1/dashboard without the series, with it before the rollup
 * (orders.volume) is built and after, the rebuild's time and the plan of the series statement, and fails past the budget.
 * Then the admin UI's orders list on the same million (issue #23's budget: its first page ≤ 1 s after navigation), in
 * Debian's Chromium: from a click on "Orders" in the navigation until the first page's rows are on the screen.
 */
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createUser } from '../src/access/create-user.js';
import { launchBrowser, navLink, openPage, screenshots, signIn } from './admin-ui-browser.js';
import { orderSeriesStatement, rebuildOrderVolume } from '../src/order/dashboard.repository.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const ORDERS = Number(process.env.ORDO_SCALE_ORDERS ?? 1_000_000);

describe.skipIf(!process.env.ORDO_SCALE_DASHBOARD)('the dashboard at a million orders', () => {
  it('answers today and the 30-day series within 200 ms', async () => {
    await seedOrderWorld(t);
    await t.http('POST', '/v1/channels', { body: { code: 'SHOP', name: 'Shop', type: 'web', currency: 'CNY', orderNumberPrefix: 'S' } });
    expect((await t.http('POST', '/v1/orders', { body: anOrder() })).status).toBe(201);
    const customerId = (await sql<{ id: string }>`SELECT id FROM customers LIMIT 1`.execute(t.db)).rows[0]!.id;
    const started = Date.now();
    await sql`
      INSERT INTO orders (id, number, channel_id, external_ref, customer_id, status, currency, subtotal_minor, total_minor,
        delivery_method, tracking_token, items_signature, placed_at)
      SELECT gen_random_uuid(), 'SCALE-' || i, ch.ids[1 + i % 3], 'scale-' || i, ${customerId}::uuid,
        CASE WHEN i % 20 = 0 THEN 'cancelled' WHEN i % 7 = 0 THEN 'in_fulfillment' ELSE 'shipped' END,
        ch.currencies[1 + i % 3], 1000 + i % 9000, 1000 + i % 9000, 'ship', 'scale-' || i, 'x',
        now() - make_interval(secs => (i::float8 / ${ORDERS}) * 45 * 86400)
      FROM generate_series(1, ${ORDERS}) i,
        (SELECT array_agg(id ORDER BY code) AS ids, array_agg(currency ORDER BY code) AS currencies FROM channels) ch
    `.execute(t.db);
    await sql`VACUUM ANALYZE orders`.execute(t.db);
    console.log(`seeded ${ORDERS} orders in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    const since = midnight.toISOString();
    const time = async (url: string, calls = 6) => {
      const ms: number[] = [];
      let body: any;
      for (let i = 0; i < calls; i++) {
        const at = performance.now();
        const res = await t.http('GET', url);
        ms.push(performance.now() - at);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        body = res.body;
      }
      return { ms: ms.map((m) => Math.round(m)), body };
    };
    const today = await time(`/v1/dashboard?since=${since}`);
    // Before the first rebuild every order of the month is counted live: right, but slow (a fresh server's first minutes).
    const unrolled = await time(`/v1/dashboard?since=${since}&days=30`, 2);
    const rebuildStarted = performance.now();
    const rebuilt = await rebuildOrderVolume(t.db);
    const rebuildMs = Math.round(performance.now() - rebuildStarted);
    // Orders placed after the rebuild are counted live.
    expect((await t.http('POST', '/v1/orders', { body: anOrder() })).status).toBe(201);
    const month = await time(`/v1/dashboard?since=${since}&days=30`);
    const sameDay = month.body.series.byDay.reduce((a: number, r: { orders: number }) => a + r.orders, 0);
    expect(sameDay).toBe(unrolled.body.series.byDay.reduce((a: number, r: { orders: number }) => a + r.orders, 0) + 1);
    console.log(`rollup rebuilt in ${rebuildMs} ms: ${rebuilt.buckets} buckets; without it (live) days=30 took ${unrolled.ms.join(', ')} ms`);
    const from = month.body.series.from as string;
    const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) ${orderSeriesStatement({ from, days: 30 })}`.execute(t.db);
    console.log(`GET /v1/dashboard: ${today.ms.join(', ')} ms; with days=30: ${month.ms.join(', ')} ms; ${month.body.series.byDay.length} series rows`);
    console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
    const inSeries = month.body.series.byDay.reduce((a: number, r: { orders: number }) => a + r.orders, 0);
    expect(inSeries).toBeGreaterThan(ORDERS * 0.6);
    // The statement reads the rollup and a few minutes of orders, not the month's orders (hundreds of buffers, not
    // tens of thousands): that holds on any machine.
    const buffers = plan.rows.map((r) => r['QUERY PLAN']).find((l) => l.includes('Buffers:'))!;
    expect(Number(/hit=(\d+)/.exec(buffers)?.[1] ?? 0) + Number(/read=(\d+)/.exec(buffers)?.[1] ?? 0)).toBeLessThan(2_000);
    // The budget, as the median of six calls, where the machine is not shared past one runnable process per core.
    const loadPerCore = loadavg()[0]! / cpus().length;
    console.log(`load average per core ${loadPerCore.toFixed(1)}`);
    if (loadPerCore <= 1) expect([...month.ms].sort((a, b) => a - b)[3]).toBeLessThanOrEqual(200);
  }, 900_000);

  it('shows the orders list\'s first page within 1 s of navigating to it', async () => {
    const password = 'correct horse battery staple';
    await t.db.transaction().execute((trx) => createUser(trx, { email: 'scale@example.com', name: 'Sam Scale', role: 'operator', password }));
    const base = `${await t.app.listen({ port: 0, host: '127.0.0.1' })}/admin/`;
    const browser = await launchBrowser();
    try {
      const { page, errors } = await openPage(browser);
      await signIn(page, base, 'scale@example.com', password);
      const ms: number[] = [];
      for (let i = 0; i < 6; i++) {
        // A fresh page each time: nothing of the list kept from the last round.
        await page.goto(`${base}#/dashboard`);
        await page.reload();
        await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
        const at = performance.now();
        await navLink(page, 'Orders').click();
        await page.locator('table.orders tbody tr').nth(49).waitFor();
        ms.push(Math.round(performance.now() - at));
      }
      await page.screenshot({ path: path.join(screenshots, 'orders-at-scale.png') });
      const loadPerCore = loadavg()[0]! / cpus().length;
      console.log(`orders list, first page of 50 at ${ORDERS} orders after navigation: ${ms.join(', ')} ms (load average per core ${loadPerCore.toFixed(1)})`);
      expect(errors).toEqual([]);
      if (loadPerCore <= 1) expect([...ms].sort((a, b) => a - b)[3]).toBeLessThanOrEqual(1_000);
    } finally {
      await browser.close();
    }
  }, 300_000);
});

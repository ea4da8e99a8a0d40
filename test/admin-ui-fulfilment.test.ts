/**
 * The admin UI's fulfilment screens in a real browser (Debian's Chromium driven by playwright-core) against the real
 * server on a real PostgreSQL: a warehouse user takes a fulfilment order from requested to shipped with a carrier,
 * service and tracking number, opens its packing slip and the location's pick list, and rejects another one into
 * quarantine; the order page shows fulfilment orders and parcels with their tracking events; store staff on a phone
 * (390×844) hand over a pickup order after a wrong code is refused; the dashboard draws the 30-day chart; the same
 * screens in Chinese leave no English. Set up as test/admin-ui.test.ts: fails on any console error, runs axe-core on
 * every screen (no serious or critical violation), saves screenshots to dist/screenshots/.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/access/create-user.js';
import { expectAccessible, navLink, openPage as openBrowserPage, screenshots, serveAdminUi, settled, signIn as signInAt, untranslated } from './admin-ui-browser.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const password = 'correct horse battery staple';

let browser: Browser;
let base: string;
let close: (() => Promise<void>) | undefined;

/**
 * No English left in what the UI itself says (headings, labels, buttons, table headers, legends, summaries, links of
 * the cards): a text with Latin letters must also have Chinese (codes and numbers are data, not words to translate).
 */
async function expectNoEnglish(page: Page, screen: string): Promise<void> {
  await settled(page);
  const texts = await untranslated(page, 'main :is(h1, h2, h3, label > span, button, th, legend, summary, figcaption, .card a, [role="status"])');
  expect(texts.filter((text) => !/^[A-Z0-9 ()·×:.-]+$/.test(text.trim())), `${screen}: ${texts.join(' | ')}`).toEqual([]);
}

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.db.transaction().execute(async (trx) => {
    await createUser(trx, { email: 'wh@example.com', name: 'Wen Warehouse', role: 'warehouse', password });
    await createUser(trx, { email: 'store@example.com', name: 'Sami Store', role: 'warehouse', password });
    await createUser(trx, { email: 'ops@example.com', name: 'Olga Ops', role: 'operator', password });
  });
  expect((await t.http('PUT', '/v1/carriers', { body: { code: 'SF', name: '顺丰速运', adapter: 'manual', services: [{ code: 'STD', name: '标快', transitDays: 2 }, { code: 'EXP', name: '特快', transitDays: 1 }] } })).status).toBeLessThan(300);
  ({ base, browser, close } = await serveAdminUi(t));
});

afterAll(async () => {
  await close?.();
});

/** A fresh browser context whose page fails the test on any console error (but the 4xx a test provokes on purpose). */
async function openPage(viewport = { width: 1366, height: 768 }, expected: RegExp[] = []): Promise<{ page: Page; errors: string[] }> {
  const opened = await openBrowserPage(browser, { viewport, expected: (m) => expected.some((e) => e.test(m.location().url)) });
  opened.page.on('dialog', (d) => void d.accept());
  return opened;
}

const signIn = (page: Page, email: string) => signInAt(page, base, email, password);

async function released(overrides: Record<string, unknown> = {}, lines?: { sku: string; quantity: number; unitPriceMinor: number }[]) {
  const order = (await t.http('POST', '/v1/orders', { body: anOrder(overrides, lines) })).body;
  const res = await t.http('POST', `/v1/orders/${order.id}/release`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const [fo] = (await t.http('GET', `/v1/fulfillment-orders?orderId=${order.id}`)).body.data;
  return { order, fo };
}

describe('the fulfilment screens', () => {
  // Shared by the three tests of the warehouse: the shipped order and its parcel, the order rejected.
  let shippedOrder: any;
  let shippedFo: any;
  let parcelId = '';

  it('a warehouse user accepts, picks, packs and ships with carrier, service and tracking, prints the slip, reads the pick list', async () => {
    const { order, fo } = await released({}, [{ sku: 'ORD-A', quantity: 3, unitPriceMinor: 900 }]);
    const other = await released({}, [{ sku: 'ORD-B', quantity: 1, unitPriceMinor: 700 }]);
    shippedOrder = order;
    shippedFo = fo;
    const { page, errors } = await openPage();
    await signIn(page, 'wh@example.com');
    await navLink(page, 'Fulfilment').click();
    await page.getByLabel('My location').selectOption('OWH1');
    const card = page.locator(`li[data-fulfilment="${fo.number}"]`);
    await card.getByText('ORD-A').first().waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Requested (2)' }).count()).toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'fulfilment-queue.png'), fullPage: true });
    await expectAccessible(page, 'fulfilment queue');

    // The batched pick list: both orders' units by SKU.
    await page.getByRole('button', { name: 'Pick list', exact: true }).click();
    await page.locator('li[data-sku="ORD-A"]').getByText(`3 for ${fo.number}`).waitFor();
    await page.locator('li[data-sku="ORD-B"]').getByText(`1 for ${other.fo.number}`).waitFor();
    await expectAccessible(page, 'pick list');
    await page.getByRole('button', { name: 'Queue', exact: true }).click();

    await card.getByRole('button', { name: `Accept ${fo.number}` }).click();
    await card.getByRole('button', { name: `Start picking ${fo.number}` }).click();
    await card.getByRole('button', { name: `Packed ${fo.number}` }).click();
    await card.getByLabel('Tracking number').waitFor();
    expect((await t.http('GET', `/v1/fulfillment-orders/${fo.id}`)).body.status).toBe('packed');

    // The packing slip opens in a tab: the PDF itself, with the session's cookie.
    const slip = page.context().waitForEvent('response', (r) => r.url().includes(`/v1/fulfillment-orders/${fo.id}/packing-slip.pdf`));
    await card.getByRole('link', { name: `Packing slip ${fo.number} (PDF)` }).click();
    const pdf = await slip;
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toContain('application/pdf');

    await card.getByLabel('Carrier').selectOption('SF');
    await card.getByLabel('Service').selectOption('EXP');
    await card.getByLabel('Tracking number').fill('SF1234567890');
    await card.getByLabel('Parcels').fill('2');
    await card.getByLabel('Weight (g)').fill('2400');
    await page.screenshot({ path: path.join(screenshots, 'fulfilment-ship.png'), fullPage: true });
    await card.getByRole('button', { name: `Ship ${fo.number}` }).click();
    await card.waitFor({ state: 'detached' });
    const shipments = (await t.http('GET', `/v1/shipments?fulfillmentOrderId=${fo.id}`)).body.data;
    expect(shipments).toMatchObject([{ carrier: 'SF', service: 'EXP', trackingNumber: 'SF1234567890', parcels: 2, weightGrams: 2400, lines: [{ quantity: 3 }] }]);
    parcelId = shipments[0].id;
    expect((await t.http('GET', `/v1/fulfillment-orders/${fo.id}`)).body.status).toBe('shipped');
    expect((await t.http('GET', `/v1/orders/${order.id}`)).body.status).toBe('shipped');
    expect(errors).toEqual([]);
  });

  it('a location rejects what it cannot fulfil: the damaged unit is quarantined, the queue in Chinese has no English', async () => {
    const { page, errors } = await openPage();
    await signIn(page, 'wh@example.com');
    await navLink(page, 'Fulfilment').click();
    await page.getByLabel('My location').selectOption('OWH1');
    const [other] = (await t.http('GET', '/v1/fulfillment-orders?location=OWH1&status=requested')).body.data;
    const before = (await t.http('GET', '/v1/stock?sku=ORD-B&location=OWH1')).body.data[0];
    const rejecting = page.locator(`li[data-fulfilment="${other.number}"]`);
    await rejecting.getByText('Cannot fulfil it…').click();
    await rejecting.getByLabel('Why not').fill('box crushed');
    await rejecting.getByLabel('Quarantine (damaged)').check();
    await expectAccessible(page, 'reject form');
    await page.getByLabel('Language').selectOption('zh');
    await expectNoEnglish(page, 'fulfilment queue');
    await rejecting.getByRole('button', { name: `拒单 ${other.number}` }).click();
    await rejecting.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '拣货单', exact: true }).click();
    await page.getByRole('heading', { name: '履约', exact: true }).waitFor();
    await expectNoEnglish(page, 'pick list');
    expect((await t.http('GET', `/v1/fulfillment-orders/${other.id}`)).body).toMatchObject({ status: 'rejected', reason: 'box crushed' });
    const after = (await t.http('GET', '/v1/stock?sku=ORD-B&location=OWH1')).body.data[0];
    expect(after.quarantined).toBe(before.quarantined + 1);
    expect(errors).toEqual([]);
  });

  it('the order page shows its fulfilment order and the parcel, whose tracking event arrives while it is open', async () => {
    const { page, errors } = await openPage();
    await signIn(page, 'wh@example.com');
    await page.goto(`${base}#/orders/${shippedOrder.id}`);
    await page.getByRole('heading', { name: 'Fulfilment orders' }).waitFor();
    await page.locator('table.fulfilment-orders .fulfilment-shipped').filter({ hasText: 'Shipped' }).waitFor();
    expect(await page.locator('table.fulfilment-orders').textContent()).toContain(shippedFo.number);
    const parcel = page.locator(`li[data-shipment="${parcelId}"]`);
    await parcel.getByTestId('tracking-number').filter({ hasText: 'SF1234567890' }).waitFor();
    const event = await t.http('POST', `/v1/shipments/${parcelId}/events`, { body: { eventId: 'sf-1', type: 'in_transit', occurredAt: new Date().toISOString(), location: '杭州中转部' } });
    expect(event.status, JSON.stringify(event.body)).toBe(201);
    await parcel.getByText('杭州中转部').waitFor({ timeout: 8_000 });
    await page.screenshot({ path: path.join(screenshots, 'order-fulfilment.png'), fullPage: true });
    await expectAccessible(page, 'order page with shipments');
    await page.getByLabel('Language').selectOption('zh');
    await parcel.getByRole('list', { name: '物流事件' }).getByText('运输中').waitFor();
    await expectNoEnglish(page, 'order page');
    expect(errors).toEqual([]);
  });

  it('store staff on a phone (390×844) ready a pickup order and hand it over with the customer\'s code, a wrong one refused', async () => {
    await t.http('POST', '/v1/locations', { body: { code: 'STORE1', name: 'Store 1', type: 'store', capabilities: { ship: false, pickup: true } } });
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'STORE1', lines: [{ sku: 'ORD-A', quantity: 5 }] } });
    const { order, fo } = await released({ deliveryMethod: 'pickup', pickupLocation: 'STORE1' }, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 900 }]);
    expect(fo).toMatchObject({ kind: 'pickup', status: 'requested' });
    // The wrong code's 409 is logged by the browser as a failed request: expected here.
    const { page, errors } = await openPage({ width: 390, height: 844 }, [/\/hand-over$/]);
    await signIn(page, 'store@example.com');
    await page.getByLabel('Language').selectOption('zh');
    await navLink(page, '履约').click();
    await page.getByLabel('我的地点').selectOption('STORE1');
    const card = page.locator(`li[data-fulfilment="${fo.number}"]`);
    await card.locator('.pick-list').getByText('1 ×').waitFor();
    await expectNoEnglish(page, 'store queue');
    await page.locator('header .language select').selectOption('en');
    for (const step of ['Accept', 'Start picking', 'Packed', 'Ready for pickup']) {
      const button = card.getByRole('button', { name: `${step} ${fo.number}` });
      expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44); // a thumb's size
      await button.click();
      await button.waitFor({ state: 'detached' });
    }
    const code = card.getByLabel('Pickup code from the customer');
    expect((await code.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    // Nothing wider than the phone.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(screenshots, 'fulfilment-pickup-phone.png'), fullPage: true });
    await expectAccessible(page, 'pickup on a phone');

    const [ready] = await t.db.selectFrom('outbox_events').select('payload').where('aggregate_id', '=', fo.id).where('type', '=', 'fulfillment.ready_for_pickup').execute();
    const right = (ready!.payload as { pickupCode: string }).pickupCode;
    await code.fill(right === '999999' ? '111111' : '999999');
    await card.getByRole('button', { name: `Hand over ${fo.number}` }).click();
    await card.getByRole('alert').filter({ hasText: 'the pickup code does not match' }).waitFor();
    await card.getByText('1 wrong code(s) so far').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'fulfilment-pickup-wrong-code.png'), fullPage: true });
    expect((await t.http('GET', `/v1/fulfillment-orders/${fo.id}`)).body).toMatchObject({ status: 'ready_for_pickup', pickupAttempts: 1 });
    await code.fill(right);
    await card.getByRole('button', { name: `Hand over ${fo.number}` }).click();
    await card.waitFor({ state: 'detached' });
    expect((await t.http('GET', `/v1/fulfillment-orders/${fo.id}`)).body.status).toBe('picked_up');
    expect((await t.http('GET', `/v1/orders/${order.id}`)).body.status).toBe('delivered');
    expect(errors).toEqual([]);
  });

  it('the dashboard draws orders and revenue of the last 30 days by channel, in both languages', async () => {
    const day = 86_400_000;
    for (const daysAgo of [3, 3, 10]) {
      expect((await t.http('POST', '/v1/orders', { body: anOrder({ placedAt: new Date(Date.now() - daysAgo * day).toISOString() }) })).status).toBe(201);
    }
    expect((await t.http('POST', '/v1/orders', { body: anOrder({ channel: 'B2B', placedAt: new Date(Date.now() - 3 * day).toISOString() }) })).status).toBe(201);
    const api = (await t.http('GET', `/v1/dashboard?days=30&since=${new Date(new Date().setHours(0, 0, 0, 0)).toISOString()}`)).body;
    const webTotal = api.series.byDay.filter((r: { channel: string }) => r.channel === 'WEB').reduce((a: number, r: { orders: number }) => a + r.orders, 0);
    expect(webTotal).toBeGreaterThanOrEqual(5);

    const { page, errors } = await openPage();
    await signIn(page, 'ops@example.com');
    const chart = page.getByTestId('orders-chart');
    await chart.getByRole('heading', { name: 'Orders per day by channel, last 30 days' }).waitFor();
    await chart.locator('.chart-canvas canvas').first().waitFor(); // the lazily loaded chart drew
    const legend = chart.getByRole('list', { name: 'Channels and their totals' });
    expect(await legend.textContent()).toContain(`WEB: ${webTotal}`);
    expect(await legend.textContent()).toContain('B2B: 1');
    await chart.getByText('Show the numbers').click();
    const rows = chart.locator('table.chart-table tbody tr');
    expect(await rows.count()).toBe(30);
    await chart.getByLabel('Show').selectOption('revenue:EUR');
    await chart.getByRole('heading', { name: 'Revenue in EUR per day by channel, last 30 days' }).waitFor();
    expect(await legend.textContent()).toContain('€');
    await page.screenshot({ path: path.join(screenshots, 'dashboard-chart.png'), fullPage: true });
    await expectAccessible(page, 'dashboard with the chart');
    await page.getByLabel('Language').selectOption('zh');
    await chart.getByRole('heading', { name: '近 30 天各渠道每日 EUR 销售额' }).waitFor();
    await expectNoEnglish(page, 'dashboard');
    await page.screenshot({ path: path.join(screenshots, 'dashboard-chart-zh.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});

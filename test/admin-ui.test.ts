/**
 * The admin UI in a real browser (Debian's Chromium driven by playwright-core) against the real server on a real
 * PostgreSQL: sign in to the dashboard, search an order, save a view, release holds one by one and many at once, ship,
 * return, explain availability, settings, Chinese, and a viewer sees personal data masked (the fulfilment screens,
 * on a phone too: test/admin-ui-fulfilment.test.ts). Fails on any console error in the page; runs axe-core on every screen (no serious or critical
 * violation); saves a screenshot of each screen to dist/screenshots/.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/access/create-user.js';
import { expectAccessible, navLink, openPage as openBrowserPage, screenshots, serveAdminUi, signIn as signInAt } from './admin-ui-browser.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const password = 'correct horse battery staple';
const customer = { name: '张三', email: 'zhang.san@example.com', phone: '13812345678' };

let browser: Browser;
let base: string;
let held: any;

let close: (() => Promise<void>) | undefined;
/** Presses Tab until `target` has the focus (at most 80 times): the action is reachable from the keyboard. */
async function tabTo(page: Page, target: ReturnType<Page['locator']>): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement)) return;
  }
  throw new Error('not reachable with the Tab key');
}

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.db.transaction().execute(async (trx) => {
    await createUser(trx, { email: 'ops@example.com', name: 'Olga Ops', role: 'operator', password });
    await createUser(trx, { email: 'view@example.com', name: 'Vic Viewer', role: 'viewer', password });
    await createUser(trx, { email: 'admin@example.com', name: 'Ada Admin', role: 'admin', password });
  });
  held = (await t.http('POST', '/v1/orders', { body: anOrder({ customer }) })).body;
  expect((await t.http('POST', '/v1/orders', { body: anOrder() })).status).toBe(201);
  const hold = await t.http('POST', `/v1/orders/${held.id}/holds`, { body: { reasonCode: 'address_check', note: 'ring the bell' } });
  expect(hold.status, JSON.stringify(hold.body)).toBe(201);
  // With a relay, as in a running server (src/server.ts).
  ({ base, browser, close } = await serveAdminUi(t));
});

afterAll(async () => {
  await close?.();
});

/** A fresh browser context (its own cookies) whose page fails the test on any console error. */
const openPage = (viewport?: { width: number; height: number }) => openBrowserPage(browser, viewport ? { viewport } : {});

const signIn = (page: Page, email: string) => signInAt(page, base, email, password);

describe('the admin UI', () => {
  it('an operator signs in, finds an order by phone number, releases its hold, ships it, and switches to Chinese', async () => {
    const { page, errors } = await openPage();
    // A wrong password is refused in the page.
    await page.goto(base);
    await page.getByLabel('E-mail').fill('ops@example.com');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'the e-mail or the password is wrong' }).waitFor();
    await expectAccessible(page, 'sign-in');

    await signIn(page, 'ops@example.com');
    // The dashboard: today's two orders, one of them held.
    const tiles = page.getByRole('list', { name: 'Today at a glance' });
    await expect.poll(() => tiles.getByRole('listitem').filter({ hasText: 'Orders today' }).textContent()).toContain('2');
    expect(await tiles.getByRole('listitem').filter({ hasText: 'On hold' }).textContent()).toContain('1');
    await page.screenshot({ path: path.join(screenshots, 'dashboard.png') });
    await expectAccessible(page, 'dashboard');

    await navLink(page, 'Orders').click();
    const rows = page.locator('table.orders tbody tr');
    await expect.poll(() => rows.count()).toBe(2);

    await page.getByLabel('Name, e-mail, phone or address').fill('13812345678');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await expect.poll(() => rows.first().textContent()).toContain(held.number);
    await page.screenshot({ path: path.join(screenshots, 'orders-search.png') });
    await expectAccessible(page, 'orders');

    // A saved view: the held orders, saved, cleared, and applied again from the list of views.
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel('Status').selectOption('on_hold');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Save these filters as').fill('Held orders');
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByRole('status').filter({ hasText: 'Held orders' }).waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel('Saved view').selectOption({ label: 'Held orders' });
    await expect.poll(() => rows.count()).toBe(1);
    expect(await page.getByLabel('Status').inputValue()).toBe('on_hold');
    await expectAccessible(page, 'orders with a saved view');

    await navLink(page, 'Review queue').click();
    const queued = page.locator(`li[data-order="${held.number}"]`);
    await queued.getByText('address_check').waitFor();
    await queued.getByLabel('Note').fill('called, address is right');
    await page.screenshot({ path: path.join(screenshots, 'review-queue.png') });
    await expectAccessible(page, 'review queue');
    await queued.getByRole('button', { name: 'Release' }).click();
    await queued.waitFor({ state: 'detached' });
    const after = await t.http('GET', `/v1/orders/${held.id}`);
    expect(after.body.holds[0]).toMatchObject({ status: 'released', decidedBy: 'Olga Ops <ops@example.com>' });
    const timeline = await t.http('GET', `/v1/orders/${held.id}/timeline`);
    expect(JSON.stringify(timeline.body)).toContain('called, address is right');
    expect(after.body.status).not.toBe('on_hold');

    // The order goes on from its page: to the warehouse, then its reserved units shipped.
    await navLink(page, 'Orders').click();
    await page.getByRole('link', { name: held.number }).click();
    await page.getByRole('button', { name: 'Release to warehouse' }).click();
    await page.getByLabel('Tracking number').fill('TRACK-123');
    await page.getByRole('button', { name: 'Ship reserved units' }).click();
    await page.locator('h1 .badge').filter({ hasText: 'Shipped' }).waitFor();
    await page.locator('.timeline').getByText('Shipped').first().waitFor();
    await page.screenshot({ path: path.join(screenshots, 'order-shipped.png'), fullPage: true });
    await expectAccessible(page, 'order page');
    expect((await t.http('GET', `/v1/orders/${held.id}`)).body.status).toBe('shipped');

    // A return of one unit, asked for on the order's page, then worked through on the returns screen.
    await page.getByLabel('Units of ORD-A (line 1)').fill('1');
    await page.getByLabel('Reason code').fill('damaged');
    await page.getByRole('button', { name: 'Request return' }).click();
    await page.getByRole('status').filter({ hasText: 'requested' }).waitFor();
    await navLink(page, 'Returns').click();
    const ret = page.locator('li[data-return]').first();
    await ret.getByText('damaged').waitFor();
    await expectAccessible(page, 'returns');
    await ret.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Approved' }).click();
    await ret.getByLabel('Arrived at (location code)').fill('OWH1');
    await ret.getByRole('button', { name: 'Record arrival' }).click();
    await page.getByRole('button', { name: 'Received', exact: true }).click();
    await ret.getByRole('button', { name: 'Back to stock' }).click();
    await page.getByRole('button', { name: 'Inspected' }).click();
    await ret.getByRole('button', { name: 'Show the refund' }).click();
    await ret.getByTestId('refund-quote').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'returns.png') });
    await expectAccessible(page, 'returns with a refund quote');
    const returns = (await t.http('GET', `/v1/returns?order=${held.id}`)).body.data;
    expect(returns[0]).toMatchObject({ status: 'inspected', location: 'OWH1' });

    await page.getByLabel('Language').selectOption('zh');
    // Every screen of the navigation in Chinese: its link and its heading.
    for (const [link, heading] of [['概览', '概览'], ['退货', '退货'], ['设置', '设置'], ['审核队列', '审核队列']]) {
      await navLink(page, link!).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      // Every loading placeholder gone (a screen such as settings shows several at once; waitFor wants exactly one).
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('main [aria-busy="true"]').length === 0);
      // No English left in what the UI itself says: headings, labels, buttons, table headers (data such as codes
      // and numbers have no letters of their own to translate, so a text with Latin letters must also have Chinese).
      const texts = await page.locator('main :is(h1, h2, h3, label > span, button, th, legend)').allTextContents();
      expect(texts.filter((text) => /[A-Za-z]{2}/.test(text) && !/[\u4e00-\u9fff]/.test(text)), `${link}: ${texts.join(' | ')}`).toEqual([]);
    }
    await page.getByRole('navigation').getByRole('link', { name: '订单', exact: true }).click();
    await page.getByRole('heading', { name: '订单' }).waitFor();
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.screenshot({ path: path.join(screenshots, 'orders-zh.png') });
    // The choice is kept across a reload.
    await page.reload();
    await page.getByRole('heading', { name: '订单' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('a viewer sees the customer masked, and may not search by personal data', async () => {
    const { page, errors } = await openPage();
    await signIn(page, 'view@example.com');
    await page.getByText('Personal data is masked for your role.').waitFor();
    await navLink(page, 'Orders').click();
    expect(await page.getByLabel('Name, e-mail, phone or address').count()).toBe(0);
    await page.getByRole('link', { name: held.number }).click();
    const customerBox = page.getByTestId('customer');
    await customerBox.waitFor();
    expect(await customerBox.textContent()).toContain('张*');
    const text = await page.locator('main').textContent();
    expect(text).not.toContain('张三');
    expect(text).not.toContain('zhang.san');
    expect(text).not.toContain('13812345678');
    await page.screenshot({ path: path.join(screenshots, 'order-viewer-masked.png') });
    // Signing out ends the session: the sign-in form is back, and the cookie no longer works.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/v1/orders')).status);
    expect(status).toBe(401);
    expect(errors.filter((e) => !e.includes('/v1/orders'))).toEqual([]); // the 401 of the fetch above is the point
  });

  it('shows an order placed through the API without a reload (the live event stream, not the 15 s timer)', async () => {
    const { page, errors } = await openPage();
    await signIn(page, 'ops@example.com');
    await navLink(page, 'Orders').click();
    await page.locator('table.orders').waitFor();
    const placed = await t.http('POST', '/v1/orders', { body: anOrder({ customer: { email: 'live@example.com', name: 'Lena Live' } }) });
    expect(placed.status).toBe(201);
    // Well inside the 15 s a poll would take: the stream's order.received reloads the list.
    await page.getByRole('cell', { name: 'Lena Live' }).waitFor({ timeout: 8_000 });
    expect(errors).toEqual([]);
  });

  it('an admin creates an API key, shown once, that works at once', async () => {
    const { page, errors } = await openPage();
    await signIn(page, 'admin@example.com');
    await navLink(page, 'Users and keys').click();
    await page.getByRole('heading', { name: 'API keys', exact: true }).waitFor();
    const keyForm = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create API key' }) });
    await keyForm.getByLabel('Name').fill('made in the browser');
    await keyForm.getByLabel('Role').selectOption('viewer');
    await keyForm.getByRole('button', { name: 'Create API key' }).click();
    const key = await page.getByTestId('new-key').textContent();
    expect(key).toMatch(/^ordo_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('cell', { name: 'made in the browser' }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'access.png') });
    await expectAccessible(page, 'users and keys');
    expect((await t.http('GET', '/v1/orders', { key: key! })).status).toBe(200);
    expect(errors).toEqual([]);
  });

  it('releases many held orders at once from the review queue, with the keyboard', async () => {
    const orders = [];
    for (const reasonCode of ['bulk_a', 'bulk_b']) {
      const order = (await t.http('POST', '/v1/orders', { body: anOrder() })).body;
      expect((await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode } })).status).toBe(201);
      orders.push(order);
    }
    const { page, errors } = await openPage();
    await signIn(page, 'ops@example.com');
    await navLink(page, 'Review queue').click();
    await page.locator(`li[data-order="${orders[1].number}"]`).waitFor();
    // Tick both from the keyboard: Tab to the "Tick all" box, Space; then Tab to the button, Enter.
    const all = page.getByLabel('Tick all');
    await tabTo(page, all);
    await page.keyboard.press('Space');
    const release = page.getByRole('button', { name: 'Release ticked (2)' });
    await tabTo(page, release);
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Released 2 order(s).' }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'review-queue-bulk.png') });
    await expectAccessible(page, 'review queue after a bulk release');
    for (const order of orders) expect((await t.http('GET', `/v1/orders/${order.id}`)).body.status).toBe('allocated');
    expect(errors).toEqual([]);
  });

  it('explains why a channel may sell what it may, naming the orders that hold the stock', async () => {
    const order = (await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-B', quantity: 2, unitPriceMinor: 700 }]) })).body;
    const { page, errors } = await openPage();
    await signIn(page, 'ops@example.com');
    await navLink(page, 'Stock').click();
    await page.getByRole('cell', { name: 'ORD-B', exact: true }).waitFor();
    await expectAccessible(page, 'stock');
    await navLink(page, 'Availability').click();
    await page.getByLabel('SKU code').fill('ORD-B');
    await page.getByLabel('Channel (optional)').fill('WEB');
    await page.getByRole('button', { name: 'Check' }).click();
    const holders = page.getByTestId('holders');
    await holders.getByRole('link', { name: `Order ${order.number}` }).waitFor();
    expect(await page.getByTestId('channel-explanation').textContent()).toContain('No quota of its own');
    await page.screenshot({ path: path.join(screenshots, 'availability.png'), fullPage: true });
    await expectAccessible(page, 'availability');
    expect(errors).toEqual([]);
  });

  it('shows and changes settings: channels, locations, review rules', async () => {
    const { page, errors } = await openPage();
    await signIn(page, 'admin@example.com');
    await navLink(page, 'Settings').click();
    await page.getByRole('cell', { name: 'OWH1', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'WEB', exact: true }).waitFor();
    const rules = (await t.http('GET', '/v1/review-rules')).body.data as { code: string; enabled: boolean }[];
    expect(rules.length).toBeGreaterThan(0);
    const rule = rules[0]!;
    await page.getByRole('button', { name: `${rule.enabled ? 'Disable' : 'Enable'} ${rule.code}`, exact: true }).click();
    await page.getByRole('button', { name: `${rule.enabled ? 'Enable' : 'Disable'} ${rule.code}`, exact: true }).waitFor();
    const after = (await t.http('GET', '/v1/review-rules')).body.data.find((r: { code: string }) => r.code === rule.code);
    expect(after.enabled).toBe(!rule.enabled);
    await page.screenshot({ path: path.join(screenshots, 'settings.png'), fullPage: true });
    await expectAccessible(page, 'settings');
    expect(errors).toEqual([]);
  });
});

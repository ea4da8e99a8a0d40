/**
 * The admin UI in a real browser (Debian's Chromium driven by playwright-core) against the real server on a real
 * PostgreSQL: sign in, search an order, release a hold, switch to Chinese, and a viewer sees personal data masked.
 * Fails on any console error in the page; saves a screenshot of each screen to dist/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/access/create-user.js';
import { startRelay, type Relay } from '../src/integration/index.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const password = 'correct horse battery staple';
const screenshots = path.resolve('dist/screenshots');
const customer = { name: '张三', email: 'zhang.san@example.com', phone: '13812345678' };

let browser: Browser;
let base: string;
let held: any;

let relay: Relay | undefined;

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
  // The relay gives events their stream positions, as in a running server (src/server.ts).
  relay = startRelay({ db: t.db, logger: { error: () => undefined, warn: () => undefined, info: () => undefined }, webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, maxPollMs: 50 });
  base = `${await t.app.listen({ port: 0, host: '127.0.0.1' })}/admin/`;
  mkdirSync(screenshots, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await relay?.stop();
  await browser?.close();
});

/** A fresh browser context (its own cookies) whose page fails the test on any console error. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    // The browser logs every 4xx as an error; the 401s of /v1/session (not signed in yet, a wrong password) are the
    // page asking, not a fault.
    if (m.type() === 'error' && !(m.text().includes('401') && m.location().url.endsWith('/v1/session'))) errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Orders' }).waitFor();
}

describe('the admin UI', () => {
  it('an operator signs in, finds an order by phone number, releases its hold, ships it, and switches to Chinese', async () => {
    const { page, errors } = await openPage();
    // A wrong password is refused in the page.
    await page.goto(base);
    await page.getByLabel('E-mail').fill('ops@example.com');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'the e-mail or the password is wrong' }).waitFor();

    await signIn(page, 'ops@example.com');
    const rows = page.locator('table.orders tbody tr');
    await expect.poll(() => rows.count()).toBe(2);

    await page.getByLabel('Name, e-mail, phone or address').fill('13812345678');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await expect.poll(() => rows.first().textContent()).toContain(held.number);
    await page.screenshot({ path: path.join(screenshots, 'orders-search.png') });

    await page.getByRole('link', { name: 'Review queue' }).click();
    const queued = page.locator(`li[data-order="${held.number}"]`);
    await queued.getByText('address_check').waitFor();
    await queued.getByLabel('Note').fill('called, address is right');
    await page.screenshot({ path: path.join(screenshots, 'review-queue.png') });
    await queued.getByRole('button', { name: 'Release' }).click();
    await queued.waitFor({ state: 'detached' });
    const after = await t.http('GET', `/v1/orders/${held.id}`);
    expect(after.body.holds[0]).toMatchObject({ status: 'released', decidedBy: 'Olga Ops <ops@example.com>' });
    const timeline = await t.http('GET', `/v1/orders/${held.id}/timeline`);
    expect(JSON.stringify(timeline.body)).toContain('called, address is right');
    expect(after.body.status).not.toBe('on_hold');

    // The order goes on from its page: to the warehouse, then its reserved units shipped.
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('link', { name: held.number }).click();
    await page.getByRole('button', { name: 'Release to warehouse' }).click();
    await page.getByLabel('Tracking number').fill('TRACK-123');
    await page.getByRole('button', { name: 'Ship reserved units' }).click();
    await page.locator('h1 .badge').filter({ hasText: 'Shipped' }).waitFor();
    await page.locator('.timeline').getByText('Shipped').first().waitFor();
    await page.screenshot({ path: path.join(screenshots, 'order-shipped.png'), fullPage: true });
    expect((await t.http('GET', `/v1/orders/${held.id}`)).body.status).toBe('shipped');

    await page.getByLabel('Language').selectOption('zh');
    await page.getByRole('link', { name: '订单' }).click();
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
    const placed = await t.http('POST', '/v1/orders', { body: anOrder({ customer: { email: 'live@example.com', name: 'Lena Live' } }) });
    expect(placed.status).toBe(201);
    // Well inside the 15 s a poll would take: the stream's order.received reloads the list.
    await page.getByRole('cell', { name: 'Lena Live' }).waitFor({ timeout: 8_000 });
    expect(errors).toEqual([]);
  });

  it('an admin creates an API key, shown once, that works at once', async () => {
    const { page, errors } = await openPage();
    await signIn(page, 'admin@example.com');
    await page.getByRole('link', { name: 'Users and keys' }).click();
    await page.getByRole('heading', { name: 'API keys', exact: true }).waitFor();
    const keyForm = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create API key' }) });
    await keyForm.getByLabel('Name').fill('made in the browser');
    await keyForm.getByLabel('Role').selectOption('viewer');
    await keyForm.getByRole('button', { name: 'Create API key' }).click();
    const key = await page.getByTestId('new-key').textContent();
    expect(key).toMatch(/^ordo_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('cell', { name: 'made in the browser' }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'access.png') });
    expect((await t.http('GET', '/v1/orders', { key: key! })).status).toBe(200);
    expect(errors).toEqual([]);
  });
});

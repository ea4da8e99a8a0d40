/**
 * The admin UI's stock screen and the dashboard's base-currency revenue in a real browser (Debian's Chromium driven
 * by playwright-core) against the real server on a real PostgreSQL: an operator adjusts, transfers and counts stock
 * from the grid's rows and sees the numbers change (and the API's refusal of bad input), sees incoming supply with its
 * expected date and receives it, acknowledges a low-stock alert; the dashboard adds today's revenue up in the base
 * currency, naming the rate used. Set up with test/admin-ui-browser.ts: fails on any console error but the refusals
 * provoked on purpose, axe-core on every screen, screenshots in dist/screenshots/.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/access/create-user.js';
import { expectAccessible, navLink, openPage, screenshots, serveAdminUi, settled, signIn, untranslated } from './admin-ui-browser.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const password = 'correct horse battery staple';
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

let browser: Browser;
let base: string;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.db.transaction().execute((trx) => createUser(trx, { email: 'ops@example.com', name: 'Olga Ops', role: 'operator', password }));
  // Incoming supply: a purchase order of ORD-C for OWH1.
  const po = await t.http('POST', '/v1/supply', { body: { type: 'purchase_order', reference: 'PO-4711', location: 'OWH1', expectedOn: day(5), lines: [{ sku: 'ORD-C', quantity: 20 }] } });
  expect(po.status, JSON.stringify(po.body)).toBe(201);
  // A low-stock alert: ORD-B at OWH1 falls under its reorder point.
  await t.http('PUT', '/v1/stock/settings', { body: { items: [{ sku: 'ORD-B', location: 'OWH1', reorderPoint: 10 }] } });
  expect((await t.http('POST', '/v1/stock/adjustments', { body: { lines: [{ sku: 'ORD-B', location: 'OWH1', delta: -1, reason: 'damaged' }] } })).status).toBe(201);
  // Today's revenue in two currencies, the base one and one with a rate.
  await t.http('POST', '/v1/channels', { body: { code: 'USWEB', name: 'US web', type: 'web', currency: 'USD' } });
  expect((await t.http('PUT', '/v1/fx-rates', { body: { baseCurrency: 'EUR', rates: [{ currency: 'USD', effectiveFrom: day(-2), rate: '0.9' }] } })).status).toBe(200);
  for (const body of [anOrder({}, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 1005 }]), anOrder({ channel: 'USWEB', currency: 'USD' }, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 2005 }])]) {
    const res = await t.http('POST', '/v1/orders', { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  ({ base, browser, close } = await serveAdminUi(t, { relay: false }));
});

afterAll(async () => {
  await close?.();
});

/** The numbers of a row of the grid: on hand, reserved, quarantined, safety stock, available. */
async function row(page: Page, sku: string, location: string): Promise<number[]> {
  const cells = await page.locator(`tr[data-stock="${sku}@${location}"] td.num`).allTextContents();
  return cells.map(Number);
}

/** An attribute of the element that has the keyboard focus. */
const focused = (page: Page, attribute: string) => page.evaluate((name) =>
  (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute(name) ?? null, attribute);

const onHand = async (sku: string, location: string) =>
  ((await t.http('GET', `/v1/stock?sku=${sku}&location=${location}`)).body.data[0]?.onHand ?? 0) as number;

describe('the stock screen', () => {
  it('adjusts, transfers and counts from the grid, lists and receives incoming supply, acknowledges a low-stock alert', async () => {
    const { page, errors } = await openPage(browser, { expected: (m) => /\/v1\/stock\/(adjustments|transfers)$/.test(m.location().url) });
    await signIn(page, base, 'ops@example.com', password);
    await navLink(page, 'Stock').click();
    await page.getByRole('heading', { name: 'Stock', exact: true }).waitFor();
    await settled(page);
    const a0 = await onHand('ORD-A', 'OWH1');
    expect((await row(page, 'ORD-A', 'OWH1'))[0]).toBe(a0);
    await expectAccessible(page, 'stock');
    await page.screenshot({ path: path.join(screenshots, 'stock.png'), fullPage: true });

    // Adjust: more than is on hand is refused with the API's words, the form kept; then a real one.
    await page.getByRole('button', { name: 'Adjust ORD-A at OWH1' }).click();
    const panel = page.locator('section.stock-action');
    await panel.getByLabel('Units to add (+) or remove (−)').fill('-100000');
    await panel.getByRole('button', { name: 'Save the adjustment' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('refused');
    await expectAccessible(page, 'stock adjust refused');
    await page.screenshot({ path: path.join(screenshots, 'stock-adjust-refused.png'), fullPage: true });
    await panel.getByLabel('Units to add (+) or remove (−)').fill('-3');
    await panel.getByLabel('Reason').selectOption('damaged');
    await panel.getByRole('button', { name: 'Save the adjustment' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`${a0 - 3} on hand now`);
    await expect.poll(() => row(page, 'ORD-A', 'OWH1').then((r) => r[0])).toBe(a0 - 3);
    expect(await onHand('ORD-A', 'OWH1')).toBe(a0 - 3);
    const ledger = (await t.http('GET', '/v1/stock/movements?sku=ORD-A&location=OWH1&referenceType=adjustment')).body.data[0];
    expect(ledger).toMatchObject({ onHandDelta: -3, note: 'damaged' });

    // Transfer: an unknown destination is refused; then 5 leave OWH1 for OWH2 and are incoming there.
    await page.getByRole('button', { name: 'Transfer ORD-A from OWH1' }).click();
    await panel.getByLabel('To location (code)').fill('NOWHERE');
    await panel.getByLabel('Units', { exact: true }).fill('5');
    await panel.getByRole('button', { name: 'Send the transfer' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('NOWHERE');
    await panel.getByLabel('To location (code)').fill('OWH2');
    await panel.getByLabel('Reference (optional)').fill('TR-1');
    await panel.getByRole('button', { name: 'Send the transfer' }).click();
    await expect.poll(() => row(page, 'ORD-A', 'OWH1').then((r) => r[0])).toBe(a0 - 8);
    const transfer = page.locator('tr[data-supply="TR-1"]');
    await transfer.waitFor();
    expect(await transfer.textContent()).toContain('from OWH1 to OWH2');

    // Count: ORD-C at OWH2 counted 47 of 50; the variance is posted.
    const c0 = await onHand('ORD-C', 'OWH2');
    await page.getByRole('button', { name: 'Count ORD-C at OWH2' }).click();
    await expect.poll(() => panel.textContent()).toContain(`On hand in the books: ${c0}`);
    await panel.getByLabel('Units counted').fill(String(c0 - 3));
    await panel.getByRole('button', { name: 'Post the count' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('variance -3 posted');
    await expect.poll(() => row(page, 'ORD-C', 'OWH2').then((r) => r[0])).toBe(c0 - 3);
    expect((await t.http('GET', '/v1/stock/counts?location=OWH2')).body.data[0]).toMatchObject({ status: 'posted', totals: { unitsShort: 3 } });

    // Incoming supply: the purchase order with its expected date; receiving it puts ORD-C on hand at OWH1.
    const po = page.locator('tr[data-supply="PO-4711"]');
    expect(await po.textContent()).toContain('Purchase order');
    expect(await po.locator('td').nth(5).textContent()).toBe('20');
    await expectAccessible(page, 'stock with supply');
    await po.getByRole('button', { name: 'Receive PO-4711' }).click();
    await expect.poll(() => row(page, 'ORD-C', 'OWH1').then((r) => r[0])).toBe(20);
    await expect.poll(() => po.count()).toBe(0);

    // The low-stock alert, acknowledged.
    const alert = page.locator('tr[data-alert="ORD-B@OWH1"]');
    expect(await alert.textContent()).toContain('Open');
    await alert.getByRole('button', { name: 'Acknowledge ORD-B at OWH1' }).click();
    await expect.poll(() => alert.textContent()).toContain('Seen by Olga Ops');
    expect((await t.http('GET', '/v1/alerts')).body.data.find((a: { sku: string }) => a.sku === 'ORD-B')).toMatchObject({ status: 'acknowledged' });
    await settled(page);
    await expectAccessible(page, 'stock after actions');
    await page.screenshot({ path: path.join(screenshots, 'stock-after.png'), fullPage: true });

    // With the keyboard: the panel takes the focus, Escape closes it and gives the focus back to its button.
    await page.getByRole('button', { name: 'Transfer ORD-DUP from OWH1' }).click();
    await expect.poll(() => focused(page, 'id')).toBe('stock-action-title');
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.count()).toBe(0);
    await expect.poll(() => focused(page, 'aria-label')).toBe('Transfer ORD-DUP from OWH1');

    // In Chinese, the panels say nothing in English.
    await page.getByLabel('Language').selectOption('zh');
    await page.getByRole('button', { name: '调整 OWH1 的 ORD-A' }).click();
    await settled(page);
    // "SKU" is the same word in both languages (test/admin-ui-i18n.test.ts).
    expect((await untranslated(page)).filter((text) => text.trim() !== 'SKU')).toEqual([]);
    await page.screenshot({ path: path.join(screenshots, 'stock-zh.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});

describe('the dashboard', () => {
  it('shows today\'s revenue in the base currency with the rate used', async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, 'ops@example.com', password);
    await settled(page);
    const table = page.locator('section[aria-labelledby="dashboard-base-title"]');
    await table.getByRole('heading', { name: 'Today\'s revenue in EUR, the base currency' }).waitFor();
    const usd = table.locator('tr[data-currency="USD"]');
    expect(await usd.locator('td').allTextContents()).toEqual(['USD', '$25.00', '0.9', day(-2), '€22.50']);
    // EUR: 10.05 + 4.95 shipping; USD 25.00 at 0.9.
    expect(await table.locator('tfoot').textContent()).toContain('€37.50');
    expect(await page.locator('.tile', { hasText: 'Revenue today in EUR' }).textContent()).toContain('every currency converted');
    await expectAccessible(page, 'dashboard base revenue');
    await page.screenshot({ path: path.join(screenshots, 'dashboard-base-revenue.png'), fullPage: true });

    // Yen has no rate: named, left out of the total, never guessed.
    await t.http('POST', '/v1/channels', { body: { code: 'JPWEB', name: 'Japan web', type: 'web', currency: 'JPY' } });
    const yen = await t.http('POST', '/v1/orders', { body: anOrder({ channel: 'JPWEB', currency: 'JPY', shippingMinor: 0, totals: { subtotalMinor: 1200, discountMinor: 0, shippingMinor: 0, taxMinor: 0, totalMinor: 1200 }, payment: { method: 'card', authorizedMinor: 1200 } }, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 1200 }]) });
    expect(yen.status, JSON.stringify(yen.body)).toBe(201);
    await page.reload();
    await table.locator('tr[data-currency="JPY"]').waitFor();
    expect(await table.locator('tr[data-currency="JPY"] td').allTextContents()).toEqual(['JPY', '¥1,200', 'no rate', '—', '—']);
    expect(await table.getByRole('note').textContent()).toBe('No rate for JPY: left out of the total, not guessed.');
    expect(await table.locator('tfoot').textContent()).toContain('€37.50');
    expect(await page.locator('.tile', { hasText: 'Revenue today in EUR' }).textContent()).toContain('without JPY (no rate)');
    await expectAccessible(page, 'dashboard base revenue, a rate missing');
    await page.screenshot({ path: path.join(screenshots, 'dashboard-base-revenue-missing.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});

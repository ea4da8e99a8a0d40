/**
 * The admin UI's order page in a real browser (Debian's Chromium driven by playwright-core) against the real server
 * on a real PostgreSQL: the sourcing explanation of a captured order (rules, scores, the chosen location, why the
 * other was not used), in English and Chinese, and a new decision when it is sourced again away from a warehouse; a refund made from the page by finance, with its explanation part by
 * part, and the API's refusal of too much; a line's quantity changed; an order split, the new one opened; two orders
 * of one customer merged by number. Each scenario: a screenshot, no console error, axe-core (no serious or critical
 * violation), with the shared helpers of test/admin-ui-browser.ts.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/access/create-user.js';
import { expectAccessible, openPage, screenshots, serveAdminUi, settled, signIn, untranslated } from './admin-ui-browser.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const password = 'correct horse battery staple';

let browser: Browser;
let base: string;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  await seedOrderWorld(t);
  // A second warehouse with ORD-A, which sourcing ranks below the first (priority 20 against 10).
  expect((await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH2', lines: [{ sku: 'ORD-A', quantity: 20 }] } })).status).toBeLessThan(300);
  await t.db.transaction().execute(async (trx) => {
    await createUser(trx, { email: 'ops@example.com', name: 'Olga Ops', role: 'operator', password });
    await createUser(trx, { email: 'fin@example.com', name: 'Fei Finance', role: 'finance', password });
  });
  // Money that moves: the built-in test provider approves every capture and refund.
  expect((await t.http('PUT', '/v1/payment-providers/sandbox', { body: { kind: 'test', test: { outcome: 'approve' } } })).status).toBeLessThan(300);
  expect((await t.http('PUT', '/v1/channels/WEB/payment-policy', { body: { provider: 'sandbox', capture: 'at_order' } })).status).toBe(200);
  // With a relay, as in a running server; the page follows the live stream.
  ({ base, browser, close } = await serveAdminUi(t));
});

afterAll(async () => {
  await close?.();
});

async function captured(lines?: { sku: string; quantity: number; unitPriceMinor: number }[]) {
  const res = await t.http('POST', '/v1/orders', { body: anOrder({}, lines) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function signedIn(email: string, expected?: RegExp) {
  const { page, errors } = await openPage(browser, expected && { expected: (m) => expected.test(m.location().url) });
  page.on('dialog', (d) => void d.accept());
  await signIn(page, base, email, password);
  return { page, errors };
}

describe('the order page', () => {
  it('explains where a captured order ships from: the rule set, each location\'s score per rule, the chosen one, why not the other — in both languages', async () => {
    const order = await captured([{ sku: 'ORD-A', quantity: 2, unitPriceMinor: 1000 }]);
    const { page, errors } = await signedIn('ops@example.com');
    await page.goto(`${base}#/orders/${order.id}`);
    const decision = page.locator('li[data-decision="1"]');
    await decision.getByRole('heading', { name: /Decision 1: at capture/ }).waitFor();
    await settled(page);
    expect(await decision.getByTestId('chosen').textContent()).toBe('OWH1');
    expect(await decision.getByTestId('rule-set').textContent()).toContain('fewest shipments → priority');
    expect(await decision.locator('thead th').allTextContents()).toEqual(['Location', 'fewest shipments', 'priority', 'Outcome']);
    const chosen = decision.locator('tr[data-location="OWH1"]');
    expect(await chosen.locator('td').allTextContents()).toEqual(['OWH1', '1 line(s) whole', 'priority 10', 'Chosen: 2 × ORD-A']);
    expect(await decision.locator('tr[data-location="OWH2"] td').last().textContent()).toBe('ranked lower, or nothing left for it to cover');
    await page.screenshot({ path: path.join(screenshots, 'order-sourcing.png'), fullPage: true });
    await expectAccessible(page, 'order page with its sourcing');

    await page.getByLabel('Language').selectOption('zh');
    await decision.getByRole('heading', { name: /决策 1：下单时/ }).waitFor();
    expect(await decision.locator('thead th').allTextContents()).toEqual(['仓库', '包裹最少', '仓点优先级', '结果']);
    // "SKU" is the same word in both languages (test/admin-ui-i18n.test.ts).
    expect((await untranslated(page)).filter((text) => text !== 'SKU')).toEqual([]);
    await page.screenshot({ path: path.join(screenshots, 'order-sourcing-zh.png'), fullPage: true });
    await page.getByLabel('语言').selectOption('en');

    // Sourced again away from the first warehouse: the new decision, on top, ships from the other.
    await page.getByLabel('not from OWH1').check();
    await page.getByLabel('Why, for the timeline').fill('OWH1 closed for stock-take');
    await page.getByRole('button', { name: 'Source again' }).click();
    const again = page.locator('li[data-decision="2"]');
    await again.getByRole('heading', { name: /Decision 2: sourced again/ }).waitFor();
    expect(await again.getByTestId('chosen').textContent()).toBe('OWH2');
    expect(await again.locator('dd').filter({ hasText: 'OWH1 closed for stock-take' }).count()).toBe(1);
    expect((await t.http('GET', `/v1/orders/${order.id}`)).body.lines[0]).toMatchObject({ location: 'OWH2', allocated: 2 });
    await expectAccessible(page, 'order page sourced again');
    expect(errors).toEqual([]);
  });

  it('finance refunds a lost unit from the page: the quote, then the refund with its explanation part by part; too much is refused in the API\'s words', async () => {
    const order = await captured([{ sku: 'ORD-A', quantity: 2, unitPriceMinor: 1000 }, { sku: 'ORD-B', quantity: 1, unitPriceMinor: 700 }]);
    expect((await t.http('POST', `/v1/orders/${order.id}/payments/capture`, { body: {}, headers: { 'idempotency-key': `cap-${order.id}` } })).status).toBe(201);
    const { page, errors } = await signedIn('fin@example.com', /\/v1\/refunds$/);
    await page.goto(`${base}#/orders/${order.id}`);
    await page.getByRole('heading', { name: 'Refund without a return' }).waitFor();
    // Finance may refund but not edit the order.
    expect(await page.getByRole('heading', { name: 'Change the order' }).count()).toBe(0);

    await page.getByLabel('Units of ORD-A (line 1) to refund').fill('1');
    await page.getByRole('button', { name: 'Show the refund' }).click();
    const quote = page.getByRole('table', { name: 'What this refund would pay' });
    await quote.getByRole('rowheader', { name: 'Line 1 ORD-A: 1 unit(s)' }).waitFor();
    expect(await quote.getByRole('row', { name: /Refund total/ }).locator('td').first().textContent()).toBe('€10.00');

    // More than was captured: the API's 409 in its words, nothing refunded.
    await page.getByLabel('Amount by hand (EUR)').fill('999');
    await page.getByLabel('Reason for the refund').fill('lost in transit');
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/refund/i);
    expect((await t.http('GET', `/v1/orders/${order.id}/payments`)).body.refundedMinor).toBe(0);

    await page.getByLabel('Amount by hand (EUR)').fill('');
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Refunded.' }).waitFor();
    const money = (await t.http('GET', `/v1/orders/${order.id}/payments`)).body;
    const refund = money.payments.find((p: { kind: string }) => p.kind === 'refund');
    expect(refund).toMatchObject({ status: 'succeeded', amountMinor: 1000, reason: 'lost in transit' });
    const shown = page.locator(`[data-refund="${refund.id}"]`);
    await shown.getByRole('rowheader', { name: 'Line 1 ORD-A: 1 unit(s)' }).waitFor();
    expect(await shown.getByRole('row', { name: /Refund total/ }).locator('td').first().textContent()).toBe('€10.00');
    expect(await page.getByTestId('refunded').textContent()).toBe('€10.00');
    await page.screenshot({ path: path.join(screenshots, 'order-refund.png'), fullPage: true });
    await expectAccessible(page, 'order page after a refund');
    expect(errors).toEqual([]);
  });

  it('an operator changes a line\'s quantity, adds and cancels a line, changes the address: each shows at once', async () => {
    const order = await captured([{ sku: 'ORD-A', quantity: 2, unitPriceMinor: 1000 }]);
    const { page, errors } = await signedIn('ops@example.com', /\/lines$/);
    await page.goto(`${base}#/orders/${order.id}`);
    await page.getByLabel('Quantity of ORD-A (line 1)').fill('5');
    await page.getByRole('button', { name: 'Change quantity of ORD-A (line 1)' }).click();
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor();
    const line = page.locator('table').first().locator('tbody tr').first();
    await expect.poll(() => line.locator('td').nth(2).textContent()).toBe('5');
    expect(await page.locator('.totals dd').last().textContent()).toBe('€54.95');
    const after = (await t.http('GET', `/v1/orders/${order.id}`)).body;
    expect(after.lines[0]).toMatchObject({ quantity: 5, allocated: 5 });
    expect(after.totals.totalMinor).toBe(5495);

    // An unknown SKU: the API's 404 in its words, nothing added.
    await page.getByLabel('SKU to add').fill('NO-SUCH-SKU');
    await page.getByLabel('Unit price (EUR)').fill('7');
    await page.getByRole('button', { name: 'Add a line' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('NO-SUCH-SKU');
    await page.getByLabel('SKU to add').fill('ORD-B');
    await page.getByRole('button', { name: 'Add a line' }).click();
    // The added line was sourced: its decision joins the explanation.
    await page.locator('li[data-decision="2"]').getByRole('heading', { name: /Decision 2: a line was added/ }).waitFor();
    await page.getByRole('button', { name: 'Cancel line 2 (ORD-B)' }).click();
    await expect.poll(async () => (await t.http('GET', `/v1/orders/${order.id}`)).body.lines[1]).toMatchObject({ sku: 'ORD-B', quantity: 1, cancelled: 1 });
    await expect.poll(() => page.locator('table').first().locator('tbody tr').nth(1).locator('td').nth(5).textContent()).toBe('1');

    await page.getByText('Change the shipping address or the remark').click();
    await page.getByLabel('City').fill('Bonn');
    await page.getByLabel('Postal code').fill('53111');
    await page.getByRole('button', { name: 'Save address and remark' }).click();
    await expect.poll(() => page.getByTestId('address-Ship to').textContent()).toContain('53111 Bonn, DE');
    expect((await t.http('GET', `/v1/orders/${order.id}`)).body.shippingAddress).toMatchObject({ city: 'Bonn', postalCode: '53111', line1: 'Heidestraße 17' });
    await page.screenshot({ path: path.join(screenshots, 'order-edit.png'), fullPage: true });
    await expectAccessible(page, 'order page after an edit');
    expect(errors).toEqual([]);
  });

  it('an operator splits units into a new order and opens it', async () => {
    const order = await captured([{ sku: 'ORD-A', quantity: 3, unitPriceMinor: 1000 }, { sku: 'ORD-B', quantity: 1, unitPriceMinor: 700 }]);
    const { page, errors } = await signedIn('ops@example.com');
    await page.goto(`${base}#/orders/${order.id}`);
    await page.getByLabel('Units of ORD-A (line 1) to move, of 3').fill('2');
    await page.getByRole('button', { name: 'Split into a new order' }).click();
    const number = `${order.number}-2`;
    await page.getByRole('status').filter({ hasText: `Split: the new order is ${number}.` }).waitFor();
    await expect.poll(async () => (await t.http('GET', `/v1/orders/${order.id}`)).body.lines[0].quantity).toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'order-split.png'), fullPage: true });
    await expectAccessible(page, 'order page after a split');

    await page.getByRole('link', { name: `Open order ${number}` }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(number) }).waitFor();
    await page.getByRole('link', { name: 'Split from another order: open it' }).waitFor();
    const line = page.locator('table').first().locator('tbody tr').first();
    expect(await line.locator('td').nth(1).textContent()).toBe('ORD-A');
    expect(await line.locator('td').nth(2).textContent()).toBe('2');
    await settled(page);
    await expectAccessible(page, 'the order split off');
    expect(errors).toEqual([]);
  });

  it('an operator merges two orders of one customer by number: the page moves to the order kept', async () => {
    const older = await captured([{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 1000 }]);
    const newer = await captured([{ sku: 'ORD-B', quantity: 1, unitPriceMinor: 700 }]);
    const { page, errors } = await signedIn('ops@example.com');
    await page.goto(`${base}#/orders/${newer.id}`);
    await page.getByLabel('Order number to merge with').fill(older.number);
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(older.number) }).waitFor();
    await expect.poll(() => page.locator('table').first().locator('tbody tr').count()).toBe(2);
    expect((await t.http('GET', `/v1/orders/${newer.id}`)).body).toMatchObject({ status: 'cancelled', mergedInto: older.id });
    expect((await t.http('GET', `/v1/orders/${older.id}`)).body.lines.map((l: { sku: string }) => l.sku)).toEqual(['ORD-A', 'ORD-B']);
    await settled(page);
    await page.screenshot({ path: path.join(screenshots, 'order-merge.png'), fullPage: true });
    await expectAccessible(page, 'order page after a merge');

    // The order merged away says where it went, and offers no edits.
    await page.goto(`${base}#/orders/${newer.id}`);
    await page.getByRole('link', { name: 'Merged into another order: open it' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Change the order' }).count()).toBe(0);
    expect(errors).toEqual([]);
  });
});

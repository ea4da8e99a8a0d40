/**
 * The admin UI's settings in a real browser (Debian's Chromium driven by playwright-core) against the real server on a
 * real PostgreSQL: an admin edits a channel's sourcing rules and runs the what-if simulation; adds a carrier service,
 * its rate table and gets a quote; subscribes a local receiver to webhooks, sees the deliveries and replays one; sets a
 * channel's connector, sees its health and captures a held order again; a viewer finds nothing that writes; then every
 * settings section in Chinese. Fails on any console error the scenario does not provoke on purpose; runs axe-core on
 * every section; saves screenshots to dist/screenshots/.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/access/create-user.js';
import { expectAccessible, navLink, openPage, screenshots, serveAdminUi, settled, signIn, untranslated } from './admin-ui-browser.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const password = 'correct horse battery staple';
const signingSecret = 'tmall-signing-secret';
const taobao = readFileSync(path.resolve('test/fixtures/connectors/taobao-trade.json'), 'utf8');

let browser: Browser;
let base: string;
let close: (() => Promise<void>) | undefined;
const wholeSet: string[] = [];

/** The outside system of the webhooks: answers 204 to every POST and keeps the event ids it got. */
const received: string[] = [];
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received.push(String(req.headers['webhook-id']));
    res.writeHead(204).end();
  });
});
const receiverUrl = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

beforeAll(async () => {
  await seedOrderWorld(t);
  // OWH2 holds more of ORD-A than OWH1: by priority the orders ship from OWH1, by stock balance from OWH2.
  expect((await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH2', lines: [{ sku: 'ORD-A', quantity: 300 }] } })).status).toBe(201);
  for (let i = 0; i < 3; i++) {
    const placed = await t.http('POST', '/v1/orders', { body: anOrder() });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    wholeSet.push(placed.body.number);
  }
  // A marketplace channel for the connector, with the SKUs of the Taobao sample in stock.
  expect((await t.http('POST', '/v1/channels', { body: { code: 'TMALL', name: 'Tmall', type: 'marketplace', currency: 'CNY' } })).status).toBe(201);
  await t.http('POST', '/v1/skus/bulk', { body: { items: ['TEE-RED-M', 'CAP-01'].map((code) => ({ code, name: code })) } });
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'TEE-RED-M', quantity: 10 }, { sku: 'CAP-01', quantity: 10 }] } });
  await t.db.transaction().execute(async (trx) => {
    await createUser(trx, { email: 'admin@example.com', name: 'Ada Admin', role: 'admin', password });
    await createUser(trx, { email: 'view@example.com', name: 'Vic Viewer', role: 'viewer', password });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  // The relay delivers webhooks, as in a running server (src/server.ts); loopback allowed, as in the webhook tests.
  ({ base, browser, close } = await serveAdminUi(t, { minPollMs: 10 }));
});

afterAll(async () => {
  await close?.();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

/** The settings section of the local navigation. */
const section = async (page: Page, name: string) => {
  await page.getByRole('navigation', { name: /^(Settings sections|设置分区)$/ }).getByRole('link', { name, exact: true }).click();
  await settled(page);
};

/**
 * The admin's page on the settings screen: signed in once for the file (signing in hashes the password, seconds on a
 * loaded machine); each scenario starts from the settings screen and checks the console errors of its own part.
 */
let admin: { page: Page; errors: string[] } | undefined;
async function settingsPage() {
  if (!admin) {
    admin = await openPage(browser, { expected: provoked });
    await signIn(admin.page, base, 'admin@example.com', password);
  }
  admin.errors.length = 0;
  await navLink(admin.page, 'Settings').click();
  // The settings screen's list of locations: OWH1 once. (Until the click has taken effect the page may still show the
  // section a scenario left, such as a simulation naming OWH1 on every row.)
  const page = admin.page;
  await expect.poll(() => page.getByRole('cell', { name: 'OWH1', exact: true }).count(), { timeout: 30_000 }).toBe(1);
  return admin;
}

/** The channel a section shows (its label's name also holds the options' text). */
const channelSelect = (page: Page) => page.getByRole('combobox', { name: /^(Channel|渠道)/ });

/** Answers the scenario provokes on purpose: a channel without a connector yet (404), a rate table refused (400). */
const provoked = (m: { text(): string; location(): { url: string } }) =>
  (m.text().includes('404') && /\/v1\/channels\/[^/]+\/connector$/.test(m.location().url))
  || (m.text().includes('400') && /\/rate-table$/.test(m.location().url));

describe('the admin UI settings', () => {
  it('an admin moves a sourcing rule up, sees in a what-if which orders would ship from elsewhere, and saves the rule set', async () => {
    const { page, errors } = await settingsPage();
    await section(page, 'Sourcing rules');
    await channelSelect(page).selectOption('WEB');
    await expect.poll(() => channelSelect(page).inputValue()).toBe('WEB');
    await page.getByTestId('rules-in-force').filter({ hasText: 'the default, fewest shipments › priority' }).waitFor();
    await page.getByLabel('Rule to add').selectOption({ label: 'stock balance' });
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('button', { name: 'Move stock balance up' }).click();
    await page.getByRole('button', { name: 'Move stock balance up' }).click();
    expect(await page.locator('ol.rules li').evaluateAll((lis) => lis.map((li) => (li as unknown as { dataset: { rule: string } }).dataset.rule)))
      .toEqual(['stock_balance', 'fewest_shipments', 'priority']);
    await page.getByRole('button', { name: 'Run simulation' }).click();
    const simulation = page.getByTestId('simulation');
    await simulation.waitFor();
    const changed = simulation.getByTestId('changed-orders');
    for (const number of wholeSet) {
      const row = changed.getByRole('row').filter({ has: page.getByRole('link', { name: number }) });
      expect(await row.textContent()).toMatch(/OWH1.*OWH2/);
    }
    expect(await simulation.locator('tr[data-measure="parcelsPerOrder"]').textContent()).toContain('Shipments per order');
    await page.screenshot({ path: path.join(screenshots, 'settings-sourcing.png'), fullPage: true });
    await expectAccessible(page, 'sourcing with a simulation');
    await page.getByRole('button', { name: 'Save rule set' }).click();
    await page.getByTestId('rules-in-force').filter({ hasText: 'In force: stock balance › fewest shipments › priority.' }).waitFor();
    expect((await t.http('GET', '/v1/channels/WEB/sourcing-rules')).body).toMatchObject({ rules: ['stock_balance', 'fewest_shipments', 'priority'], source: 'channel' });
    expect(errors).toEqual([]);
  });

  it('an admin adds a carrier and its service, sets its rate table (a bad one refused, every fault named) and gets a quote', async () => {
    const { page, errors } = await settingsPage();
    await section(page, 'Carriers and rates');
    const addCarrier = page.getByRole('form', { name: 'Add carrier' });
    await addCarrier.getByLabel('Code', { exact: true }).fill('SF');
    await addCarrier.getByLabel('Name', { exact: true }).fill('SF Express');
    await addCarrier.getByLabel('Service code').fill('std');
    await addCarrier.getByLabel('Service name').fill('Standard');
    await addCarrier.getByLabel('Transit days (min)').fill('1');
    await addCarrier.getByLabel('Transit days (max)').fill('3');
    await addCarrier.getByRole('button', { name: 'Add carrier' }).click();
    await page.getByRole('button', { name: 'Rates of SF/std' }).click();
    const editor = page.getByLabel('The table as JSON (docs/carriers.md)');
    expect(JSON.parse(await editor.inputValue())).toMatchObject({ pricing: 'first_additional' }); // the example to start from
    const table = {
      currency: 'CNY', pricing: 'first_additional',
      zones: [{ code: 'national', routes: [{ from: ['CN'], to: ['CN'] }], transitDaysMin: 2, transitDaysMax: 3, first: { weightGrams: 1000, priceMinor: 1200 }, additional: { weightGrams: 1000, priceMinor: 200 } }],
    };
    await editor.fill(JSON.stringify({ ...table, zones: [{ ...table.zones[0], additional: undefined, bands: [{ minGrams: 0, maxGrams: 500, priceMinor: 100 }] }] }));
    await page.getByRole('button', { name: 'Save rate table' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'the rate table is not valid' });
    await refused.getByText('/body/zones/0/additional', { exact: true }).waitFor();
    await refused.getByText('/body/zones/0/bands', { exact: true }).waitFor();
    await editor.fill(JSON.stringify(table, null, 2));
    await page.getByRole('button', { name: 'Save rate table' }).click();
    await page.getByTestId('rate-zones').getByRole('cell', { name: 'CN → CN' }).waitFor();
    expect(await page.getByTestId('rate-zones').textContent()).toContain('first 1000 g CN¥12.00, each further 1000 g CN¥2.00');
    await page.getByLabel('Or from region').fill('CN-GD');
    await page.getByLabel('To region').fill('CN-SH');
    await page.getByLabel('Weight (g)').fill('2300');
    await page.getByRole('button', { name: 'Get quote' }).click();
    // 2.3 kg: the first kilo 12 CNY, then two started kilos at 2 CNY.
    await page.getByTestId('rate-quote').getByText('Chosen: SF/std for CN¥16.00').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'settings-carriers.png'), fullPage: true });
    await expectAccessible(page, 'carriers with a rate table and a quote');
    expect(errors).toEqual([]);
  });

  it('an admin subscribes a local receiver to webhooks, sees the deliveries with their attempts, and replays one', async () => {
    const { page, errors } = await settingsPage();
    await section(page, 'Webhooks');
    await page.getByLabel('Endpoint URL').fill(receiverUrl());
    await page.getByLabel('Event types (comma-separated)').fill('order.*');
    await page.getByRole('button', { name: 'Create subscription' }).click();
    expect(await page.getByTestId('webhook-secret').textContent()).toMatch(/^whsec_/);
    const placed = (await t.http('POST', '/v1/orders', { body: anOrder() })).body;
    const deliveries = page.getByTestId('deliveries');
    const receivedRow = deliveries.getByRole('row').filter({ hasText: 'order.received' });
    await receivedRow.filter({ hasText: 'delivered' }).first().waitFor({ timeout: 15_000 });
    const eventId = await receivedRow.first().getAttribute('data-event');
    expect(received).toContain(eventId);
    await receivedRow.first().getByRole('button', { name: 'Replay order.received' }).click();
    await page.getByRole('status').filter({ hasText: '1 event(s) queued to be sent again.' }).waitFor();
    // The replay is a second delivery of the same event, with its own attempt.
    await expect.poll(() => deliveries.locator(`tr[data-event="${eventId}"]`).filter({ hasText: 'delivered' }).count(), { timeout: 15_000 }).toBe(2);
    expect(received.filter((id) => id === eventId)).toHaveLength(2);
    await deliveries.locator(`tr[data-event="${eventId}"]`).first().locator('summary').click();
    await deliveries.locator(`tr[data-event="${eventId}"]`).first().getByText('HTTP status 204').waitFor();
    expect(placed.id).toBeTruthy();
    // Paused by hand, then re-enabled.
    const row = page.getByTestId('subscriptions').locator(`tr[data-subscription="${receiverUrl()}"]`);
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByText('paused from the admin UI').waitFor();
    await row.getByRole('button', { name: 'Re-enable' }).click();
    await row.getByRole('button', { name: 'Pause' }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'settings-webhooks.png'), fullPage: true });
    await expectAccessible(page, 'webhooks with the delivery log');
    expect(errors).toEqual([]);
  });

  it('an admin sets a channel\'s connector with a write-only secret, sees its health and log after a forged and a signed webhook, and captures a held order again', async () => {
    const { page, errors } = await settingsPage();
    await section(page, 'Connectors');
    await channelSelect(page).selectOption('TMALL');
    await page.getByText('The channel TMALL has no connector yet.').waitFor();
    await page.getByLabel('Kind').selectOption('mapping');
    await page.getByLabel('Settings (JSON, see docs/connectors.md)').fill('{ "mapping": "taobao" }');
    await page.getByLabel(/^signingSecret/).fill(signingSecret);
    await page.getByRole('button', { name: 'Save connector' }).click();
    await page.getByText('signingSecret', { exact: true }).waitFor(); // among the secrets set, by name only
    expect(await page.locator('main').textContent()).not.toContain(signingSecret);
    const webhook = (body: string, signature: string) => t.http('POST', '/v1/connectors/TMALL/webhooks/orders', { key: null, body, headers: { 'content-type': 'application/json', 'x-signature': signature } });
    expect((await webhook(taobao, '0'.repeat(64))).status).toBe(401);
    const sign = (body: string) => createHmac('sha256', signingSecret).update(body).digest('hex');
    expect((await webhook(taobao, sign(taobao))).status).toBe(201);
    // An order naming a SKU the catalogue lacks is held in the connector, with the reason.
    const unknownSku = taobao.replaceAll('3391028745612093452', '3391028745612099999').replace('"CAP-01"', '"CAP-99"');
    expect((await webhook(unknownSku, sign(unknownSku))).status).toBe(202);
    await page.getByRole('button', { name: 'Refresh' }).click();
    const log = page.getByTestId('connector-log');
    await log.getByRole('row').filter({ hasText: 'ok' }).filter({ hasText: '3391028745612093452' }).waitFor();
    await log.getByRole('row').filter({ hasText: 'rejected' }).waitFor();
    await page.reload();
    await channelSelect(page).selectOption('TMALL');
    const health = page.getByTestId('connector-health');
    await health.getByText('working').waitFor();
    expect(await health.textContent()).toMatch(/Last error.*signature does not match/);
    expect(await health.textContent()).not.toMatch(/Last success—/);
    expect(await health.textContent()).toMatch(/Orders held for a fix1/);
    const held = page.getByTestId('connector-held').getByRole('row').filter({ hasText: 'CAP-99' });
    await held.waitFor();
    // Once the SKU exists, the held order is captured again from the screen.
    await t.http('POST', '/v1/skus/bulk', { body: { items: [{ code: 'CAP-99', name: 'CAP-99' }] } });
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'CAP-99', quantity: 5 }] } });
    await held.getByRole('button', { name: 'Retry 3391028745612099999' }).click();
    await page.getByRole('status').filter({ hasText: 'Order 3391028745612099999 captured as' }).waitFor();
    await health.getByText('Orders held for a fix').waitFor();
    await expect.poll(() => health.textContent()).toMatch(/Orders held for a fix0/);
    await page.screenshot({ path: path.join(screenshots, 'settings-connectors.png'), fullPage: true });
    await expectAccessible(page, 'connectors');
    expect(errors).toEqual([]);
  });

  it('shows a viewer every section without a control that writes (the simulation, which writes nothing, stays)', async () => {
    const { page, errors } = await openPage(browser, { expected: provoked });
    const noButtons = async (...names: string[]) => {
      for (const name of names) expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    };
    await signIn(page, base, 'view@example.com', password);
    await navLink(page, 'Settings').click();
    await page.getByRole('cell', { name: 'OWH1', exact: true }).waitFor();
    await noButtons('Add channel', 'Add location', 'Deactivate WEB');
    await section(page, 'Carriers and rates');
    await page.getByRole('button', { name: 'Rates of SF/std' }).click();
    await page.getByTestId('rate-zones').waitFor();
    await page.getByRole('button', { name: 'Get quote' }).waitFor();
    await noButtons('Add carrier', 'Add service', 'Deactivate SF', 'Save rate table');
    await section(page, 'Sourcing rules');
    await channelSelect(page).selectOption('WEB');
    await page.getByRole('button', { name: 'Run simulation' }).waitFor();
    await noButtons('Save rule set');
    await section(page, 'Webhooks');
    await page.getByRole('button', { name: 'Delivery log' }).click();
    await page.getByTestId('deliveries').waitFor();
    await noButtons('Create subscription', 'Rotate secret', 'Delete', 'Pause', 'Replay', 'Replay events of this time range');
    await section(page, 'Connectors');
    await channelSelect(page).selectOption('TMALL');
    await page.getByTestId('connector-health').waitFor();
    await noButtons('Save connector');
    expect(errors).toEqual([]);
  });

  it('shows every settings section in Chinese with nothing left untranslated', async () => {
    const { page, errors } = await settingsPage();
    await page.getByLabel('Language').selectOption('zh');
    for (const [name, open] of [['渠道、仓点与审核', null], ['渠道连接器', null], ['承运商与运费', 'SF/std 的运费'], ['寻源规则', null], ['Webhook 推送', '推送日志']] as const) {
      await section(page, name);
      if (open) {
        await page.getByRole('button', { name: open }).first().click();
        await settled(page);
      }
      if (name === '渠道连接器') {
        await channelSelect(page).selectOption('TMALL');
        await page.getByTestId('connector-health').waitFor();
        await settled(page);
      }
      if (name === '寻源规则') {
        await page.getByRole('button', { name: '运行模拟' }).click();
        await page.getByTestId('simulation').waitFor();
      }
      if (name === '承运商与运费') {
        await page.getByLabel('目的地区').fill('CN-SH');
        await page.getByLabel('重量（克）').fill('800');
        await page.getByRole('button', { name: '试算' }).click();
        await page.getByRole('alert').filter({ hasText: '请选择发货仓点或填写始发地区' }).waitFor();
        await page.getByLabel('或始发地区').fill('CN-GD');
        await page.getByRole('button', { name: '试算' }).click();
        await page.getByTestId('rate-quote').waitFor();
      }
      expect(await untranslated(page), name).toEqual([]);
    }
    await expectAccessible(page, 'webhooks in Chinese');
    await page.screenshot({ path: path.join(screenshots, 'settings-webhooks-zh.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});

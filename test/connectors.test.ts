/**
 * Connectors (issue #22 parts 1 and 2): Shopify webhooks replayed into orders, signatures, marketplace payloads
 * through their mappings, held orders for unknown SKUs, fulfilment and stock pushed back to a mock channel.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runChecks } from '../src/check.js';
import { connectorSink, pullDueConnectors } from '../src/connector/index.js';
import { startRelay, type Relay } from '../src/integration/index.js';
import { batchedCapture } from '../src/order/index.js';
import { pino } from 'pino';
import { captureDecisions, untilOutboxReadable, useTestApp } from './harness.js';
import { MockChannel, until } from './connector-mock.js';

const t = useTestApp();
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/connectors/${name}`, import.meta.url), 'utf8');
const APP_SECRET = 'shpss_test_app_secret';
const SIGNING_SECRET = 'marketplace-signing-secret';
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined };
const shopify = new MockChannel();
let shopUrl = '';

const shopifySign = (body: string) => createHmac('sha256', APP_SECRET).update(body).digest('base64');
const hexSign = (body: string) => createHmac('sha256', SIGNING_SECRET).update(body).digest('hex');
const webhook = (channel: string, topic: string, body: string, headers: Record<string, string>) =>
  t.http('POST', `/v1/connectors/${channel}/webhooks/${topic}`, { key: null, body, headers: { 'content-type': 'application/json', ...headers } });
const orderCount = async () => Number((await t.db.selectFrom('orders').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const relayFor = (): Relay => startRelay({
  db: t.db, logger: quiet, webhook: { timeoutMs: 1_000, allowPrivateAddresses: true },
  connectors: connectorSink(t.db, { secretKey: Buffer.alloc(32, 7), timeoutMs: 1_000 }),
  minPollMs: 5, maxPollMs: 20, backoff: { firstMs: 30, maxMs: 100 },
});

beforeAll(async () => {
  shopUrl = await shopify.start();
  await t.http('POST', '/v1/skus/bulk', { body: { items: ['TEE-RED-M', 'TEE-BLK-L', 'HOODIE-GRY-M', 'CAP-01', 'SOCK-01'].map((code) => ({ code, name: code })) } });
  await t.http('POST', '/v1/locations', { body: { code: 'CWH', name: 'Hangzhou DC', type: 'warehouse', priority: 10 } });
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'CWH', lines: ['TEE-RED-M', 'TEE-BLK-L', 'HOODIE-GRY-M', 'CAP-01'].map((sku) => ({ sku, quantity: 100 })) } });
  for (const [code, type, currency] of [['SHOP', 'web', 'USD'], ['TMALL', 'marketplace', 'CNY'], ['JD', 'marketplace', 'CNY'], ['PDD', 'marketplace', 'CNY'], ['B2B', 'b2b', 'CNY']]) {
    expect((await t.http('POST', '/v1/channels', { body: { code, name: code, type, currency } })).status).toBe(201);
  }
});
afterAll(() => shopify.stop());

describe('a channel\'s connector', () => {
  it('is set with its settings and write-only secrets, stored encrypted', async () => {
    const put = await t.http('PUT', '/v1/channels/SHOP/connector', {
      body: {
        kind: 'shopify',
        settings: { shopUrl, locationId: '65432100', inventoryItems: { 'SOCK-01': '808', 'TEE-RED-M': '801' } },
        secrets: { appSecret: APP_SECRET, accessToken: 'shpat_token' },
      },
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ channel: 'SHOP', kind: 'shopify', secrets: ['accessToken', 'appSecret'], health: { lastSuccessAt: null, heldOrders: 0 } });
    expect(JSON.stringify(put.body)).not.toContain(APP_SECRET);
    const row = await t.db.selectFrom('connectors').select('secrets').executeTakeFirstOrThrow();
    expect(row.secrets?.toString('latin1')).not.toContain(APP_SECRET);

    // A change without secrets keeps them.
    const again = await t.http('PUT', '/v1/channels/SHOP/connector', { body: { kind: 'shopify', settings: { ...put.body.settings } } });
    expect(again.status).toBe(200);
    expect(again.body.secrets).toEqual(['accessToken', 'appSecret']);
    expect(again.body.version).toBe(2);

    for (const [code, mapping] of [['TMALL', 'taobao'], ['JD', 'jd'], ['PDD', 'pinduoduo']]) {
      const r = await t.http('PUT', `/v1/channels/${code}/connector`, { body: { kind: 'mapping', settings: { mapping }, secrets: { signingSecret: SIGNING_SECRET } } });
      expect(r.status).toBe(201);
    }
  });

  it('refuses a custom mapping that does not compile, naming the field', async () => {
    const r = await t.http('PUT', '/v1/channels/B2B/connector', { body: { kind: 'mapping', settings: { mapping: 'custom', expression: '{ "a": ' } } });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('/body/settings/expression');
  });
});

describe('Shopify', () => {
  const create = fixture('shopify-order-create.json');

  it('turns orders/create into one order however often it is sent', async () => {
    const first = await webhook('SHOP', 'orders-create', create, { 'x-shopify-hmac-sha256': shopifySign(create) });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ result: 'created', externalRef: '5631873450123' });
    const again = await webhook('SHOP', 'orders-create', create, { 'x-shopify-hmac-sha256': shopifySign(create) });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ result: 'duplicate', orderId: first.body.orderId });
    const updated = await webhook('SHOP', 'orders-updated', create, { 'x-shopify-hmac-sha256': shopifySign(create) });
    expect(updated.body).toMatchObject({ result: 'duplicate', orderId: first.body.orderId });

    const order = (await t.http('GET', `/v1/orders/${first.body.orderId}`)).body;
    expect(order).toMatchObject({
      channel: 'SHOP', externalRef: '5631873450123', currency: 'USD', status: 'allocated',
      totals: { subtotalMinor: 5500, discountMinor: 500, shippingMinor: 700, taxMinor: 450, totalMinor: 6150 },
      customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
      shippingAddress: { line1: '12 Main Street', city: 'Springfield', country: 'US' },
    });
    expect(order.lines.map((l: any) => [l.sku, l.quantity, l.unitPriceMinor, l.discountMinor, l.taxMinor])).toEqual([['TEE-RED-M', 2, 2000, 500, 300], ['CAP-01', 1, 1500, 0, 150]]);
  });

  it('refuses a wrong signature with 401, logs it and writes nothing', async () => {
    const before = await orderCount();
    const other = create.replace('5631873450123', '5631873450999');
    for (const signature of [shopifySign(create), 'bm90IGEgc2lnbmF0dXJl', '']) {
      const r = await webhook('SHOP', 'orders-create', other, signature ? { 'x-shopify-hmac-sha256': signature } : {});
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthorized');
    }
    expect(await orderCount()).toBe(before);
    const log = (await t.http('GET', '/v1/channels/SHOP/connector/log?outcome=rejected')).body.data;
    expect(log).toHaveLength(3);
    expect(log[0]).toMatchObject({ direction: 'inbound', topic: 'orders-create', statusCode: 401 });
    const health = (await t.http('GET', '/v1/channels/SHOP/connector')).body.health;
    expect(health.lastError).toContain('signature');
    expect(health.lastSuccessAt).not.toBeNull();
  });

  it('cancels the order when Shopify cancels it, once', async () => {
    const cancelled = JSON.stringify({ ...JSON.parse(create), cancelled_at: '2026-12-01T12:00:00-05:00', cancel_reason: 'customer' });
    const r = await webhook('SHOP', 'orders-cancelled', cancelled, { 'x-shopify-hmac-sha256': shopifySign(cancelled) });
    expect(r.body).toMatchObject({ result: 'cancelled', status: 'cancelled' });
    const again = await webhook('SHOP', 'orders-updated', cancelled, { 'x-shopify-hmac-sha256': shopifySign(cancelled) });
    expect(again.body).toMatchObject({ result: 'duplicate', status: 'cancelled' });
    // Cancelled before Ordo ever saw it: nothing to capture.
    const unseen = cancelled.replace('5631873450123', '5631873450777');
    expect((await webhook('SHOP', 'orders-create', unseen, { 'x-shopify-hmac-sha256': shopifySign(unseen) })).body.result).toBe('ignored');
  });

  it('sends the fulfilment with its tracking number to Shopify when a parcel ships', async () => {
    const body = create.replace('5631873450123', '5631873450124');
    const placed = (await webhook('SHOP', 'orders-create', body, { 'x-shopify-hmac-sha256': shopifySign(body) })).body;
    const order = (await t.http('GET', `/v1/orders/${placed.orderId}`)).body;
    expect((await t.http('POST', `/v1/orders/${order.id}/release`)).body.status).toBe('in_fulfillment');
    const shipped = await t.http('POST', `/v1/orders/${order.id}/ship`, {
      body: { lines: order.lines.map((l: any) => ({ lineId: l.id, quantity: l.quantity })), trackingNumber: '1Z999AA10123456784' },
    });
    expect(shipped.status).toBe(201);
    const relay = relayFor();
    try {
      await until(() => shopify.delivered('/admin/api/2024-10/orders/5631873450124/fulfillments.json').length > 0);
    } finally {
      await relay.stop();
    }
    const [sent] = shopify.delivered('/admin/api/2024-10/orders/5631873450124/fulfillments.json');
    expect(sent?.headers['x-shopify-access-token']).toBe('shpat_token');
    expect(sent?.body).toEqual({
      fulfillment: {
        location_id: 65432100, tracking_number: '1Z999AA10123456784', tracking_company: null, notify_customer: true,
        line_items: [{ id: 13579246801, quantity: 2 }, { id: 13579246802, quantity: 1 }],
      },
    });
  });
});

describe('marketplaces through their mappings', () => {
  it('captures a Taobao trade from a signed webhook with its lines, address and money', async () => {
    const trade = fixture('taobao-trade.json');
    const r = await webhook('TMALL', 'orders', trade, { 'x-signature': hexSign(trade) });
    expect(r.status).toBe(201);
    const again = await webhook('TMALL', 'orders', trade, { 'x-signature': hexSign(trade) });
    expect(again.body).toMatchObject({ result: 'duplicate', orderId: r.body.orderId });
    const order = (await t.http('GET', `/v1/orders/${r.body.orderId}`)).body;
    expect(order).toMatchObject({
      channel: 'TMALL', externalRef: '3391028745612093452', currency: 'CNY', placedAt: '2026-11-30T12:15:42.000Z',
      totals: { subtotalMinor: 31880, discountMinor: 1000, shippingMinor: 800, taxMinor: 0, totalMinor: 31680 },
      customer: { name: '王小明' },
      shippingAddress: { name: '王小明', line1: '西湖区 文三路 478 号 华星时代广场 A 座 1201', city: '杭州市', state: '浙江省', postalCode: '310012', country: 'CN' },
      buyerRemark: '请用顺丰',
    });
    expect(order.lines.map((l: any) => [l.sku, l.quantity, l.unitPriceMinor, l.discountMinor, l.totalMinor])).toEqual([['TEE-RED-M', 2, 12990, 1000, 24980], ['CAP-01', 1, 5900, 0, 5900]]);
    await expect(webhook('TMALL', 'orders', trade, { 'x-signature': hexSign(`${trade} `) }).then((x) => x.status)).resolves.toBe(401);
  });

  it('captures a JD order and a Pinduoduo order handed over through the API', async () => {
    const decided = async () => Object.values(await captureDecisions(t.app)).reduce((sum, n) => sum + n, 0);
    const before = await decided();
    const jd = await t.http('POST', '/v1/channels/JD/connector/orders', { body: { payload: JSON.parse(fixture('jd-order.json')) } });
    expect(jd.status).toBe(201);
    const order = (await t.http('GET', `/v1/orders/${jd.body.orderId}`)).body;
    expect(order).toMatchObject({
      externalRef: '298765432101', totals: { subtotalMinor: 38900, discountMinor: 2000, shippingMinor: 0, totalMinor: 36900 },
      shippingAddress: { name: '李华', city: '北京市', state: '北京', country: 'CN' },
    });
    expect(order.lines.map((l: any) => [l.sku, l.quantity, l.unitPriceMinor])).toEqual([['TEE-BLK-L', 2, 12950], ['HOODIE-GRY-M', 1, 13000]]);
    const pdd = await t.http('POST', '/v1/channels/PDD/connector/orders', { body: { payload: JSON.parse(fixture('pinduoduo-order.json')) } });
    expect(pdd.status).toBe(201);
    expect((await t.http('GET', `/v1/orders/${pdd.body.orderId}`)).body.totals.totalMinor).toBe(10980);
    // Both joined the server's one capture pipeline (meteredCapture), the one POST /v1/orders uses, and were counted.
    expect(await decided() - before).toBe(2);
  });

  it('refuses totals that do not add up, with the expected and the given number', async () => {
    const trade = JSON.parse(fixture('taobao-trade.json'));
    Object.assign(trade.trade_fullinfo_get_response.trade, { tid_str: '3391028745612090001', payment: '300.00' });
    const r = await t.http('POST', '/v1/channels/TMALL/connector/orders', { body: { payload: trade } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toContainEqual({ path: '/body/totals/totalMinor', message: 'expected 31680 from the lines and charges, got 30000' });
    expect((await t.http('GET', '/v1/channels/TMALL/connector/log?outcome=rejected')).body.data[0].message).toContain('expected 31680');
  });

  it('names the field a payload lacks', async () => {
    const order = JSON.parse(fixture('jd-order.json'));
    delete order.jingdong_pop_order_get_responce.orderDetailInfo.orderInfo.consigneeInfo.fullname;
    const r = await t.http('POST', '/v1/channels/JD/connector/orders', { body: { payload: order } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toContainEqual({ path: '/payload/consigneeInfo/fullname', message: 'is missing' });
  });

  it('holds an order with an unknown SKU with the reason, and captures it once the SKU exists', async () => {
    const trade = JSON.parse(fixture('taobao-trade.json'));
    Object.assign(trade.trade_fullinfo_get_response.trade, { tid_str: '3391028745612090002' });
    trade.trade_fullinfo_get_response.trade.orders.order[1].outer_sku_id = 'SCARF-NEW';
    const body = JSON.stringify(trade);
    const before = await orderCount();
    const r = await webhook('TMALL', 'orders', body, { 'x-signature': hexSign(body) });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ result: 'held', externalRef: '3391028745612090002' });
    expect(r.body.reason).toContain('SCARF-NEW');
    expect(await orderCount()).toBe(before);
    // Sent again: still one held order (its attempts counted).
    expect((await webhook('TMALL', 'orders', body, { 'x-signature': hexSign(body) })).body.heldId).toBe(r.body.heldId);
    const held = (await t.http('GET', '/v1/channels/TMALL/connector/held')).body.data;
    expect(held).toEqual([expect.objectContaining({ id: r.body.heldId, reasonCode: 'unknown_sku', status: 'held', attempts: 2 })]);
    expect((await t.http('GET', '/v1/channels/TMALL/connector')).body.health.heldOrders).toBe(1);

    await t.http('POST', '/v1/skus', { body: { code: 'SCARF-NEW', name: 'Scarf' } });
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'CWH', lines: [{ sku: 'SCARF-NEW', quantity: 5 }] } });
    const retried = await t.http('POST', `/v1/channels/TMALL/connector/held/${r.body.heldId}/retry`);
    expect(retried.status).toBe(201);
    expect((await t.http('GET', '/v1/channels/TMALL/connector/held?status=captured')).body.data[0]).toMatchObject({ id: r.body.heldId, orderId: retried.body.orderId });
    expect((await t.http('POST', `/v1/channels/TMALL/connector/held/${r.body.heldId}/retry`)).status).toBe(409);
  });
});

describe('a page of orders handed in at once', () => {
  const trade = (tid: string, edit: (t: any) => void = () => undefined) => {
    const payload = JSON.parse(fixture('taobao-trade.json'));
    Object.assign(payload.trade_fullinfo_get_response.trade, { tid_str: tid });
    edit(payload.trade_fullinfo_get_response.trade);
    return payload;
  };

  it('answers each payload as a single one would, by its index, and captures the good ones once', async () => {
    const before = await orderCount();
    const page = [
      trade('3391028745612095001'),
      trade('3391028745612095002'),
      trade('3391028745612095001'),
      trade('3391028745612095003', (x) => { x.orders.order[1].outer_sku_id = 'SCARF-PAGE'; }),
      trade('3391028745612095004', (x) => { x.payment = '1.00'; }),
      trade('3391028745612095005', (x) => { delete x.receiver_name; }),
    ];
    const r = await t.http('POST', '/v1/channels/TMALL/connector/orders/bulk', { body: { payloads: page } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ created: 2, duplicates: 1, held: 1, rejected: 2, cancelled: 0, ignored: 0 });
    const [first, second, again, held, wrongTotal, unreadable] = r.body.results;
    expect(first).toMatchObject({ index: 0, result: 'created', externalRef: '3391028745612095001' });
    expect(second).toMatchObject({ index: 1, result: 'created', externalRef: '3391028745612095002' });
    expect(again).toMatchObject({ index: 2, result: 'duplicate', orderId: first.orderId });
    expect(held).toMatchObject({ index: 3, result: 'held', externalRef: '3391028745612095003' });
    expect(held.reason).toContain('SCARF-PAGE');
    expect(wrongTotal).toMatchObject({ index: 4, result: 'rejected', error: { code: 'validation_failed' } });
    expect(wrongTotal.error.detail).toContain('expected 31680');
    expect(unreadable).toMatchObject({ index: 5, result: 'rejected', error: { code: 'validation_failed' } });
    expect(JSON.stringify(unreadable.error)).toContain('receiver_name');
    expect(await orderCount()).toBe(before + 2);
    // The page again: nothing written twice.
    const replay = await t.http('POST', '/v1/channels/TMALL/connector/orders/bulk', { body: { payloads: page.slice(0, 2) } });
    expect(replay.body).toMatchObject({ created: 0, duplicates: 2 });
    expect(await orderCount()).toBe(before + 2);
  });

  it('refuses a page that is empty or too large, naming the limit', async () => {
    expect((await t.http('POST', '/v1/channels/TMALL/connector/orders/bulk', { body: { payloads: [] } })).status).toBe(400);
    const tooMany = await t.http('POST', '/v1/channels/TMALL/connector/orders/bulk', { body: { payloads: Array.from({ length: 501 }, () => ({})) } });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body.errors)).toContain('500');
  });
});

describe('stock pushed to the channel', () => {
  const levels = () => shopify.delivered('/admin/api/2024-10/inventory_levels/set.json').map((r) => r.body);
  const sockLevels = () => levels().filter((b) => b.inventory_item_id === 808);
  const atp = async (sku: string) => (await t.http('GET', `/v1/availability?sku=${sku}&channel=SHOP`)).body.data[0].channel.available as number;

  it('pushes a burst of changes once, with the latest number', async () => {
    // Three changes before the relay runs: one pending delivery per (channel, SKU), moved to the newest.
    for (const quantity of [10, 5, 7]) await t.http('POST', '/v1/stock/receipts', { body: { location: 'CWH', lines: [{ sku: 'SOCK-01', quantity }] } });
    // Coalescing is per round: wait until the relay can read all three in one (another test file's writer holds
    // the relay's read end back for a moment; it then pushes 10 first and 22 after, correct but not coalesced).
    await untilOutboxReadable(t.db);
    const relay = relayFor();
    try {
      await relay.drain();
      await until(() => sockLevels().length > 0);
      await relay.drain();
    } finally {
      await relay.stop();
    }
    expect(sockLevels()).toEqual([{ location_id: 65432100, inventory_item_id: 808, available: 22 }]);
    expect(await atp('SOCK-01')).toBe(22);
    // A SKU the connector maps to no inventory item is not pushed.
    expect(levels().every((b) => [801, 808].includes(b.inventory_item_id))).toBe(true);
  });

  it('gets every latest number to the channel after it was down for a while, never an older after a newer', async () => {
    const relay = relayFor();
    try {
      shopify.down = true;
      const failedBefore = shopify.received.filter((r) => r.answered === 503).length;
      await t.http('POST', '/v1/stock/receipts', { body: { location: 'CWH', lines: [{ sku: 'SOCK-01', quantity: 1 }, { sku: 'TEE-RED-M', quantity: 3 }] } });
      await until(() => shopify.received.filter((r) => r.answered === 503).length > failedBefore);
      await t.http('POST', '/v1/stock/receipts', { body: { location: 'CWH', lines: [{ sku: 'SOCK-01', quantity: 2 }] } });
      await new Promise((r) => setTimeout(r, 200));
      shopify.down = false;
      const sock = await atp('SOCK-01');
      const tee = await atp('TEE-RED-M');
      expect(sock).toBe(25);
      await until(() => sockLevels().at(-1)?.available === sock && levels().filter((b) => b.inventory_item_id === 801).at(-1)?.available === tee);
      await relay.drain();
    } finally {
      shopify.down = false;
      await relay.stop();
    }
    // What arrived for each item only ever moved forward.
    const sockSeen = sockLevels().map((b) => b.available);
    expect(sockSeen[0]).toBe(22);
    expect(sockSeen.at(-1)).toBe(25);
    expect([...sockSeen].sort((a, b) => a - b)).toEqual(sockSeen);
    const log = (await t.http('GET', '/v1/channels/SHOP/connector/log?outcome=failed')).body.data;
    expect(log.length).toBeGreaterThan(0);
    expect(log[0]).toMatchObject({ direction: 'outbound', topic: 'stock', statusCode: 503 });
  });
});

describe('pulling orders from a channel\'s feed', () => {
  const asked: { url: string; authorization: string | undefined }[] = [];
  let feedDown = true;
  const pddOrder = (sn: string) => {
    const order = JSON.parse(fixture('pinduoduo-order.json')).order_info_get_response.order_info;
    return { ...order, order_sn: sn };
  };
  const pages: Record<string, { orders: unknown[]; next: string | null }> = {
    start: { orders: [pddOrder('PULL-1'), pddOrder('PULL-2')], next: 'c1' },
    c1: { orders: [pddOrder('PULL-3'), { order_sn: 'PULL-BAD' }], next: 'c2' },
    c2: { orders: [], next: null },
  };
  const feed = http.createServer((req, res) => {
    asked.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const cursor = new URL(req.url ?? '/', 'http://x').searchParams.get('cursor') ?? 'start';
    if (feedDown) return void res.writeHead(503).end('down');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pages[cursor] ?? { orders: [], next: null }));
  });
  const due = () => t.db.updateTable('connectors').set({ pull_next_at: new Date() }).where('kind', '=', 'mapping').execute();
  const pullState = () => t.db.selectFrom('connectors').innerJoin('channels', 'channels.id', 'connectors.channel_id')
    .select(['pull_cursor', 'pull_failures', 'pull_next_at']).where('channels.code', '=', 'PDD').executeTakeFirstOrThrow();

  beforeAll(async () => {
    await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/feed`;
    const r = await t.http('PUT', '/v1/channels/PDD/connector', {
      body: { kind: 'mapping', settings: { mapping: 'pinduoduo', pull: { url, limit: 2, maxRequestsPerMinute: 600, intervalSeconds: 10 } }, secrets: { pullToken: 'feed-token' } },
    });
    expect(r.body.secrets).toEqual(['pullToken', 'signingSecret']);
  });
  afterAll(async () => {
    feed.closeAllConnections();
    await new Promise<void>((resolve) => feed.close(() => resolve()));
  });

  it('backs off while the feed is down, then reads every page once, moving its cursor, at the channel\'s pace', async () => {
    // As the jobs runner pulls: a page's orders join capture's batches together.
    const opts = { secretKey: Buffer.alloc(32, 7), random: () => 0.5, captureBatched: batchedCapture(t.db, pino({ level: 'silent' })) };
    expect(await pullDueConnectors(t.db, opts)).toMatchObject({ failures: 1, orders: 0 });
    const backedOff = await pullState();
    expect(backedOff).toMatchObject({ pull_cursor: null, pull_failures: 1 });
    expect(backedOff.pull_next_at!.getTime()).toBeGreaterThan(Date.now());
    // Not due yet: nobody asks.
    const before = asked.length;
    expect(await pullDueConnectors(t.db, opts)).toMatchObject({ connectors: 0 });
    expect(asked.length).toBe(before);

    feedDown = false;
    await due();
    const pulled = await pullDueConnectors(t.db, opts);
    expect(pulled).toMatchObject({ failures: 0, orders: 3, pages: 3 });
    expect(asked.slice(before).map((a) => a.url)).toEqual(['/feed?limit=2', '/feed?cursor=c1&limit=2', '/feed?cursor=c2&limit=2']);
    expect(asked.every((a) => a.authorization === 'Bearer feed-token')).toBe(true);
    expect(await pullState()).toMatchObject({ pull_cursor: 'c2', pull_failures: 0 });
    const refs = await t.db.selectFrom('orders').select('external_ref').where('external_ref', 'like', 'PULL-%').execute();
    expect(refs.map((r) => r.external_ref).sort()).toEqual(['PULL-1', 'PULL-2', 'PULL-3']);
    expect((await t.http('GET', '/v1/channels/PDD/connector/log?outcome=rejected')).body.data[0]).toMatchObject({ topic: 'pull', externalRef: 'PULL-BAD' });

    // Asked again (the cursor kept): the page read twice captures nothing twice — here as `ordo job` pulls, without
    // the batches, each order in a transaction of its own.
    await t.db.updateTable('connectors').set({ pull_cursor: null }).where('kind', '=', 'mapping').execute();
    await due();
    expect(await pullDueConnectors(t.db, { secretKey: opts.secretKey, random: opts.random })).toMatchObject({ failures: 0 });
    expect((await t.db.selectFrom('orders').select('id').where('external_ref', 'like', 'PULL-%').execute())).toHaveLength(3);
  });
});

describe('after all of the above', () => {
  it('ordo check finds the connectors, stock and orders in step', async () => {
    const result = await runChecks(t.db);
    expect(result.lines.filter((l) => !l.startsWith('ok')), result.lines.join('\n')).toEqual([]);
    expect(result.lines.some((l) => l.includes('stock push'))).toBe(true);
  });
});

/**
 * Notifications end to end: the relay runs in-process with the notifications sink, and mails go over SMTP to a real
 * SMTP server started here (smtp-server); what arrived is parsed with mailparser and read back, in both languages.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { startRelay, upsertSink, type Relay } from '../src/integration/index.js';
import { notificationSink, notifiedEventTypes, smtpMailer, type Mailer } from '../src/notification/index.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

/** The outside mail server: accepts everything and keeps what arrived. */
const inbox: ParsedMail[] = [];
const smtp = new SMTPServer({
  authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
  onData(stream, _session, callback) {
    simpleParser(stream).then((mail) => { inbox.push(mail); callback(); }, (e: Error) => callback(e));
  },
});
let smtpUrl = '';
let mailer: Mailer;
let relays: Relay[] = [];
const settings = { publicUrl: 'https://shop.example', teamEmail: 'ops@example.com', purchasingEmail: 'buyer@example.com', teamLanguage: 'en' as const };
const relay = (m: Mailer | null) => {
  const r = startRelay({
    db: t.db, logger: { error: () => undefined, warn: () => undefined, info: () => undefined },
    webhook: { timeoutMs: 2_000, allowPrivateAddresses: true }, minPollMs: 5, maxPollMs: 20, backoff: { firstMs: 20, maxMs: 50 },
    notifications: notificationSink(t.db, m, settings),
  });
  relays.push(r);
  return r;
};
const capture = async (overrides: Record<string, unknown> = {}) => {
  const res = await t.http('POST', '/v1/orders', { body: anOrder(overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; trackingToken: string; lines: { id: string }[] };
};
const mailsTo = (address: string) => inbox.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);

beforeAll(async () => {
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  mailer = smtpMailer(smtpUrl, 'Shop <shop@example.com>');
  await seedOrderWorld(t);
  await upsertSink(t.db, { sink: 'notifications', kind: 'notifications', eventTypes: notifiedEventTypes });
});
afterEach(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  relays = [];
});
afterAll(async () => {
  mailer.close();
  await new Promise<void>((r) => smtp.close(() => r()));
});

describe('customer e-mails', () => {
  it('confirms an order and announces its parcel with the tracking link, in English', async () => {
    const order = await capture({ customer: { email: 'erika@example.com', name: 'Erika Mustermann' } });
    expect((await t.http('POST', `/v1/orders/${order.id}/release`, { body: {} })).status).toBe(200);
    const shipped = await t.http('POST', `/v1/orders/${order.id}/ship`, { body: { lines: [{ lineId: order.lines[0]!.id, quantity: 2 }], trackingNumber: 'TN-123' } });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    expect((await t.http('POST', `/v1/orders/${order.id}/deliver`, { body: {} })).status).toBe(200);
    await relay(mailer).drain();
    const mails = mailsTo('erika@example.com').filter((m) => m.subject?.includes(order.number));
    expect(mails.map((m) => m.subject)).toEqual([
      `Your order ${order.number} is confirmed`, `Your order ${order.number} has shipped`, `Your order ${order.number} was delivered`,
    ]);
    expect(mails[0]!.text).toContain('Hello Erika Mustermann');
    expect(mails[1]!.text).toContain(`https://shop.example/track/${order.trackingToken}`);
    expect(mails[1]!.text).toContain('TN-123');
    expect(mails[0]!.from?.text).toContain('shop@example.com');
    const log = await t.http('GET', `/v1/notifications?order=${order.id}`);
    expect(log.status).toBe(200);
    expect(log.body.data.map((n: { template: string; status: string; language: string }) => [n.template, n.status, n.language]))
      .toEqual([['order_delivered', 'sent', 'en'], ['order_shipped', 'sent', 'en'], ['order_confirmed', 'sent', 'en']]);
  });

  it('writes in Simplified Chinese to a customer of a channel whose default language is zh-CN', async () => {
    const channel = await t.http('POST', '/v1/channels', { body: { code: 'CN', name: '天猫', type: 'marketplace', currency: 'EUR', defaultLanguage: 'zh-CN' } });
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    expect(channel.body.defaultLanguage).toBe('zh-CN');
    const order = await capture({ channel: 'CN', customer: { email: 'zhang@example.cn', name: '张三' } });
    expect((await t.http('POST', `/v1/orders/${order.id}/release`, { body: {} })).status).toBe(200);
    expect((await t.http('POST', `/v1/orders/${order.id}/ship`, { body: { lines: [{ lineId: order.lines[0]!.id, quantity: 2 }], trackingNumber: 'SF-1' } })).status).toBe(201);
    await relay(mailer).drain();
    const mails = mailsTo('zhang@example.cn');
    expect(mails.map((m) => m.subject)).toEqual([`您的订单 ${order.number} 已确认`, `您的订单 ${order.number} 已发货`]);
    expect(mails[0]!.text).toContain('张三，您好');
    expect(mails[1]!.text).toContain(`物流跟踪：https://shop.example/track/${order.trackingToken}`);
    expect(mails[1]!.text).toContain('运单号：SF-1');
    expect(mails[0]!.headers.get('content-language')).toBe('zh-CN');
  });

  it('a customer\'s own language wins over the channel\'s', async () => {
    const customer = await t.http('POST', '/v1/customers', { body: { email: 'li@example.com', name: '李四', language: 'zh-CN' } });
    expect(customer.status, JSON.stringify(customer.body)).toBe(201);
    expect(customer.body.language).toBe('zh-CN');
    const order = await capture({ customer: { email: 'li@example.com', name: '李四' } });
    await relay(mailer).drain();
    expect(mailsTo('li@example.com').map((m) => m.subject)).toEqual([`您的订单 ${order.number} 已确认`]);
    const patched = await t.http('PATCH', `/v1/customers/${customer.body.id}`, { body: { language: 'en' } });
    expect(patched.status).toBe(200);
    const second = await capture({ customer: { email: 'li@example.com', name: '李四' } });
    await relay(mailer).drain();
    expect(mailsTo('li@example.com').map((m) => m.subject)).toContain(`Your order ${second.number} is confirmed`);
  });
});

describe('fulfilment e-mails', () => {
  it('tells a pickup customer, in Chinese, that the order waits at the store, with the pickup code; and the team of a carrier exception', async () => {
    await t.http('POST', '/v1/locations', { body: { code: 'NSTORE', name: '静安店', type: 'store', capabilities: { ship: false, pickup: true } } });
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'NSTORE', lines: [{ sku: 'ORD-B', quantity: 3 }] } });
    await t.http('POST', '/v1/channels', { body: { code: 'CNPICK', name: '门店自提', type: 'web', currency: 'EUR', defaultLanguage: 'zh-CN' } });
    await t.http('PUT', '/v1/carriers', { body: { code: 'YTO', name: '圆通', services: [{ code: 'STD', name: '标准', transitDays: 3 }] } });
    const order = await capture({ channel: 'CNPICK', customer: { email: 'li@example.cn', name: '李雷' }, deliveryMethod: 'pickup', pickupLocation: 'NSTORE',
      lines: [{ sku: 'ORD-B', quantity: 1, unitPriceMinor: 1000 }], totals: { subtotalMinor: 1000, discountMinor: 0, shippingMinor: 495, taxMinor: 0, totalMinor: 1495 } });
    expect((await t.http('POST', `/v1/orders/${order.id}/release`, { body: {} })).status).toBe(200);
    const [fo] = (await t.http('GET', `/v1/fulfillment-orders?orderId=${order.id}`)).body.data;
    for (const step of ['accept', 'start-picking', 'pack', 'ready-for-pickup']) {
      expect((await t.http('POST', `/v1/fulfillment-orders/${fo.id}/${step}`, { key: 'warehouse', body: {} })).status).toBe(200);
    }
    const ready = await t.db.selectFrom('outbox_events').select('payload').where('type', '=', 'fulfillment.ready_for_pickup').where('aggregate_id', '=', fo.id).executeTakeFirstOrThrow();
    const code = (ready.payload as { pickupCode: string }).pickupCode;

    const parcelOrder = await capture({ lines: [{ sku: 'ORD-A', quantity: 2, unitPriceMinor: 100 }], totals: { subtotalMinor: 200, discountMinor: 0, shippingMinor: 495, taxMinor: 0, totalMinor: 695 } });
    await t.http('POST', `/v1/orders/${parcelOrder.id}/release`, { body: {} });
    const [parcelFo] = (await t.http('GET', `/v1/fulfillment-orders?orderId=${parcelOrder.id}`)).body.data;
    const shipped = await t.http('POST', '/v1/shipments', { body: { fulfillmentOrderId: parcelFo.id, lines: [{ lineId: parcelOrder.lines[0]!.id, quantity: 1 }], carrier: 'YTO', trackingNumber: 'YT900' } });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    const exception = await t.http('POST', `/v1/shipments/${shipped.body.shipment.id}/events`, { body: { eventId: 'yto-1', type: 'exception', occurredAt: new Date().toISOString(), description: 'Recipient refused' } });
    expect(exception.status, JSON.stringify(exception.body)).toBe(201);

    const before = mailsTo('ops@example.com').length;
    await relay(mailer).drain();
    const [pickup] = mailsTo('li@example.cn').filter((m) => m.subject?.includes('自提'));
    expect(pickup!.subject).toBe(`您的订单 ${order.number} 已可自提`);
    expect(pickup!.text).toContain(`取件码：${code}`);
    expect(pickup!.text).toContain('NSTORE');
    const team = mailsTo('ops@example.com').slice(before).filter((m) => m.subject?.startsWith('Carrier exception'));
    expect(team.map((m) => m.subject)).toEqual([`Carrier exception on order ${parcelOrder.number}`]);
    expect(team[0]!.text).toContain('YTO YT900');
    expect(team[0]!.text).toContain('Recipient refused');
    const log = (await t.http('GET', `/v1/notifications?order=${order.id}`)).body.data;
    expect(log.map((n: { template: string; status: string; language: string }) => [n.template, n.status, n.language])).toContainEqual(['ready_for_pickup', 'sent', 'zh-CN']);
  });
});

describe('team e-mails', () => {
  it('tells the team an order is on hold, and logs the team address unmasked', async () => {
    const rule = await t.http('POST', '/v1/review-rules', { body: {
      code: 'notify-bulk', name: 'Nine or more units', priority: 5, action: 'hold', reasonCode: 'bulk_buy',
      condition: { match: 'all', conditions: [{ field: 'order.totalUnits', operator: 'gte', value: 9 }] }, enabled: true,
    } });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const before = mailsTo('ops@example.com').length;
    const held = await capture();
    const big = (await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-A', quantity: 9, unitPriceMinor: 100 }]) })).body as { id: string; number: string; status: string };
    expect(big.status).toBe('on_hold');
    await t.http('PATCH', `/v1/review-rules/${rule.body.id}`, { body: { enabled: false } });
    await relay(mailer).drain();
    const mails = mailsTo('ops@example.com').slice(before);
    expect(mails.map((m) => m.subject)).toEqual([`Order ${big.number} is on hold`]);
    expect(mails.some((m) => m.subject?.includes(held.number))).toBe(false);
    const log = await t.http('GET', `/v1/notifications?order=${big.id}&audience=team`, { key: 'viewer' });
    expect(log.body.data).toEqual([expect.objectContaining({ template: 'order_held', recipient: 'ops@example.com', status: 'sent' })]);
  });
});

describe('the notification log', () => {
  it('logs a notification as not sent, with the reason, when SMTP_URL is not set', async () => {
    const before = inbox.length;
    const order = await capture();
    await relay(null).drain();
    expect(inbox.length).toBe(before);
    const log = await t.http('GET', `/v1/notifications?order=${order.id}&template=order_confirmed`);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({ status: 'not_sent', reason: 'SMTP_URL is not set', recipient: 'erika@example.com', sentAt: null });
  });

  it('sends one mail for an event delivered twice', async () => {
    const order = await capture({ customer: { email: 'twice@example.com', name: 'Twice' } });
    await relay(mailer).drain();
    expect(mailsTo('twice@example.com')).toHaveLength(1);
    // The relay delivers the confirmation again (a lease expired after the mail went out, before the cursor moved).
    await sql`UPDATE event_sinks s SET after_tx = o.tx, after_id = o.id - 1
      FROM (SELECT tx, id FROM outbox_events WHERE aggregate_id = ${order.id} ORDER BY tx, id LIMIT 1) o WHERE s.sink = 'notifications'`.execute(t.db);
    await relay(mailer).drain();
    expect(mailsTo('twice@example.com')).toHaveLength(1);
    const log = await t.http('GET', `/v1/notifications?order=${order.id}`);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a failed mail is logged as failed and sent when the relay tries again', async () => {
    const order = await capture({ customer: { email: 'retry@example.com', name: 'Retry' } });
    const broken = smtpMailer('smtp://127.0.0.1:1', 'Shop <shop@example.com>');
    const r = relay(broken);
    await r.drain().catch(() => undefined);
    await r.stop();
    relays = [];
    const failed = await t.http('GET', `/v1/notifications?order=${order.id}`);
    expect(failed.body.data[0]).toMatchObject({ status: 'failed' });
    expect(failed.body.data[0].reason).toMatch(/ECONNREFUSED/);
    broken.close();
    await sql`UPDATE event_deliveries SET next_attempt_at = now() WHERE sink = 'notifications' AND aggregate_id = ${order.id}`.execute(t.db);
    await relay(mailer).drain();
    expect(mailsTo('retry@example.com')).toHaveLength(1);
    expect((await t.http('GET', `/v1/notifications?order=${order.id}`)).body.data[0]).toMatchObject({ status: 'sent', reason: null });
  });

  it('masks a customer\'s address and hides the text for roles without customer:read', async () => {
    const log = await t.http('GET', '/v1/notifications?audience=customer&status=sent', { key: 'viewer' });
    expect(log.status).toBe(200);
    expect(log.body.data.length).toBeGreaterThan(0);
    for (const n of log.body.data) {
      expect(n.recipient).toMatch(/^\w\*\*\*@/);
      expect(n.body).not.toContain('Hello');
    }
    const full = await t.http('GET', '/v1/notifications?audience=customer&status=sent', { key: 'operator' });
    expect(full.body.data.map((n: { recipient: string }) => n.recipient)).toContain('erika@example.com');
  });

  it('ordo check finds the log consistent, and reports a notification left sending without its delivery', async () => {
    expect((await runChecks(t.db)).lines.filter((l) => l.startsWith('DRIFT'))).toEqual([]);
    const row = await t.db.selectFrom('notifications').select('id').where('status', '=', 'sent').executeTakeFirstOrThrow();
    await sql`UPDATE notifications SET status = 'sending', sent_at = NULL WHERE id = ${row.id}`.execute(t.db);
    expect((await runChecks(t.db)).lines).toContain('DRIFT every notification still being sent has its event pending for the notifications sink');
    await sql`UPDATE notifications SET status = 'sent', sent_at = now() WHERE id = ${row.id}`.execute(t.db);
  });

  it('rejects an unknown filter value with a 400', async () => {
    const res = await t.http('GET', '/v1/notifications?status=lost');
    expect(res.status).toBe(400);
  });
});

/**
 * Webhooks end to end: a local receiver (a real HTTP server, the outside system) verifies every delivery with the
 * `standardwebhooks` package; the relay runs in-process against this file's database.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { leaseSinks, readSinkEvents, type LeasedSink } from '../src/integration/sink-cursor.repository.js';
import { retryAt, startRelay, type Relay, type RelayOptions } from '../src/integration/relay.js';
import { isPublicAddress, sendWebhook } from '../src/integration/webhook-delivery.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

interface Received { id: string; type: string; aggregateId: string; aggregateVersion: number; data: Record<string, unknown> }

/** The outside system: verifies each signature, records what arrived; `mode` plays its moods. */
class Receiver {
  server = http.createServer((req, res) => this.handle(req, res));
  received: Received[] = [];
  mode: 'ok' | 'error' | 'hang' | 'redirect' = 'ok';
  secret = '';
  hanging: http.ServerResponse[] = [];
  get url() { return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`; }
  async start() { await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r)); }
  async stop() {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (this.mode === 'hang') { this.hanging.push(res); return; }
      if (this.mode === 'error') { res.writeHead(500).end('database down'); return; }
      if (this.mode === 'redirect') { res.writeHead(302, { location: 'http://169.254.169.254/' }).end(); return; }
      // Throws on a bad signature or a stale timestamp: the test then sees a 400 in the delivery log.
      try {
        const event = new Webhook(this.secret).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as Received;
        expect(req.headers['webhook-id']).toBe(event.id);
        this.received.push(event);
        res.writeHead(204).end();
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  }
}

const receiver = new Receiver();
let relays: Relay[] = [];
const relay = (opts: Partial<RelayOptions> = {}) => {
  const r = startRelay({
    db: t.db, logger: { error: () => undefined, warn: () => undefined, info: () => undefined },
    webhook: { timeoutMs: 2_000, allowPrivateAddresses: true }, minPollMs: 5, maxPollMs: 20,
    backoff: { firstMs: 20, maxMs: 50 }, ...opts,
  });
  relays.push(r);
  return r;
};
const until = async (what: () => Promise<boolean> | boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const capture = async () => {
  const res = await t.http('POST', '/v1/orders', { body: anOrder() });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
};
const orderEventsOf = (id: string) => t.db.selectFrom('outbox_events').select(['event_id', 'type', 'aggregate_version']).where('aggregate_id', '=', id).orderBy('id').execute();
let subscriptionId = '';

beforeAll(async () => {
  await seedOrderWorld(t);
  await receiver.start();
  const res = await t.http('POST', '/v1/webhook-subscriptions', { key: 'integration', body: { url: receiver.url, eventTypes: ['order.*'], description: 'ERP' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_/);
  receiver.secret = res.body.secret;
  subscriptionId = res.body.id;
  // Events written before the subscription (the world's stock) are not for it.
  await relay().drain();
});
afterEach(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  relays = [];
  receiver.mode = 'ok';
});
afterAll(async () => {
  await receiver.stop();
});

describe('webhook subscriptions', () => {
  it('shows the secret only when made, refuses unknown event types and bad URLs, and needs webhook:write', async () => {
    const got = await t.http('GET', `/v1/webhook-subscriptions/${subscriptionId}`, { key: 'viewer' });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ url: receiver.url, eventTypes: ['order.*'], status: 'active', disabledReason: null });
    expect(got.body.secret).toBeUndefined();
    expect((await t.http('POST', '/v1/webhook-subscriptions', { key: 'viewer', body: { url: receiver.url, eventTypes: ['*'] } })).status).toBe(403);
    const typo = await t.http('POST', '/v1/webhook-subscriptions', { body: { url: receiver.url, eventTypes: ['order.shiped'] } });
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0]).toMatchObject({ path: '/body/eventTypes/0' });
    const ftp = await t.http('POST', '/v1/webhook-subscriptions', { body: { url: 'ftp://example.com/x', eventTypes: ['*'] } });
    expect(ftp.status).toBe(400);
    const list = await t.http('GET', '/v1/webhook-subscriptions');
    expect(list.body.data.map((s: { id: string }) => s.id)).toContain(subscriptionId);
  });

  it('refuses private and loopback addresses unless the setting allows them', async () => {
    expect(isPublicAddress('127.0.0.1')).toBe(false);
    expect(isPublicAddress('10.1.2.3')).toBe(false);
    expect(isPublicAddress('169.254.169.254')).toBe(false);
    expect(isPublicAddress('::ffff:192.168.0.1')).toBe(false);
    expect(isPublicAddress('93.184.215.14')).toBe(true);
    const event = { id: '6f1c0d9e-8a53-4c3e-9f0b-2f7d4f1a9b21', type: 'order.shipped', aggregateType: 'order', aggregateId: 'x', aggregateVersion: 1, occurredAt: new Date().toISOString(), data: {} };
    const before = receiver.received.length;
    for (const url of [receiver.url, receiver.url.replace('127.0.0.1', 'localhost')]) {
      const refused = await sendWebhook(url, [receiver.secret], event, { timeoutMs: 1_000, allowPrivateAddresses: false });
      expect(refused.delivered).toBe(false);
      expect(refused.error).toMatch(/private or loopback/);
    }
    expect(receiver.received.length).toBe(before);
    const { checkUrl } = await import('../src/integration/webhook.js');
    expect(() => checkUrl('http://127.0.0.1:9/x', false)).toThrow(/private or loopback/);
    expect(() => checkUrl('http://localhost/x', false)).toThrow(/private or loopback/);
    expect(() => checkUrl('https://erp.example.com/hooks', false)).not.toThrow();
  });
});

describe('delivery', () => {
  it('delivers every event of an order once, signed, in version order', async () => {
    const order = await capture();
    expect((await t.http('POST', `/v1/orders/${order.id}/release`, { body: {} })).status).toBe(200);
    const lineId = ((await t.http('GET', `/v1/orders/${order.id}`)).body.lines[0] as { id: string }).id;
    const shipped = await t.http('POST', `/v1/orders/${order.id}/ship`, { body: { lines: [{ lineId, quantity: 2 }] } });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    const written = await orderEventsOf(order.id);
    relay();
    await until(() => receiver.received.filter((e) => e.aggregateId === order.id).length === written.length);
    const got = receiver.received.filter((e) => e.aggregateId === order.id);
    expect(got.map((e) => e.id)).toEqual(written.map((e) => e.event_id));
    expect(got.map((e) => e.type)).toEqual(['order.received', 'order.confirmed', 'order.allocated', 'order.released_to_fulfillment', 'order.shipment_created', 'order.shipped']);
    const versions = got.map((e) => e.aggregateVersion);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    // The receiver has the last event before the relay has written its answer down: wait for the log to say so.
    const deliveries = () => t.http('GET', `/v1/webhook-subscriptions/${subscriptionId}/deliveries?limit=3`);
    await until(async () => (await deliveries()).body.data.every((d: { status: string }) => d.status !== 'pending'));
    const log = await deliveries();
    expect(log.status).toBe(200);
    expect(log.body.data[0]).toMatchObject({ status: 'delivered', attempts: 1, log: [{ outcome: 'delivered', statusCode: 204 }] });
    expect(log.body.next).not.toBeNull();
  });

  it('an endpoint down, answering 500, or redirecting: everything arrives once it is back, per order in version order', async () => {
    receiver.mode = 'error';
    const r = relay();
    const orders = [await capture(), await capture(), await capture()];
    for (const o of orders) expect((await t.http('POST', `/v1/orders/${o.id}/cancel`, { body: { reason: 'test' } })).status).toBe(200);
    await until(async () => (await t.db.selectFrom('delivery_attempts').select('id').where('status_code', '=', 500).execute()).length >= 3);
    receiver.mode = 'redirect';
    await until(async () => (await t.db.selectFrom('delivery_attempts').select('error').where('error', 'like', 'redirect%').execute()).length >= 1);
    const log = await t.http('GET', `/v1/webhook-subscriptions/${subscriptionId}/deliveries`);
    const failing = log.body.data.find((d: { status: string; attempts: number }) => d.status === 'pending' && d.attempts > 1);
    expect(failing.log.some((a: { statusCode: number; responseExcerpt: string }) => a.statusCode === 500 && a.responseExcerpt === 'database down')).toBe(true);
    // Nothing of an order went past its first undelivered event.
    expect(receiver.received.filter((e) => orders.some((o) => o.id === e.aggregateId))).toEqual([]);
    receiver.mode = 'ok';
    await until(async () => {
      const written = (await Promise.all(orders.map((o) => orderEventsOf(o.id)))).flat();
      return receiver.received.filter((e) => orders.some((o) => o.id === e.aggregateId)).length >= written.length;
    });
    await r.stop();
    for (const o of orders) {
      const got = receiver.received.filter((e) => e.aggregateId === o.id);
      expect(got.map((e) => e.id)).toEqual((await orderEventsOf(o.id)).map((e) => e.event_id));
      expect(got.at(-1)?.type).toBe('order.cancelled');
    }
  });

  it('a server killed mid-delivery loses nothing: its lease runs out and another delivers the same event id', async () => {
    const order = await capture();
    // The "killed" server leased the endpoint for its round and never ended it.
    // The order's events can be read once every transaction that took its id before theirs has ended (ADR 0010):
    // at once, unless something else (autovacuum's ANALYZE, say) is writing right then.
    let mine: LeasedSink | undefined;
    await until(async () => {
      mine = (await leaseSinks(t.db, null, 300)).find((s) => s.sink === `webhook:${subscriptionId}`);
      return mine !== undefined;
    });
    expect(mine).toBeDefined();
    expect((await readSinkEvents(t.db, mine!, 500)).events.filter((e) => e.aggregate_id === order.id)).toHaveLength(3);
    relay();
    await new Promise((r) => setTimeout(r, 150));
    expect(receiver.received.filter((e) => e.aggregateId === order.id)).toEqual([]);
    await until(() => receiver.received.filter((e) => e.aggregateId === order.id).length === 3);
    expect(receiver.received.filter((e) => e.aggregateId === order.id).map((e) => e.id)).toEqual((await orderEventsOf(order.id)).map((e) => e.event_id));
  });

  it('a receiver that hangs: the attempt times out and is retried', async () => {
    receiver.mode = 'hang';
    const r = relay({ webhook: { timeoutMs: 200, allowPrivateAddresses: true } });
    const order = await capture();
    await until(async () => (await t.db.selectFrom('delivery_attempts').select('id').where('error', 'like', 'no answer within 200 ms%').execute()).length >= 1);
    receiver.mode = 'ok';
    await until(() => receiver.received.filter((e) => e.aggregateId === order.id).length === 3);
    await r.stop();
  });

  it('two relays at once deliver each event once', async () => {
    relay();
    relay();
    const orders = await Promise.all(Array.from({ length: 10 }, () => capture()));
    await until(() => orders.every((o) => receiver.received.filter((e) => e.aggregateId === o.id).length === 3));
    await new Promise((r) => setTimeout(r, 100));
    const ids = receiver.received.filter((e) => orders.some((o) => o.id === e.aggregateId)).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(30);
  });

  it('one endpoint failing does not hold back another: it keeps receiving, and the failing one gets everything in order once back', async () => {
    const other = new Receiver();
    await other.start();
    const made = await t.http('POST', '/v1/webhook-subscriptions', { body: { url: other.url, eventTypes: ['order.*'] } });
    other.secret = made.body.secret;
    other.mode = 'error';
    relay();
    const orders = [await capture(), await capture()];
    await until(() => orders.every((o) => receiver.received.filter((e) => e.aggregateId === o.id).length === 3));
    expect(other.received).toEqual([]);
    const held = (await t.http('GET', `/v1/webhook-subscriptions/${made.body.id}/deliveries`)).body.data as { status: string; attempts: number; aggregateId: string }[];
    // Per order: its first event failed (one attempt at least), the two after it wait behind it.
    for (const o of orders) expect(held.filter((d) => d.aggregateId === o.id && d.status === 'pending')).toHaveLength(3);
    other.mode = 'ok';
    await until(() => orders.every((o) => other.received.filter((e) => e.aggregateId === o.id).length === 3));
    for (const o of orders) {
      expect(other.received.filter((e) => e.aggregateId === o.id).map((e) => e.id)).toEqual((await orderEventsOf(o.id)).map((e) => e.event_id));
    }
    expect((await t.http('DELETE', `/v1/webhook-subscriptions/${made.body.id}`)).status).toBe(200);
    await other.stop();
  });

  it('replays one event with its id', async () => {
    const [event] = await orderEventsOf((await capture()).id);
    await relay().drain();
    const res = await t.http('POST', `/v1/webhook-subscriptions/${subscriptionId}/replay`, { body: { eventId: event!.event_id } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ queued: 1 });
    await relay().drain();
    expect(receiver.received.filter((e) => e.id === event!.event_id)).toHaveLength(2);
  });

  it('the delivery log pages through rounds and held deliveries alike, newest first, each entry once', async () => {
    const seen: { id: number; status: string }[] = [];
    let next: string | null = null;
    do {
      const res = await t.http('GET', next ?? `/v1/webhook-subscriptions/${subscriptionId}/deliveries?limit=7`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.data as { id: number; status: string }[]));
      next = res.body.next as string | null;
    } while (next);
    const ids = seen.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    // Earlier tests left deliveries of both kinds: delivered at the first try (rounds) and after retries (rows).
    const rows = await t.db.selectFrom('event_deliveries').select('id').where('sink', '=', `webhook:${subscriptionId}`).execute();
    const rounds = await t.db.selectFrom('delivery_rounds').select('id').where('sink', '=', `webhook:${subscriptionId}`).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rounds.length).toBeGreaterThan(0);
    expect(ids.filter((id) => rows.some((r) => r.id === id))).toHaveLength(rows.length);
  });

  it('retries with exponential backoff and jitter for 3 days, then gives up', () => {
    const b = { firstMs: 5_000, maxMs: 3_600_000, giveUpAfterMs: 3 * 86_400_000 };
    const first = new Date('2026-12-01T00:00:00Z');
    expect(retryAt(b, 1, first, first, () => 0)?.getTime()).toBe(first.getTime() + 2_500);
    expect(retryAt(b, 3, first, first, () => 1)?.getTime()).toBe(first.getTime() + 20_000);
    expect(retryAt(b, 40, first, first, () => 1)?.getTime()).toBe(first.getTime() + 3_600_000);
    expect(retryAt(b, 80, first, new Date(first.getTime() + 3 * 86_400_000 - 1_000), () => 1)).toBeNull();
  });

  it('disables an endpoint whose deliveries failed past the limit, with the reason, and resumes when re-enabled', async () => {
    const other = new Receiver();
    await other.start();
    const made = await t.http('POST', '/v1/webhook-subscriptions', { body: { url: other.url, eventTypes: ['order.received'] } });
    other.secret = made.body.secret;
    other.mode = 'error';
    await capture();
    await relay({ backoff: { firstMs: 10, maxMs: 10, giveUpAfterMs: 0 } }).drain();
    const disabled = (await t.http('GET', `/v1/webhook-subscriptions/${made.body.id}`)).body;
    expect(disabled).toMatchObject({ status: 'disabled' });
    expect(disabled.disabledReason).toMatch(/last error: HTTP 500/);
    const event = await t.db.selectFrom('outbox_events').select(['payload']).where('type', '=', 'integration.webhook_disabled').executeTakeFirstOrThrow();
    expect(event.payload).toMatchObject({ subscriptionId: made.body.id, url: other.url });
    other.mode = 'ok';
    const later = await capture();
    await relay().drain();
    expect(other.received).toEqual([]);
    expect((await t.http('PATCH', `/v1/webhook-subscriptions/${made.body.id}`, { body: { status: 'active' } })).status).toBe(200);
    await relay().drain();
    expect(other.received.map((e) => e.aggregateId)).toContain(later.id);
    expect((await t.http('DELETE', `/v1/webhook-subscriptions/${made.body.id}`)).status).toBe(200);
    await other.stop();
  });

  it('pauses an endpoint by hand: nothing is sent while it is disabled, then everything since once re-enabled', async () => {
    const other = new Receiver();
    await other.start();
    const made = await t.http('POST', '/v1/webhook-subscriptions', { body: { url: other.url, eventTypes: ['order.received'] } });
    other.secret = made.body.secret;
    expect((await t.http('PATCH', `/v1/webhook-subscriptions/${made.body.id}`, { body: { disabledReason: 'x' } })).body)
      .toMatchObject({ status: 400, code: 'validation_failed' });
    const paused = await t.http('PATCH', `/v1/webhook-subscriptions/${made.body.id}`, { body: { status: 'disabled', disabledReason: 'receiver moving to a new host' } });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'disabled', disabledReason: 'receiver moving to a new host' });
    const during = await capture();
    await relay().drain();
    expect(other.received).toEqual([]);
    expect((await t.http('PATCH', `/v1/webhook-subscriptions/${made.body.id}`, { body: { status: 'active' } })).body).toMatchObject({ status: 'active', disabledReason: null });
    await relay().drain();
    expect(other.received.map((e) => e.aggregateId)).toContain(during.id);
    expect((await t.http('DELETE', `/v1/webhook-subscriptions/${made.body.id}`)).status).toBe(200);
    await other.stop();
  });

  it('rotating the secret signs with both until the previous one expires', async () => {
    const res = await t.http('POST', `/v1/webhook-subscriptions/${subscriptionId}/rotate-secret`, { body: { previousValidHours: 1 } });
    expect(res.status).toBe(200);
    expect(res.body.secret).not.toBe(receiver.secret);
    const previous = receiver.secret;
    const order = await capture();
    await relay().drain();
    expect(receiver.received.filter((e) => e.aggregateId === order.id), JSON.stringify(await t.db.selectFrom('delivery_attempts').selectAll().orderBy('id', 'desc').limit(5).execute())).toHaveLength(3);
    receiver.secret = res.body.secret;
    const next = await capture();
    await relay().drain();
    expect(receiver.received.filter((e) => e.aggregateId === next.id), JSON.stringify(await t.db.selectFrom('delivery_attempts').selectAll().orderBy('id', 'desc').limit(5).execute())).toHaveLength(3);
    expect(previous).not.toBe(receiver.secret);
  });
});

describe('availability to external sinks', () => {
  it('is coalesced per (channel, SKU): the latest number, never an older one after a newer', async () => {
    const inv = new Receiver();
    await inv.start();
    const made = await t.http('POST', '/v1/webhook-subscriptions', { body: { url: inv.url, eventTypes: ['inventory.*'] } });
    inv.secret = made.body.secret;
    for (let i = 0; i < 20; i++) {
      await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-B', quantity: 1 }] } });
    }
    await relay().drain();
    const got = inv.received.filter((e) => e.type === 'inventory.availability_changed' && e.data.sku === 'ORD-B');
    const byChannel = new Map<string, Received[]>();
    for (const e of got) byChannel.set(String(e.data.channel), [...(byChannel.get(String(e.data.channel)) ?? []), e]);
    expect([...byChannel.keys()].sort()).toEqual(['B2B', 'WEB']);
    for (const events of byChannel.values()) {
      expect(events.length).toBeLessThan(20);
      const versions = events.map((e) => e.aggregateVersion);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
    }
    const web = (await t.http('GET', '/v1/availability?channel=WEB&sku=ORD-B')).body;
    expect(byChannel.get('WEB')!.at(-1)!.data.available).toBe(web.data?.[0]?.available ?? web.available);
    await inv.stop();
  });
});

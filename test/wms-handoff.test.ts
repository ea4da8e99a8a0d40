/**
 * The WMS hand-off (issue #19 part 9), played end to end as docs/integration.md describes it: a WMS subscribes to
 * fulfilment events through a signed webhook, receives `fulfillment.requested` for its warehouse, accepts, picks,
 * packs, posts the shipment, and posts the carrier's tracking until the parcel is delivered. The WMS is a real HTTP
 * server verifying every signature with the `standardwebhooks` package; it talks back with the warehouse role's key.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../src/integration/relay.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

interface Delivered { id: string; type: string; aggregateId: string; aggregateVersion: number; data: Record<string, any> }

/** The WMS: its inbox of verified events, and the warehouse it runs. */
class Wms {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const event = new Webhook(this.secret).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as Delivered;
        // At least once: a WMS de-duplicates by event id.
        if (!this.inbox.some((e) => e.id === event.id)) this.inbox.push(event);
        res.writeHead(204).end();
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  });
  inbox: Delivered[] = [];
  secret = '';
  get url() { return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ordo-events`; }
  async start() { await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r)); }
  async stop() {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const wms = new Wms();
let relay: Relay;
const until = async <T>(what: () => T | undefined, ms = 10_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const found = what();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};
/** The WMS calling Ordo, as the warehouse role. */
const call = async (url: string, body: unknown = {}) => {
  const res = await t.http('POST', url, { key: 'warehouse', body });
  expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
};

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.http('PUT', '/v1/carriers', { body: { code: 'ZTO', name: '中通快递', services: [{ code: 'STD', name: 'Standard', transitDays: 3 }] } });
  await wms.start();
  const sub = await t.http('POST', '/v1/webhook-subscriptions', { key: 'integration', body: { url: wms.url, eventTypes: ['fulfillment.*', 'shipment.*'], description: 'WMS at OWH1' } });
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  wms.secret = sub.body.secret;
  relay = startRelay({
    db: t.db, logger: { error: () => undefined, warn: () => undefined, info: () => undefined },
    webhook: { timeoutMs: 2_000, allowPrivateAddresses: true }, minPollMs: 5, maxPollMs: 20, backoff: { firstMs: 20, maxMs: 50 },
  });
});
afterAll(async () => {
  await relay?.stop();
  await wms.stop();
});

describe('a WMS plays the hand-off', () => {
  it('receives the request, confirms each step, ships, and tracks the parcel to the door', async () => {
    const captured = await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-A', quantity: 3, unitPriceMinor: 1000 }, { sku: 'ORD-B', quantity: 1, unitPriceMinor: 500 }]) });
    expect(captured.status).toBe(201);
    const order = captured.body;
    expect((await t.http('POST', `/v1/orders/${order.id}/release`)).status).toBe(200);

    // 1. The request arrives: what to pick, for which order, to which address.
    const request = await until(() => wms.inbox.find((e) => e.type === 'fulfillment.requested' && e.data.orderId === order.id));
    expect(request).toMatchObject({ aggregateVersion: 1, data: { location: 'OWH1', orderNumber: order.number, kind: 'ship', shipTo: { city: 'Köln' } } });
    expect(request.data.lines.map((l: { sku: string; quantity: number }) => [l.sku, l.quantity])).toEqual([['ORD-A', 3], ['ORD-B', 1]]);
    const fo = request.data.fulfillmentOrderId as string;

    // 2. Confirmations: accepted, picking, packed. Each comes back as an event with the next version.
    await call(`/v1/fulfillment-orders/${fo}/accept`, { note: 'WMS wave 42' });
    await call(`/v1/fulfillment-orders/${fo}/start-picking`);
    await call(`/v1/fulfillment-orders/${fo}/pack`);

    // 3. The shipment: carrier, tracking number, parcels, weight.
    const shipped = await call('/v1/shipments', { fulfillmentOrderId: fo, carrier: 'ZTO', service: 'STD', trackingNumber: '7310000001', parcels: 2, weightGrams: 2400 });
    expect(shipped.fulfillmentOrder.status).toBe('shipped');
    const shipmentId = shipped.shipment.id as string;

    // 4. The carrier's tracking, relayed by the WMS (a repeat of an event id changes nothing).
    const at = (minutes: number) => new Date(Date.now() + minutes * 1000).toISOString();
    await call(`/v1/shipments/${shipmentId}/events`, { eventId: 'zto-1', type: 'in_transit', occurredAt: at(1), location: '杭州中转部' });
    await call(`/v1/shipments/${shipmentId}/events`, { eventId: 'zto-1', type: 'in_transit', occurredAt: at(1), location: '杭州中转部' });
    await call(`/v1/shipments/${shipmentId}/events`, { eventId: 'zto-2', type: 'out_for_delivery', occurredAt: at(2) });
    await call(`/v1/shipments/${shipmentId}/events`, { eventId: 'zto-3', type: 'delivered', occurredAt: at(3) });
    expect((await t.http('GET', `/v1/orders/${order.id}`)).body.status).toBe('delivered');

    // What the WMS saw, in version order per aggregate.
    await until(() => (wms.inbox.some((e) => e.type === 'shipment.delivered') ? true : undefined));
    const foEvents = wms.inbox.filter((e) => e.aggregateId === fo);
    expect(foEvents.map((e) => e.type)).toEqual(['fulfillment.requested', 'fulfillment.accepted', 'fulfillment.picking_started', 'fulfillment.packed', 'fulfillment.shipped']);
    expect(foEvents.map((e) => e.aggregateVersion)).toEqual([1, 2, 3, 4, 5]);
    const parcel = wms.inbox.filter((e) => e.aggregateId === shipmentId);
    expect(parcel.map((e) => e.type)).toEqual(['shipment.created', 'shipment.in_transit', 'shipment.out_for_delivery', 'shipment.delivered']);
    expect(parcel[0]!.data).toMatchObject({ carrier: 'ZTO', service: 'STD', trackingNumber: '7310000001', parcels: 2, weightGrams: 2400, location: 'OWH1' });
  });

  it('hears when a fulfilment order is withdrawn: the customer cancelled before it shipped', async () => {
    const order = (await t.http('POST', '/v1/orders', { body: anOrder() })).body;
    await t.http('POST', `/v1/orders/${order.id}/release`);
    const request = await until(() => wms.inbox.find((e) => e.type === 'fulfillment.requested' && e.data.orderId === order.id));
    await call(`/v1/fulfillment-orders/${request.data.fulfillmentOrderId}/accept`);
    expect((await t.http('POST', `/v1/orders/${order.id}/cancel`, { body: { reason: 'customer called' } })).status).toBe(200);
    const withdrawn = await until(() => wms.inbox.find((e) => e.type === 'fulfillment.cancelled' && e.aggregateId === request.data.fulfillmentOrderId));
    expect(withdrawn.data).toMatchObject({ from: 'accepted', to: 'cancelled' });
    const tooLate = await t.http('POST', `/v1/fulfillment-orders/${request.data.fulfillmentOrderId}/start-picking`, { key: 'warehouse', body: {} });
    expect(tooLate.body).toMatchObject({ code: 'invalid_state', currentStatus: 'cancelled' });
  });
});

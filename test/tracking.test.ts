import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

const customer = { email: 'greta.private@example.com', name: 'Greta Geheimnis', phone: '+49 170 9876543' };
const shippingAddress = { name: 'Greta Geheimnis', line1: 'Verborgener Weg 42', city: 'Kleinstadt', postalCode: '98765', country: 'DE' };
let order: { id: string; number: string; trackingToken: string; lines: { id: string }[] };

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.http('PUT', '/v1/carriers', {
    body: { code: 'DHL', name: 'DHL Paket', trackingUrlTemplate: 'https://track.example/dhl?piece={trackingNumber}', services: [{ code: 'std', name: 'Paket', transitDays: 2 }] },
  });
  const res = await t.http('POST', '/v1/orders', {
    body: anOrder({ customer, shippingAddress, billingAddress: shippingAddress, placedAt: '2026-03-01T10:00:00.000Z' },
      [{ sku: 'ORD-A', quantity: 2, unitPriceMinor: 2468 }, { sku: 'ORD-C', quantity: 1, unitPriceMinor: 7531 }]),
  });
  expect(res.status).toBe(201);
  order = res.body;
  // The warehouse ships the first line: 2 units in one DHL parcel.
  expect((await t.http('POST', `/v1/orders/${order.id}/release`, { body: {} })).status).toBe(200);
  const shipped = await t.http('POST', `/v1/orders/${order.id}/ship`, {
    body: { lines: [{ lineId: order.lines[0]?.id, quantity: 2 }], carrier: 'DHL', trackingNumber: '00340434161234567890' },
  });
  expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
});

describe('GET /track/{token}', () => {
  it('shows the customer the status, items and parcels without a key', async () => {
    const res = await t.http('GET', `/track/${order.trackingToken}`, { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      number: order.number,
      status: 'partially_shipped',
      placedAt: '2026-03-01T10:00:00.000Z',
      lines: [
        { sku: 'ORD-A', name: 'ORD-A', quantity: 2, shipped: 2, cancelled: 0 },
        { sku: 'ORD-C', name: 'ORD-C', quantity: 1, shipped: 0, cancelled: 0 },
      ],
      shipments: [{
        carrier: 'DHL', trackingNumber: '00340434161234567890', trackingUrl: 'https://track.example/dhl?piece=00340434161234567890',
        shippedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), deliveredAt: null, status: 'shipped', parcels: 1,
      }],
    });
    expect(res.headers['cache-control']).toBe('private, no-cache');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('contains nothing personal: no name, email, phone, address or prices', async () => {
    const res = await t.http('GET', `/track/${order.trackingToken}`, { key: null });
    const text = JSON.stringify(res.body);
    for (const secret of ['Greta', 'Geheimnis', 'greta.private', 'example.com', '9876543', 'Verborgener', 'Kleinstadt', '98765', '2468', '7531']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/Minor|price|customer|address|email|phone/i);
  });

  it('answers 404 problem+json for an unknown token', async () => {
    for (const token of ['no-such-token-000000000', order.trackingToken.slice(0, -1)]) {
      const res = await t.http('GET', `/track/${token}`, { key: null });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('not_found');
      expect(JSON.stringify(res.body)).not.toContain(order.number);
    }
  });

  it('is documented as a public route', async () => {
    const doc = await t.http('GET', '/openapi.json', { key: null });
    expect(doc.body.paths['/track/{token}']?.get).toBeDefined();
  });
});

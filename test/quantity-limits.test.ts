/**
 * Quantities at the schema's maximum (1,000,000,000 units a line) never overflow a 32-bit counter: a change that would
 * pass a row's limit answers 409 quantity_limit_exceeded, and sums over locations, supply and channels just work.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { useTestApp } from './harness.js';
import { anOrder } from './order-fixtures.js';

const t = useTestApp();
const BILLION = 1_000_000_000;
const soon = () => new Date(Date.now() + 5 * 86400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  await t.http('POST', '/v1/skus/bulk', { body: { items: ['BIG-1', 'BIG-2', 'BIG-3', 'BIG-4'].map((code) => ({ code, name: code })) } });
  for (const code of ['QL1', 'QL2', 'QL3']) {
    expect((await t.http('POST', '/v1/locations', { body: { code, name: code, type: 'warehouse' } })).status).toBe(201);
  }
  // A channel that may sell incoming supply: its ATP adds stock of every location and open purchase orders.
  expect((await t.http('POST', '/v1/channels', { body: { code: 'WEB', name: 'Web', type: 'web', currency: 'EUR', orderNumberPrefix: 'W', policy: { presaleDays: 30 } } })).status).toBe(201);
});

const receive = (location: string, sku: string, quantity = BILLION) =>
  t.http('POST', '/v1/stock/receipts', { body: { location, lines: [{ sku, quantity }] } });

describe('quantities at the limit', () => {
  it('three receipts of 1,000,000,000 units: the first is taken, the others answer 409 naming the limit', async () => {
    expect((await receive('QL1', 'BIG-1')).status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const res = await receive('QL1', 'BIG-1');
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body).toMatchObject({ code: 'quantity_limit_exceeded', limit: BILLION });
      expect(res.body.detail).toContain('1,000,000,000');
    }
    // One request with two lines of the same SKU adds them up before the limit: refused as well, nothing written.
    const two = await t.http('POST', '/v1/stock/receipts', { body: { location: 'QL2', lines: [{ sku: 'BIG-1', quantity: BILLION }, { sku: 'BIG-1', quantity: BILLION }] } });
    expect(two.status).toBe(409);
    expect(two.body.code).toBe('quantity_limit_exceeded');
    const stock = await t.http('GET', '/v1/stock?sku=BIG-1');
    expect(stock.body.data.map((l: { location: string; onHand: number }) => [l.location, l.onHand])).toEqual([['QL1', BILLION]]);
  });

  it('1,000,000,000 units at each of three locations add up beyond 2^31 in the stock and availability answers', async () => {
    for (const location of ['QL1', 'QL2', 'QL3']) expect((await receive(location, 'BIG-2')).status).toBe(201);
    const availability = await t.http('GET', '/v1/availability?sku=BIG-2');
    expect(availability.status, JSON.stringify(availability.body)).toBe(200);
    expect(JSON.stringify(availability.body)).toContain(String(3 * BILLION));
  });

  it('an adjustment of 1,000,000,000 and two concurrent purchase orders of as much leave the SKU sellable and checkable', async () => {
    const adjusted = await t.http('POST', '/v1/stock/adjustments', { body: { lines: [{ sku: 'BIG-3', location: 'QL1', delta: BILLION, reason: 'found' }] } });
    expect(adjusted.status).toBe(201);
    const pos = await Promise.all([1, 2].map((n) => t.http('POST', '/v1/supply', {
      body: { type: 'purchase_order', reference: `PO-BIG-${n}`, location: 'QL1', expectedOn: soon(), lines: [{ sku: 'BIG-3', quantity: BILLION }] },
    })));
    expect(pos.map((p) => p.status)).toEqual([201, 201]);

    const availability = await t.http('GET', '/v1/availability?sku=BIG-3&channel=WEB');
    expect(availability.status, JSON.stringify(availability.body)).toBe(200);
    expect(JSON.stringify(availability.body)).toContain(String(3 * BILLION));

    const order = await t.http('POST', '/v1/orders', { key: 'integration', body: anOrder({}, [{ sku: 'BIG-3', quantity: 2, unitPriceMinor: 100 }]) });
    expect(order.status, JSON.stringify(order.body)).toBe(201);

    // Receiving a purchase order onto 1,000,000,000 on hand would pass the limit: 409, not a 500.
    const received = await t.http('POST', `/v1/supply/${pos[0]!.body.id}/receive`, { body: {} });
    expect(received.status, JSON.stringify(received.body)).toBe(409);
    expect(received.body.code).toBe('quantity_limit_exceeded');

    const report = await runChecks(t.db);
    expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
  });

  it('a transfer onto a location at the limit answers 409 when received', async () => {
    expect((await receive('QL2', 'BIG-4')).status).toBe(201);
    expect((await receive('QL3', 'BIG-4')).status).toBe(201);
    const transfer = await t.http('POST', '/v1/stock/transfers', { body: { from: 'QL2', to: 'QL3', expectedOn: soon(), lines: [{ sku: 'BIG-4', quantity: BILLION }] } });
    expect(transfer.status).toBe(201);
    const received = await t.http('POST', `/v1/supply/${transfer.body.id}/receive`, { body: {} });
    expect(received.status, JSON.stringify(received.body)).toBe(409);
    expect(received.body.code).toBe('quantity_limit_exceeded');
    const report = await runChecks(t.db);
    expect(report.ok, report.lines.join('\n')).toBe(true);
  });
});

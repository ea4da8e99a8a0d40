/**
 * What the admin UI's screens need from the API (issue #23 part 5): the dashboard's numbers, the orders of a location,
 * releasing or rejecting many holds at once (each order alone), saved views per user or key, and why a channel may
 * sell what it may.
 */
import { describe, expect, it } from 'vitest';
import { createUser } from '../src/access/create-user.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

async function placed(overrides: Record<string, unknown> = {}, lines?: { sku: string; quantity: number; unitPriceMinor: number }[]) {
  const res = await t.http('POST', '/v1/orders', { body: anOrder(overrides, lines) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; status: string; lines: { id: string }[] };
}

async function heldOrder(reasonCode = 'address_check') {
  const order = await placed();
  const hold = await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode } });
  expect(hold.status).toBe(201);
  return order;
}

describe('the admin API additions', () => {
  it('lists the orders of a location: lines sourced there', async () => {
    await seedOrderWorld(t);
    const atOne = await placed({}, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 500 }]);
    const atTwo = await placed({}, [{ sku: 'ORD-C', quantity: 1, unitPriceMinor: 500 }]);
    const one = await t.http('GET', '/v1/orders?location=OWH1&limit=200');
    expect(one.status).toBe(200);
    const ids = one.body.data.map((o: { id: string }) => o.id);
    expect(ids).toContain(atOne.id);
    expect(ids).not.toContain(atTwo.id);
    const two = await t.http('GET', '/v1/orders?location=OWH2&status=allocated');
    expect(two.body.data.map((o: { id: string }) => o.id)).toEqual([atTwo.id]);
    const unknown = await t.http('GET', '/v1/orders?location=NOWHERE');
    expect(unknown.status).toBe(404);
  });

  it('releases the holds of many orders at once, reporting each order, a failure undoing none of the others', async () => {
    const a = await heldOrder();
    const b = await heldOrder();
    const notHeld = await placed();
    const res = await t.http('POST', '/v1/orders/holds/release', { key: 'operator', body: { orderIds: [a.id, notHeld.id, b.id], note: 'checked by phone' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ decided: 2, failed: 1 });
    expect(res.body.results.map((r: { orderId: string; result: string }) => [r.orderId, r.result])).toEqual([[a.id, 'released'], [notHeld.id, 'failed'], [b.id, 'released']]);
    expect(res.body.results[1].error).toMatchObject({ code: 'invalid_state' });
    for (const id of [a.id, b.id]) {
      const order = (await t.http('GET', `/v1/orders/${id}`)).body;
      expect(order.status).toBe('allocated');
      expect(order.holds[0]).toMatchObject({ status: 'released' });
      expect(JSON.stringify((await t.http('GET', `/v1/orders/${id}/timeline`)).body)).toContain('checked by phone');
    }
    // Only holds of a reason: an order without one fails alone.
    const c = await heldOrder('fraud_score');
    const d = await heldOrder('address_check');
    const byReason = await t.http('POST', '/v1/orders/holds/release', { body: { orderIds: [c.id, d.id], reasonCode: 'fraud_score' } });
    expect(byReason.body.results.map((r: { result: string }) => r.result)).toEqual(['released', 'failed']);
    // Rejecting cancels.
    const rejected = await t.http('POST', '/v1/orders/holds/reject', { body: { orderIds: [d.id] } });
    expect(rejected.body.results[0]).toMatchObject({ result: 'rejected', status: 'cancelled' });
    // A role without order:review may not.
    expect((await t.http('POST', '/v1/orders/holds/release', { key: 'viewer', body: { orderIds: [c.id] } })).status).toBe(403);
    expect((await t.http('POST', '/v1/orders/holds/release', { body: { orderIds: [] } })).status).toBe(400);
  });

  it('keeps saved views per user and per key: nobody sees or changes another\'s', async () => {
    const mine = await t.http('POST', '/v1/saved-views', { key: 'operator', body: { list: 'orders', name: 'Held web orders', filters: { status: ['on_hold'], channel: 'WEB' } } });
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    expect(mine.body).toMatchObject({ list: 'orders', name: 'Held web orders', filters: { status: ['on_hold'], channel: 'WEB' }, version: 1 });
    const again = await t.http('POST', '/v1/saved-views', { key: 'operator', body: { list: 'orders', name: 'Held web orders', filters: {} } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_exists');
    // Another key has its own, of the same name.
    expect((await t.http('POST', '/v1/saved-views', { key: 'viewer', body: { list: 'orders', name: 'Held web orders', filters: {} } })).status).toBe(201);
    expect((await t.http('GET', '/v1/saved-views', { key: 'operator' })).body.data.map((v: { id: string }) => v.id)).toEqual([mine.body.id]);
    expect((await t.http('PATCH', `/v1/saved-views/${mine.body.id}`, { key: 'viewer', body: { name: 'stolen' } })).status).toBe(404);
    expect((await t.http('DELETE', `/v1/saved-views/${mine.body.id}`, { key: 'viewer' })).status).toBe(404);
    const renamed = await t.http('PATCH', `/v1/saved-views/${mine.body.id}`, { key: 'operator', body: { name: 'Held on the web' }, headers: { 'if-match': '1' } });
    expect(renamed.body).toMatchObject({ name: 'Held on the web', version: 2 });
    expect((await t.http('PATCH', `/v1/saved-views/${mine.body.id}`, { key: 'operator', body: { name: 'x' }, headers: { 'if-match': '1' } })).status).toBe(409);
    // Filters are the list's: an unknown one or a wrong type is refused.
    const bad = await t.http('POST', '/v1/saved-views', { key: 'operator', body: { list: 'orders', name: 'bad', filters: { colour: 'red', status: 'on_hold' } } });
    expect(bad.status).toBe(400);
    expect((await t.http('DELETE', `/v1/saved-views/${mine.body.id}`, { key: 'operator' })).status).toBe(200);
    expect((await t.http('GET', '/v1/saved-views', { key: 'operator' })).body.data).toEqual([]);
    // Users have their own too (the owner is the user, not a key).
    const user = await t.db.transaction().execute((trx) => createUser(trx, { email: 'sv@example.com', name: 'Sam Views', role: 'viewer', password: 'correct horse battery staple' }));
    const row = await t.db.insertInto('saved_views').values({ id: '0190d1f0-0000-7000-8000-000000000001', user_id: user.id, list: 'orders', name: 'mine', filters: '{}' }).returning('owner_id').executeTakeFirstOrThrow();
    expect(row.owner_id).toBe(user.id);
  });

  it('answers the dashboard: today by status and channel, held, late and at-risk, low stock, capture rate', async () => {
    const old = await placed({ placedAt: new Date(Date.now() - 72 * 3_600_000).toISOString() });
    const risky = await placed({ placedAt: new Date(Date.now() - 30 * 3_600_000).toISOString() });
    await t.http('PUT', '/v1/stock/settings', { body: { items: [{ sku: 'ORD-B', location: 'OWH1', reorderPoint: 10 }] } });
    const res = await t.http('GET', '/v1/dashboard', { key: 'viewer' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const all = (await t.http('GET', '/v1/orders?limit=200')).body.data as { id: string; status: string; placedAt: string; channel: string }[];
    const today = all.filter((o) => o.placedAt >= res.body.since);
    expect(res.body.today.orders).toBe(today.length);
    const byStatus: Record<string, number> = {};
    for (const o of today) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    expect(res.body.today.byStatus).toEqual(byStatus);
    expect(res.body.today.byChannel[0]).toMatchObject({ channel: 'WEB', currency: 'EUR' });
    expect(res.body.held.orders).toBe(all.filter((o) => o.status === 'on_hold').length);
    expect(res.body.late).toMatchObject({ late: 1, atRisk: 1, lateAfterHours: 48, atRiskAfterHours: 24 });
    expect(res.body.capture.lastHour).toBe(today.length);
    expect(res.body.lowStock.open + res.body.lowStock.acknowledged).toBeGreaterThanOrEqual(0);
    expect([old.id, risky.id].length).toBe(2);
    const wider = await t.http('GET', '/v1/dashboard?atRiskAfterHours=12&lateAfterHours=24');
    expect(wider.body.late).toMatchObject({ late: 2 });
    expect((await t.http('GET', '/v1/dashboard?atRiskAfterHours=48&lateAfterHours=24')).status).toBe(400);
    expect((await t.http('GET', '/v1/dashboard?since=2000-01-01T00:00:00Z')).status).toBe(400);
  });

  it('explains a channel\'s number: stock per location, the orders holding it, quota and pool add up to it', async () => {
    await t.http('POST', '/v1/skus', { body: { code: 'EX-1', name: 'Explained' } });
    await t.http('POST', '/v1/locations', { body: { code: 'EXSTORE', name: 'Store', type: 'store', capabilities: { ship: false, pickup: true } } });
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'EX-1', quantity: 20 }] } });
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'EXSTORE', lines: [{ sku: 'EX-1', quantity: 4 }] } });
    expect((await t.http('PUT', '/v1/allocations', { body: { channel: 'B2B', sku: 'EX-1', quotaUnits: 6 } })).status).toBe(200);
    const order = await placed({}, [{ sku: 'EX-1', quantity: 3, unitPriceMinor: 100 }]);
    const cart = await t.http('POST', '/v1/reservations', { body: { reference: { type: 'cart', id: 'cart-42' }, lines: [{ sku: 'EX-1', location: 'OWH1', quantity: 2 }] } });
    expect(cart.status, JSON.stringify(cart.body)).toBe(201);

    const res = await t.http('GET', '/v1/availability/explain?sku=EX-1&channel=WEB', { key: 'viewer' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const e = res.body;
    const atp = (await t.http('GET', '/v1/availability?sku=EX-1&channel=WEB')).body.data[0];
    expect(e.available).toBe(atp.available);
    expect(e.channel.available).toBe(atp.channel.available);
    expect(e.terms).toMatchObject({ onHand: 24, reserved: 5, sellable: 24, pickupOnly: 4 });
    expect(e.terms.onHand - e.terms.reserved - e.terms.quarantined - e.terms.safetyStock).toBe(e.available);
    // The channel's number from its terms: min(free, quota left + pool left) + presale.
    const c = e.channel;
    expect(c).toMatchObject({ quotaRule: null, quota: 0, otherQuotas: 6, pool: 18 });
    expect(c.available).toBe(Math.min(e.available, c.quotaLeft + c.poolLeft) + c.presale);
    // Who holds the reserved units: the order by its number, the cart by its reference.
    const holders = e.reservations.shown.map((r: { referenceType: string; referenceId: string; holder: { number: string } | null; quantity: number }) =>
      [r.referenceType, r.holder?.number ?? r.referenceId, r.quantity]);
    expect(holders).toEqual([['order_line', order.number, 3], ['cart', 'cart-42', 2]]);
    expect(e.reservations.total).toBe(2);
    expect(e.locations.map((l: { location: string }) => l.location)).toEqual(['OWH1', 'EXSTORE']);

    const b2b = (await t.http('GET', '/v1/availability/explain?sku=EX-1&channel=B2B')).body;
    expect(b2b.channel).toMatchObject({ quotaRule: 'sku', quota: 6, quotaUnits: 6 });
    expect(b2b.channel.available).toBe((await t.http('GET', '/v1/availability?sku=EX-1&channel=B2B')).body.data[0].channel.available);
    expect((await t.http('GET', '/v1/availability/explain?sku=NOPE')).status).toBe(404);
    expect((await t.http('GET', '/v1/availability/explain?sku=EX-1')).body.channel).toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

beforeAll(() => seedOrderWorld(t));
afterAll(async () => {
  // Whatever the scenarios did, every invariant `ordo check` verifies still holds.
  const report = await runChecks(t.db);
  expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
});

describe('capture', () => {
  it('captures an order, reserves its stock and writes the timeline', async () => {
    const res = await t.http('POST', '/v1/orders', { key: 'integration', body: anOrder() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'allocated', channel: 'WEB', currency: 'EUR', customer: { email: 'erika@example.com' } });
    expect(res.body.number).toMatch(/^W\d+$/);
    expect(res.body.lines[0]).toMatchObject({ sku: 'ORD-A', location: 'OWH1', quantity: 2, allocated: 2, totalMinor: 2000 });
    const stock = await t.http('GET', '/v1/stock?sku=ORD-A&location=OWH1');
    expect(stock.body.data[0]).toMatchObject({ reserved: 2 });
    const reservations = await t.http('GET', `/v1/reservations?referenceType=order_line&referenceId=${res.body.lines[0].id}`);
    expect(reservations.body.data).toHaveLength(1);
    const timeline = await t.http('GET', `/v1/orders/${res.body.id}/timeline`);
    expect(timeline.body.data.map((e: { toStatus: string }) => e.toStatus)).toEqual(['received', 'confirmed', 'allocated']);
    const events = await t.db.selectFrom('outbox_events').select('type').where('aggregate_id', '=', res.body.id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['order.received', 'order.confirmed', 'order.allocated']);
    // The answer is built before writing (to save a round trip): it must be exactly what a read returns.
    expect((await t.http('GET', `/v1/orders/${res.body.id}`)).body).toEqual(res.body);
    const audit = await t.http('GET', `/v1/audit-log?entityType=order&entityId=${res.body.id}`);
    expect(audit.body.data).toEqual([expect.objectContaining({ action: 'order.captured', actorName: 'test integration' })]);
  });

  it('finds the customer by email, or by phone when no email is given, and creates one otherwise', async () => {
    const capture = async (customer: Record<string, string>) => {
      const res = await t.http('POST', '/v1/orders', { body: anOrder({ customer }) });
      expect(res.status).toBe(201);
      return res.body.customer.id as string;
    };
    const byEmail = await capture({ name: 'Mail Once', email: 'mail.once@example.com' });
    expect(await capture({ name: 'Mail Once', email: 'MAIL.ONCE@example.com', phone: '+49 30 1111' })).toBe(byEmail);
    const byPhone = await capture({ name: 'Phone Once', phone: '+49 30 2222 333' });
    expect(byPhone).not.toBe(byEmail);
    expect(await capture({ name: 'Phone Once', phone: '+4930 2222-333' })).toBe(byPhone);
    // An email decides alone: a known phone with a new email is a new customer.
    expect(await capture({ name: 'Phone Once', email: 'new.mail@example.com', phone: '+49 30 2222 333' })).not.toBe(byPhone);
  });

  it('replays the first answer for a repeated Idempotency-Key, and refuses the key for another order', async () => {
    const body = anOrder();
    const headers = { 'idempotency-key': `capture-${body.externalRef}` };
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.http('POST', '/v1/orders', { body, headers })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    const other = await t.http('POST', '/v1/orders', { body: anOrder(), headers });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_key_reused');
  });

  it('splits over locations when no single one has every line', async () => {
    const res = await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 100 }, { sku: 'ORD-C', quantity: 1, unitPriceMinor: 100 }]) });
    expect(res.status).toBe(201);
    expect(res.body.lines.map((l: { location: string }) => l.location)).toEqual(['OWH1', 'OWH2']);
  });

  it('refuses totals that do not add up, naming the expected and the given number', async () => {
    const body = anOrder();
    body.totals.totalMinor += 1;
    const res = await t.http('POST', '/v1/orders', { body });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: '/body/totals/totalMinor', message: `expected ${body.totals.totalMinor - 1} from the lines and charges, got ${body.totals.totalMinor}` }]);
  });

  it('refuses unknown SKUs and channels, another currency, bad quantities and prices, and 501 lines', async () => {
    expect((await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'NOPE', quantity: 1, unitPriceMinor: 1 }]) })).status).toBe(404);
    expect((await t.http('POST', '/v1/orders', { body: anOrder({ channel: 'NOPE' }) })).status).toBe(404);
    const currency = await t.http('POST', '/v1/orders', { body: anOrder({ currency: 'USD' }) });
    expect(currency.status).toBe(400);
    expect(currency.body.detail).toContain('sells in EUR');
    expect((await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-A', quantity: 0, unitPriceMinor: 1 }]) })).status).toBe(400);
    expect((await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: -1 }]) })).status).toBe(400);
    const many = Array.from({ length: 501 }, () => ({ sku: 'ORD-A', quantity: 1, unitPriceMinor: 1 }));
    expect((await t.http('POST', '/v1/orders', { body: anOrder({}, many) })).status).toBe(400);
  });

  it('refuses an order it cannot reserve, writing nothing (no order without reservations)', async () => {
    const body = anOrder({}, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 100 }, { sku: 'ORD-B', quantity: 6, unitPriceMinor: 100 }]);
    const res = await t.http('POST', '/v1/orders', { body });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('insufficient_stock');
    expect(res.body.lines).toEqual([expect.objectContaining({ index: 1, requested: 6, available: 5 })]);
    expect(await t.db.selectFrom('orders').select('id').where('external_ref', '=', body.externalRef).execute()).toHaveLength(0);
  });

  it('backorders lines when the channel allows it', async () => {
    const res = await t.http('POST', '/v1/orders', { body: anOrder({ channel: 'B2B' }, [{ sku: 'ORD-NONE', quantity: 3, unitPriceMinor: 100 }]) });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('confirmed');
    expect(res.body.lines[0]).toMatchObject({ backordered: 3, allocated: 0, location: null });
  });

  it('returns the existing order for a repeated external reference', async () => {
    const body = anOrder();
    const first = await t.http('POST', '/v1/orders', { body });
    const again = await t.http('POST', '/v1/orders', { body: { ...body, buyerRemark: 'resent' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
  });

  it('50 identical captures at once make one order', async () => {
    const body = anOrder({}, [{ sku: 'ORD-DUP', quantity: 1, unitPriceMinor: 100 }]);
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.http('POST', '/v1/orders', { body })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(49);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const stock = await t.http('GET', '/v1/stock?sku=ORD-DUP&location=OWH1');
    expect(stock.body.data[0].reserved).toBe(1);
  });

  it('respects channel allocation: a channel cannot take another channel\'s dedicated quota', async () => {
    const rule = await t.http('PUT', '/v1/allocations', { body: { channel: 'B2B', sku: 'ORD-C', quotaUnits: 45 } });
    expect(rule.status).toBe(200);
    const web = await t.http('GET', '/v1/availability?sku=ORD-C&channel=WEB');
    const poolLeft = web.body.data[0].channel.available;
    expect(poolLeft).toBeLessThan(10);
    const refused = await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-C', quantity: poolLeft + 1, unitPriceMinor: 100 }]) });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_stock');
    expect(refused.body.detail).toContain('allocation');
    const b2b = await t.http('POST', '/v1/orders', { body: anOrder({ channel: 'B2B' }, [{ sku: 'ORD-C', quantity: poolLeft + 1, unitPriceMinor: 100 }]) });
    expect(b2b.status).toBe(201);
    expect((await t.http('DELETE', `/v1/allocations/${rule.body.id}`)).status).toBe(200);
  });

  it('captures up to 500 orders in bulk, each on its own', async () => {
    const orders = [anOrder(), anOrder({ currency: 'USD' }), anOrder()];
    const res = await t.http('POST', '/v1/orders/bulk', { body: { orders } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2, rejected: 1, duplicates: 0 });
    expect(res.body.results[1]).toMatchObject({ index: 1, result: 'rejected', error: { code: 'validation_failed' } });
    expect(await t.db.selectFrom('orders').select('id').where('external_ref', '=', orders[1]!.externalRef).execute()).toHaveLength(0);
  });
});

describe('review rules', () => {
  it('holds an order a rule matches, and confirms it when the hold is released', async () => {
    const rules = await t.http('GET', '/v1/review-rules');
    const highValue = rules.body.data.find((r: { code: string }) => r.code === 'high-value');
    expect(highValue).toMatchObject({ enabled: false, action: 'hold', reasonCode: 'high_value' });
    expect((await t.http('PATCH', `/v1/review-rules/${highValue.id}`, { body: { enabled: true } })).status).toBe(200);
    const res = await t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 150_000 }]) });
    expect(res.body.status).toBe('on_hold');
    expect(res.body.holds).toEqual([expect.objectContaining({ reasonCode: 'high_value', rule: 'high-value', status: 'open' })]);
    expect(res.body.lines[0].allocated).toBe(1);
    const queue = await t.http('GET', '/v1/orders?status=on_hold&holdReason=high_value');
    expect(queue.body.data.map((o: { id: string }) => o.id)).toContain(res.body.id);
    const viewer = await t.http('POST', `/v1/orders/${res.body.id}/holds/${res.body.holds[0].id}/release`, { key: 'viewer' });
    expect(viewer.status).toBe(403);
    const released = await t.http('POST', `/v1/orders/${res.body.id}/holds/${res.body.holds[0].id}/release`, { key: 'operator', body: { note: 'called the customer' } });
    expect(released.status).toBe(200);
    expect(released.body.status).toBe('allocated');
    expect(released.body.holds[0]).toMatchObject({ status: 'released', decidedBy: 'test operator' });
    await t.http('PATCH', `/v1/review-rules/${highValue.id}`, { body: { enabled: false } });
  });
});

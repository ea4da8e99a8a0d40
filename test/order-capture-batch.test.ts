/**
 * Concurrent captures are decided and written in batches (src/order/capture-batch.ts): these scenarios send many at
 * once and check that each still gets the answer it would get alone, and that nothing is oversold or half-written.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { useTestApp, type HttpResponse } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.http('POST', '/v1/skus/bulk', { body: { items: ['BAT-SCARCE', 'BAT-PLENTY', 'BAT-SAME', 'BAT-BULK'].map((code) => ({ code, name: code })) } });
  await t.http('POST', '/v1/stock/receipts', {
    body: { location: 'OWH1', lines: [{ sku: 'BAT-SCARCE', quantity: 25 }, { sku: 'BAT-PLENTY', quantity: 10_000 }, { sku: 'BAT-SAME', quantity: 1_000 }, { sku: 'BAT-BULK', quantity: 20 }] },
  });
});
afterAll(async () => {
  const report = await runChecks(t.db);
  expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
});

const reserved = async (sku: string) => (await t.http('GET', `/v1/stock?sku=${sku}&location=OWH1`)).body.data[0].reserved as number;
const capture = (body: unknown) => t.http('POST', '/v1/orders', { body });

describe('captures written in batches', () => {
  it('share statements: thirty concurrent captures commit in fewer transactions than orders', async () => {
    const orders = Array.from({ length: 30 }, () => anOrder({}, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 500 }]));
    const answers = await Promise.all(orders.map(capture));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(201));
    // Rows written by one statement share its transaction id.
    const transactions = await sql<{ n: number }>`SELECT count(DISTINCT xmin::text)::int AS n FROM orders WHERE id = ANY(${answers.map((a) => a.body.id)}::uuid[])`.execute(t.db);
    expect(transactions.rows[0]?.n).toBeLessThan(30);
    for (const a of answers) expect((await t.http('GET', `/v1/orders/${a.body.id}`)).body).toEqual(a.body);
  });

  it('never sell a unit twice: 60 orders for 25 units get 25 acceptances, and a refused order writes nothing', async () => {
    const plentyBefore = await reserved('BAT-PLENTY');
    const orders = Array.from({ length: 60 }, (_, i) => anOrder({}, [
      { sku: 'BAT-SCARCE', quantity: 1, unitPriceMinor: 700 },
      ...(i % 2 === 0 ? [{ sku: 'BAT-PLENTY', quantity: 2, unitPriceMinor: 500 }] : []),
    ]));
    const answers = await Promise.all(orders.map(capture));
    const accepted = answers.map((a, i) => ({ a, i })).filter(({ a }) => a.status === 201);
    const refused = answers.filter((a) => a.status !== 201);
    expect(accepted).toHaveLength(25);
    expect(refused.every((a) => a.status === 409 && a.body.code === 'insufficient_stock')).toBe(true);
    expect(await reserved('BAT-SCARCE')).toBe(25);
    // The refused orders' other lines took nothing either.
    expect(await reserved('BAT-PLENTY')).toBe(plentyBefore + 2 * accepted.filter(({ i }) => i % 2 === 0).length);
    const refusedRefs = orders.filter((_, i) => answers[i]?.status !== 201).map((o) => o.externalRef);
    const written = await t.db.selectFrom('orders').select('id').where('external_ref', 'in', refusedRefs).execute();
    expect(written).toEqual([]);
    for (const { a } of accepted) {
      const lines = a.body.lines as { id: string; quantity: number }[];
      const held = await t.db.selectFrom('reservations').select(['reference_id', 'quantity']).where('reference_type', '=', 'order_line')
        .where('reference_id', 'in', lines.map((l) => l.id)).execute();
      expect(held.map((r) => r.quantity).sort()).toEqual(lines.map((l) => l.quantity).sort());
    }
  });

  it('treat simultaneous orders of one new customer as one customer, and hold the repeats as likely duplicates', async () => {
    const rules = await t.http('GET', '/v1/review-rules');
    const duplicateRule = rules.body.data.find((r: { code: string }) => r.code === 'likely-duplicate');
    expect((await t.http('PATCH', `/v1/review-rules/${duplicateRule.id}`, { body: { enabled: true } })).status).toBe(200);
    try {
      const customer = { email: 'same.moment@example.com', name: 'Same Moment' };
      const answers = await Promise.all(Array.from({ length: 12 }, () => capture(anOrder({ customer }, [{ sku: 'BAT-SAME', quantity: 1, unitPriceMinor: 900 }]))));
      expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
      expect(new Set(answers.map((a) => a.body.customer.id)).size).toBe(1);
      const rows = await t.db.selectFrom('customers').select('id').where('email', '=', customer.email).execute();
      expect(rows.map((r) => r.id)).toEqual([answers[0]?.body.customer.id]);
      // The first is an order; every later one repeats it.
      const held = answers.filter((a) => a.body.holds.some((h: { reasonCode: string }) => h.reasonCode === 'likely_duplicate'));
      expect(held).toHaveLength(11);
    } finally {
      await t.http('PATCH', `/v1/review-rules/${duplicateRule.id}`, { body: { enabled: false } });
    }
  });

  it('give each order of a mixed crowd the answer it gets alone', async () => {
    const existing = await capture(anOrder({}, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]));
    expect(existing.status).toBe(201);
    const repeated = anOrder({ externalRef: existing.body.externalRef }, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]);
    const sameRef = anOrder({}, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]);
    const crowd: { body: unknown; expect: (a: HttpResponse) => void }[] = [
      ...Array.from({ length: 10 }, () => ({ body: anOrder({}, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]), expect: (a: HttpResponse) => expect(a.status).toBe(201) })),
      { body: anOrder({}, [{ sku: 'NO-SUCH-SKU', quantity: 1, unitPriceMinor: 100 }]), expect: (a) => expect([a.status, a.body.code]).toEqual([404, 'not_found']) },
      { body: anOrder({ currency: 'USD' }), expect: (a) => expect([a.status, a.body.code]).toEqual([400, 'validation_failed']) },
      { body: anOrder({ channel: 'NOPE' }), expect: (a) => expect([a.status, a.body.code]).toEqual([404, 'not_found']) },
      // No stock anywhere, on a channel that takes backorders: the line waits.
      { body: anOrder({ channel: 'B2B' }, [{ sku: 'ORD-NONE', quantity: 3, unitPriceMinor: 100 }]),
        expect: (a) => expect([a.status, a.body.status, a.body.lines[0].backordered]).toEqual([201, 'confirmed', 3]) },
      { body: anOrder({}, [{ sku: 'ORD-NONE', quantity: 1, unitPriceMinor: 100 }]), expect: (a) => expect([a.status, a.body.code]).toEqual([409, 'insufficient_stock']) },
      { body: repeated, expect: (a) => expect([a.status, a.body.id, a.body.duplicate]).toEqual([200, existing.body.id, true]) },
      { body: sameRef, expect: () => undefined },
      { body: sameRef, expect: () => undefined },
    ];
    const answers = await Promise.all(crowd.map((c) => capture(c.body)));
    crowd.forEach((c, i) => c.expect(answers[i] as HttpResponse));
    const [first, second] = answers.slice(-2) as [HttpResponse, HttpResponse];
    expect([first.status, second.status].sort()).toEqual([200, 201]);
    expect(first.body.id).toBe(second.body.id);
  });

  it('answer a key sent twice at once with one order, replayed to the second', async () => {
    const body = anOrder({}, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]);
    const headers = { 'idempotency-key': `batch-${body.externalRef}` };
    const others = Array.from({ length: 10 }, () => capture(anOrder({}, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }])));
    const answers = await Promise.all(Array.from({ length: 6 }, () => t.http('POST', '/v1/orders', { body, headers })));
    expect((await Promise.all(others)).every((a) => a.status === 201)).toBe(true);
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(5);
    expect(await t.db.selectFrom('orders').select('id').where('external_ref', '=', body.externalRef).execute()).toHaveLength(1);
  });

  it('capture a bulk in its order: the first orders get scarce stock, a repeated reference is a duplicate, each answer its own', async () => {
    const existing = await capture(anOrder({}, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]));
    const scarce = Array.from({ length: 30 }, () => anOrder({}, [{ sku: 'BAT-BULK', quantity: 1, unitPriceMinor: 100 }]));
    const orders = [
      ...scarce,
      anOrder({ externalRef: existing.body.externalRef }, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]),
      anOrder({ externalRef: scarce[0]?.externalRef }, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]),
      anOrder({}, [{ sku: 'NO-SUCH-SKU', quantity: 1, unitPriceMinor: 100 }]),
    ];
    const headers = { 'idempotency-key': `bulk-${existing.body.externalRef}` };
    const res = await t.http('POST', '/v1/orders/bulk', { body: { orders }, headers });
    expect(res.status).toBe(200);
    expect(res.body, JSON.stringify(res.body.results.map((r: { result: string; error?: { code: string } }) => r.error?.code ?? r.result))).toMatchObject({ created: 20, duplicates: 2, rejected: 11 });
    const results = res.body.results as { index: number; result: string; orderId?: string; error?: { code: string } }[];
    expect(results.map((r) => r.index)).toEqual(orders.map((_, i) => i));
    expect(results.map((r) => r.error?.code ?? r.result).slice(0, 30)).toEqual([...Array(20).fill('created'), ...Array(10).fill('insufficient_stock')]);
    expect(results[30]).toMatchObject({ result: 'duplicate', orderId: existing.body.id });
    expect(results[31]).toMatchObject({ result: 'duplicate', orderId: results[0]?.orderId });
    expect(results[32]).toMatchObject({ result: 'rejected', error: { code: 'not_found' } });
    expect(await reserved('BAT-BULK')).toBe(20);
    // The same bulk again with its key: the first answer, nothing captured twice.
    const again = await t.http('POST', '/v1/orders/bulk', { body: { orders }, headers });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(res.body);
    expect(await reserved('BAT-BULK')).toBe(20);
  });

  it('take one pool connection per bulk request, however many of its orders fall back to a transaction', async () => {
    // More bulk requests at once than the pool has connections (40 in tests), each with an order sent before: that
    // order takes the transactional path. If it needed a connection of its own, every connection would be held by a
    // waiting bulk and the requests would time out.
    const sent = await capture(anOrder({}, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]));
    const again = anOrder({ externalRef: sent.body.externalRef }, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]);
    const bulks = await Promise.all(Array.from({ length: 45 }, () => t.http('POST', '/v1/orders/bulk', {
      body: { orders: [anOrder({}, [{ sku: 'BAT-PLENTY', quantity: 1, unitPriceMinor: 100 }]), again] },
    })));
    expect(bulks.map((b) => b.status)).toEqual(Array(45).fill(200));
    expect(bulks.every((b) => b.body.created === 1 && b.body.duplicates === 1)).toBe(true);
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { seedOrders } from '../src/cli/seed-orders.js';
import { createTestDatabase, useTestApp, type TestDatabase } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

const people = [
  { customer: { email: 'erika@example.com', name: 'Erika Mustermann' }, address: { name: 'Erika Mustermann', line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' } },
  { customer: { email: 'hans.meier@example.org', name: 'Hans Meier', phone: '+49 151 2345678' }, address: { name: 'Hans Meier', line1: 'Unter den Linden 5', city: 'Berlin', postalCode: '10117', country: 'DE' } },
  { customer: { email: 'jane@example.net', name: 'Jane Doe' }, address: { name: 'Jane Doe', line1: 'Marienplatz 1', city: 'München', postalCode: '80331', country: 'DE' } },
  { customer: { email: 'umit@example.com', name: 'Ümit Yılmaz' }, address: { name: 'Ümit Yılmaz', line1: 'Jungfernstieg 7', city: 'Hamburg', postalCode: '20354', country: 'DE' } },
];

interface Captured { id: string; status: string; channel: string; customer: { id: string; email: string }; externalRef: string; placedAt: string; totals: { totalMinor: number }; lines: { sku: string }[] }
const orders: Captured[] = [];
const COUNT = 36;
const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 2), 9, 30)).toISOString();

/** Every order of the list, following `next` from `first`, with the number of pages it took. */
async function all(first: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let next: string | null = first;
  let pages = 0;
  while (next && pages < 100) {
    const res: { status: number; body: { data: Captured[]; next: string | null } } = await t.http('GET', next);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.data.map((o) => o.id));
    next = res.body.next;
    pages++;
  }
  return { ids, pages };
}

const byPlaced = (a: Captured, b: Captured) => a.placedAt.localeCompare(b.placedAt) || a.id.localeCompare(b.id);
const byTotal = (a: Captured, b: Captured) => a.totals.totalMinor - b.totals.totalMinor || a.id.localeCompare(b.id);
const newestFirst = (list: Captured[]) => [...list].sort(byPlaced).reverse().map((o) => o.id);

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-A', quantity: 500 }] } });
  // Orders whose payment is not authorised are held for review.
  await t.db.updateTable('review_rules').set({ enabled: true }).where('code', '=', 'payment-not-authorised').execute();
  for (let i = 0; i < COUNT; i++) {
    const person = people[i % people.length] as (typeof people)[number];
    const price = 1000 + (i % 12) * 250; // equal totals on purpose: the id breaks ties
    const lines = i === 8 || i === 17 ? [{ sku: 'ORD-NONE', quantity: 1, unitPriceMinor: price }]
      : i % 3 === 0 ? [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: price }, { sku: 'ORD-C', quantity: 1, unitPriceMinor: 100 }]
        : [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: price }];
    const body = anOrder({
      channel: i === 8 || i === 17 || i % 7 === 3 ? 'B2B' : 'WEB',
      customer: person.customer, shippingAddress: person.address, placedAt: day(i), // two orders a day: equal placedAt
    }, lines);
    if (i % 5 === 0) body.payment = { method: 'card', authorizedMinor: 0 };
    const res = await t.http('POST', '/v1/orders', { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    orders.push(res.body);
  }
});

describe('GET /v1/orders', () => {
  it('lists every order newest first by default, page by page, without repeats or gaps', async () => {
    const { ids, pages } = await all('/v1/orders?limit=7');
    expect(pages).toBe(Math.ceil(COUNT / 7));
    expect(ids).toEqual(newestFirst(orders));
    const first = await t.http('GET', '/v1/orders');
    expect(first.body.data).toHaveLength(COUNT);
    expect(first.body.next).toBeNull();
    expect(first.body.data[0]).toMatchObject({ id: ids[0], lines: expect.any(Array), customer: expect.objectContaining({ name: expect.any(String) }) });
  });

  it('sorts by placedAt, -placedAt, total and -total, paging through ties', async () => {
    expect((await all('/v1/orders?sort=placedAt&limit=5')).ids).toEqual([...orders].sort(byPlaced).map((o) => o.id));
    expect((await all('/v1/orders?sort=-placedAt&limit=5')).ids).toEqual(newestFirst(orders));
    expect((await all('/v1/orders?sort=total&limit=5')).ids).toEqual([...orders].sort(byTotal).map((o) => o.id));
    expect((await all('/v1/orders?sort=-total&limit=4')).ids).toEqual([...orders].sort(byTotal).reverse().map((o) => o.id));
  });

  it('filters by one status or several (repeated), paging through', async () => {
    const held = orders.filter((o) => o.status === 'on_hold');
    const confirmed = orders.filter((o) => o.status === 'confirmed');
    expect(held.length).toBeGreaterThan(3);
    expect(confirmed).toHaveLength(2);
    expect((await all('/v1/orders?status=on_hold&limit=3')).ids).toEqual(newestFirst(held));
    expect((await all('/v1/orders?status=on_hold&status=confirmed&limit=2')).ids).toEqual(newestFirst([...held, ...confirmed]));
    expect((await all('/v1/orders?status=confirmed&status=on_hold&sort=placedAt&limit=2')).ids)
      .toEqual([...held, ...confirmed].sort(byPlaced).map((o) => o.id));
    expect((await all('/v1/orders?status=on_hold&status=confirmed&sort=-total&limit=3')).ids)
      .toEqual([...held, ...confirmed].sort(byTotal).reverse().map((o) => o.id));
    const allocated = orders.filter((o) => o.status === 'allocated');
    expect((await all('/v1/orders?status=allocated&status=cancelled&sort=total&limit=6')).ids).toEqual([...allocated].sort(byTotal).map((o) => o.id));
    expect((await all('/v1/orders?status=cancelled')).ids).toEqual([]);
  });

  it('filters by channel (code or id), customer and SKU (code or id)', async () => {
    const b2b = orders.filter((o) => o.channel === 'B2B');
    const channel = await t.db.selectFrom('channels').select('id').where('code', '=', 'B2B').executeTakeFirstOrThrow();
    expect((await all('/v1/orders?channel=B2B&limit=4')).ids).toEqual(newestFirst(b2b));
    expect((await all(`/v1/orders?channel=${channel.id}`)).ids).toEqual(newestFirst(b2b));

    const hans = orders.filter((o) => o.customer.email === 'hans.meier@example.org');
    expect((await all(`/v1/orders?customer=${hans[0]?.customer.id}&limit=4`)).ids).toEqual(newestFirst(hans));

    const withC = orders.filter((o) => o.lines.some((l) => l.sku === 'ORD-C'));
    const sku = await t.db.selectFrom('skus').select('id').where('code', '=', 'ORD-C').executeTakeFirstOrThrow();
    expect(withC.length).toBe(12);
    expect((await all('/v1/orders?sku=ORD-C&limit=3')).ids).toEqual(newestFirst(withC));
    expect((await all(`/v1/orders?sku=${sku.id}&sort=total`)).ids).toEqual([...withC].sort(byTotal).map((o) => o.id));
  });

  it('filters by placed range (from inclusive, to exclusive), total range (inclusive) and external reference', async () => {
    const from = day(10);
    const to = day(20);
    const inRange = orders.filter((o) => o.placedAt >= from && o.placedAt < to);
    expect(inRange).toHaveLength(10);
    expect((await all(`/v1/orders?placedFrom=${from}&placedTo=${to}&limit=3`)).ids).toEqual(newestFirst(inRange));

    const mid = orders.filter((o) => o.totals.totalMinor >= 2495 && o.totals.totalMinor <= 3495);
    expect(mid.length).toBeGreaterThan(5);
    expect((await all('/v1/orders?totalMin=2495&totalMax=3495&sort=total&limit=4')).ids).toEqual([...mid].sort(byTotal).map((o) => o.id));
    expect((await all('/v1/orders?totalMin=2495&totalMax=2495')).ids).toEqual(newestFirst(orders.filter((o) => o.totals.totalMinor === 2495)));

    const one = orders[5] as Captured;
    expect((await all(`/v1/orders?externalRef=${one.externalRef}`)).ids).toEqual([one.id]);
  });

  it('finds orders with an OPEN hold of a reason, not those whose hold was released', async () => {
    const held = orders.filter((o) => o.status === 'on_hold');
    expect((await all('/v1/orders?holdReason=payment_not_authorized&limit=2')).ids).toEqual(newestFirst(held));
    const released = held[0] as Captured;
    await t.db.updateTable('order_holds').set({ status: 'released' }).where('order_id', '=', released.id).execute();
    expect((await all('/v1/orders?holdReason=payment_not_authorized')).ids).toEqual(newestFirst(held.slice(1)));
    expect((await all('/v1/orders?holdReason=high_value')).ids).toEqual([]);
    await t.db.updateTable('order_holds').set({ status: 'open' }).where('order_id', '=', released.id).execute();
  });

  it('searches the customer\'s name, email, phone and address, case-insensitively and literally', async () => {
    const of = (email: string) => orders.filter((o) => o.customer.email === email);
    expect((await all('/v1/orders?q=mustermann&limit=4')).ids).toEqual(newestFirst(of('erika@example.com')));
    expect((await all('/v1/orders?q=HANS.MEIER@exa')).ids).toEqual(newestFirst(of('hans.meier@example.org')));
    expect((await all('/v1/orders?q=4915123')).ids).toEqual(newestFirst(of('hans.meier@example.org')));
    expect((await all(`/v1/orders?q=${encodeURIComponent('MÜNCHEN')}`)).ids).toEqual(newestFirst(of('jane@example.net')));
    expect((await all(`/v1/orders?q=${encodeURIComponent('jungfernstieg 7')}`)).ids).toEqual(newestFirst(of('umit@example.com')));
    // % and _ are the characters themselves, not wildcards.
    expect((await all(`/v1/orders?q=${encodeURIComponent('erika%köln')}`)).ids).toEqual([]);
    expect((await all(`/v1/orders?q=${encodeURIComponent('jan_')}`)).ids).toEqual([]);
  });

  it('combines filters with AND', async () => {
    const want = orders.filter((o) => o.channel === 'WEB' && o.status === 'allocated' && o.lines.some((l) => l.sku === 'ORD-C') && o.totals.totalMinor >= 2000);
    expect(want.length).toBeGreaterThan(1);
    expect((await all('/v1/orders?channel=WEB&status=allocated&sku=ORD-C&totalMin=2000&sort=-total&limit=1')).ids)
      .toEqual([...want].sort(byTotal).reverse().map((o) => o.id));
    const one = await t.http('GET', '/v1/orders?q=mustermann&channel=B2B&status=on_hold&status=allocated');
    expect(one.body.data.map((o: Captured) => o.id)).toEqual(newestFirst(orders.filter((o) => o.customer.email === 'erika@example.com' && o.channel === 'B2B' && ['on_hold', 'allocated'].includes(o.status))));
  });

  it('answers 400 for bad filter values, naming the field', async () => {
    const cursor = (await t.http('GET', '/v1/orders?limit=1')).body.next.split('cursor=')[1];
    const bad: [string, string][] = [
      ['status=shipped_twice', '/querystring/status/0'],
      ['customer=not-a-uuid', '/querystring/customer'],
      ['placedFrom=yesterday', '/querystring/placedFrom'],
      ['placedTo=2026-01-01', '/querystring/placedTo'],
      ['totalMin=-1', '/querystring/totalMin'],
      ['totalMax=ten', '/querystring/totalMax'],
      ['totalMin=500&totalMax=100', '/querystring/totalMax'],
      ['placedFrom=2026-02-01T00:00:00Z&placedTo=2026-01-01T00:00:00Z', '/querystring/placedTo'],
      ['q=ab', '/querystring/q'],
      ['q=a-b-c', '/querystring/q'],
      ['sort=name', '/querystring/sort'],
      ['limit=0', '/querystring/limit'],
      ['limit=201', '/querystring/limit'],
      ['colour=red', '/querystring/colour'],
    ];
    for (const [query, path] of bad) {
      const res = await t.http('GET', `/v1/orders?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors?.map((e: { path: string }) => e.path), query).toContain(path);
    }
    expect((await t.http('GET', '/v1/orders?cursor=garbage')).body.code).toBe('invalid_cursor');
    const forged = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const key of [['-placedAt', '2026-02-30T00:00:00.000000Z', orders[0]?.id], ['-placedAt', '2026-01-01T00:00:00.000000Z', '-'.repeat(36)],
      ['total', 'lots', orders[0]?.id], ['total', 100, orders[0]?.id, 'extra']]) {
      const res = await t.http('GET', `/v1/orders?sort=${key[0]}&cursor=${forged(key)}`);
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect(res.body.code).toBe('invalid_cursor');
    }
    // A cursor of the date sort does not page the total sort.
    expect((await t.http('GET', `/v1/orders?sort=total&cursor=${cursor}`)).body.code).toBe('invalid_cursor');
    const unknown = await t.http('GET', '/v1/orders?channel=NOPE');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('NOPE');
    expect((await t.http('GET', '/v1/orders', { key: null })).status).toBe(401);
  });
});

describe('ordo seed --orders', () => {
  let database: TestDatabase;
  beforeAll(async () => { database = await createTestDatabase(); });
  afterAll(() => database?.drop());

  it('writes N believable orders with consistent totals and a realistic status mix; open orders hold their stock', async () => {
    const summary = await seedOrders(database.db, 2000);
    expect(summary).toMatch(/demo data: .*\norders: 2,000 written for 100 customers in [\d.]+ s; open orders hold [\d,]+ units/s);
    const db = database.db;
    const one = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows[0] as T;
    expect(await one(sql<{ orders: number; min: number; max: number }>`
      SELECT (SELECT count(*) FROM orders)::int AS orders,
             (SELECT min(n) FROM (SELECT count(*) AS n FROM order_lines GROUP BY order_id) x)::int AS min,
             (SELECT max(n) FROM (SELECT count(*) AS n FROM order_lines GROUP BY order_id) x)::int AS max`))
      .toMatchObject({ orders: 2000, min: 1, max: 4 });
    // Totals add up, and they are the sums of the lines.
    expect(await one(sql<{ bad: number }>`
      SELECT count(*)::int AS bad FROM orders o
      JOIN (SELECT order_id, sum(unit_price_minor * quantity) AS sub, sum(discount_minor) AS disc, sum(tax_minor) AS tax FROM order_lines GROUP BY order_id) l
        ON l.order_id = o.id
      WHERE o.total_minor <> o.subtotal_minor - o.discount_minor + o.shipping_minor + o.tax_minor
         OR o.subtotal_minor <> l.sub OR o.discount_minor <> l.disc OR o.tax_minor <> l.tax`)).toEqual({ bad: 0 });
    const statuses = Object.fromEntries((await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM orders GROUP BY status`.execute(db)).rows.map((r) => [r.status, r.n]));
    expect(statuses.completed).toBeGreaterThan(1500);
    for (const status of ['cancelled', 'on_hold', 'allocated', 'shipped', 'delivered']) expect(statuses[status], status).toBeGreaterThan(0);
    // Every held order has an open hold, every shipped one a parcel; search text is there; open lines are reserved.
    const facts = await one(sql<{ open: number; shipped: number; parcels: number; reserved: number; open_lines: number; searchable: boolean; channels: number }>`
      SELECT (SELECT count(DISTINCT order_id) FROM order_holds WHERE status = 'open')::int AS open,
             (SELECT count(*) FROM orders WHERE status IN ('shipped', 'delivered', 'completed') AND delivery_method = 'ship')::int AS shipped,
             (SELECT count(*) FROM shipments)::int AS parcels,
             (SELECT count(*) FROM reservations WHERE status = 'open')::int AS reserved,
             (SELECT count(*) FROM order_lines WHERE allocated > 0)::int AS open_lines,
             (SELECT bool_and(search_text = lower(search_text) AND search_text LIKE '%@example.%') FROM orders) AS searchable,
             (SELECT count(DISTINCT channel_id) FROM orders)::int AS channels`);
    expect(facts).toEqual({ open: statuses.on_hold, shipped: facts.parcels, parcels: expect.any(Number), reserved: facts.open_lines, open_lines: expect.any(Number), searchable: true, channels: 3 });
    expect(facts.open_lines).toBeGreaterThan(0);
    expect(facts.parcels).toBeGreaterThan(1500);

    // A second run adds orders for the same customers (in small batches: both workers at once).
    await seedOrders(database.db, 2000, { batchSize: 250 });
    expect(await one(sql<{ orders: number; customers: number }>`SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM customers)::int AS customers`))
      .toEqual({ orders: 4000, customers: 100 });
    // Counters, ledger and reservations agree: every invariant `ordo check` verifies holds.
    const report = await runChecks(db);
    expect(report.ok, report.lines.join('\n')).toBe(true);
  });
});

/**
 * Issue 17: bad input is never a 500 and never half-writes. A hostile client's requests — forged cursors, text that
 * is no text, versions past the column, malformed URLs and HTTP — each get a clean problem+json 4xx with a stable
 * code, and nothing is written.
 */
import { sql } from 'kysely';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

beforeAll(() => seedOrderWorld(t));

const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
const someId = '0192f5d2-7c3e-7a1b-9c2d-3e4f5a6b7c8d';

const expectProblem = (res: { status: number; body: any; headers: Record<string, unknown> }, status: number, code: string, where = '') => {
  expect(res.status, `${where} ${JSON.stringify(res.body)}`).toBe(status);
  expect(String(res.headers['content-type']), where).toContain('application/problem+json');
  expect(res.body, where).toMatchObject({ status, code, type: `urn:ordo:problem:${code}` });
  expect(res.body.requestId, where).toEqual(expect.any(String));
};

const skuExists = async (code: string) =>
  (await sql<{ n: string }>`SELECT count(*) AS n FROM skus WHERE code = ${code}`.execute(t.db)).rows[0]?.n === '1';

const countOrders = async (externalRef: string) =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM orders WHERE external_ref = ${externalRef}`.execute(t.db)).rows[0]?.n);

describe('forged cursors', () => {
  it('answers 400 invalid_cursor for the cursors that made seven lists fail', async () => {
    const cases: [string, string][] = [
      ['/v1/customers', 'WyJ4IiwxXQ'], // ["x",1]: a name and a number where the id goes
      ['/v1/alerts', cursorOf(['NaN', someId])],
      ['/v1/api-keys', 'Wzhd'], // [8]
      ['/v1/audit-log', 'WyJCMkIiXQ'], // ["B2B"]
      ['/v1/stock/movements', cursorOf(['B2B'])],
      ['/v1/reservations', cursorOf(['x'])],
      ['/v1/supply', cursorOf(['x'])],
    ];
    for (const [list, cursor] of cases) {
      expectProblem(await t.http('GET', `${list}?cursor=${cursor}`), 400, 'invalid_cursor', list);
    }
  });

  it('never answers a forged cursor with a 5xx on any list, present or future (every GET with a cursor in the API document)', async () => {
    const doc = (await t.http('GET', '/openapi.json', { key: null })).body;
    const lists = Object.entries(doc.paths as Record<string, Record<string, any>>)
      .filter(([path, ops]) => !path.includes('{') && (ops.get?.parameters ?? []).some((p: any) => p.in === 'query' && p.name === 'cursor'))
      .map(([path]) => path);
    expect(lists.length).toBeGreaterThanOrEqual(15);
    const values: unknown[] = ['x', '', 1, -1, 1.5, 2 ** 60, null, {}, 'NaN', 'a\u0000b', 'a\ud800', someId, '2026-02-30T00:00:00.000Z', '0000-01-01T00:00:00Z'];
    const keys: unknown[][] = [
      ...values.map((v) => [v]),
      ...values.flatMap((a) => [[a, someId], ['x', a], ['2026-01-01T00:00:00.000Z', a]]),
      ...values.flatMap((v) => [['-placedAt', v, someId], ['total', v, someId], ['-placedAt', '2026-01-01T00:00:00.000000Z', v]]),
    ];
    for (const list of lists) {
      for (const key of keys) {
        const res = await t.http('GET', `${list}?limit=1&cursor=${cursorOf(key)}`);
        const where = `${list} ${JSON.stringify(key)}`;
        expect(res.status, `${where}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
        if (res.status === 400 && res.body.code !== 'validation_failed') expect(res.body.code, where).toBe('invalid_cursor');
      }
    }
  });

  it('still pages with the cursors Ordo gives out (a timestamp key, a bigint key)', async () => {
    const audit = await t.http('GET', '/v1/audit-log?limit=2');
    expect(audit.body.next).toEqual(expect.any(String));
    const second = await t.http('GET', audit.body.next);
    expect(second.status).toBe(200);
    expect(Number(second.body.data[0].id)).toBeLessThan(Number(audit.body.data[1].id));
    const movements = await t.http('GET', '/v1/stock/movements?limit=1');
    expect((await t.http('GET', movements.body.next)).status).toBe(200);
  });
});

describe('text that is no text (lone UTF-16 surrogates)', () => {
  it('refuses a lone surrogate in an order with a 400 naming the field, and writes nothing', async () => {
    const order = anOrder({ customer: { email: 'anna@example.com', name: 'Anna \ud83d' } });
    const res = await t.http('POST', '/v1/orders', { body: order });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([{ path: '/body/customer/name', message: expect.stringContaining('lone UTF-16 surrogate (\\ud83d)') }]);
    expect(await countOrders(order.externalRef)).toBe(0);
  });

  it('refuses it everywhere the same way: a receipt reference, an object key, a query string, a path parameter', async () => {
    const receipt = await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', reference: 'a\ud800b', lines: [{ sku: 'ORD-A', quantity: 1 }] } });
    expectProblem(receipt, 400, 'validation_failed');
    expect(receipt.body.errors[0].path).toBe('/body/reference');
    const attributes = await t.http('POST', '/v1/skus', { body: { code: 'SURR-1', name: 'x', attributes: { 'colo\udc00r': 'red' } } });
    expectProblem(attributes, 400, 'validation_failed');
    expect(attributes.body.errors[0].path).toBe('/body/attributes/colo\\udc00r');
    expect(await skuExists('SURR-1')).toBe(false);
    // A lone surrogate in a URL can only come percent-encoded as the bytes of one (CESU-8), which is no UTF-8; nor is
    // Latin-1. Both were searched for as literal text.
    for (const q of ['%ED%A0%80abc', 'Caf%E9']) {
      const query = await t.http('GET', `/v1/skus?limit=5&q=${q}`);
      expectProblem(query, 400, 'malformed_url', q);
      expect(query.body.errors).toEqual([{ path: '/querystring/q', message: expect.stringContaining('is not percent-encoded UTF-8') }]);
    }
    expect((await t.http('GET', '/v1/skus?q=%F0%9F%98%80%20100%25')).status).toBe(200);
  });

  it('keeps whole characters, emoji (a surrogate pair) included', async () => {
    const res = await t.http('POST', '/v1/skus', { body: { code: 'EMOJI-1', name: 'Mug \ud83d\ude00', attributes: { '\ud83c\udfa8': 'blue' } } });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('Mug 😀');
  });

  it('refuses a body that is not UTF-8, rather than storing U+FFFD', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/v1/skus', headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/json' },
      payload: Buffer.concat([Buffer.from('{"code":"LATIN-1","name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'malformed_json' });
    expect(await skuExists('LATIN-1')).toBe(false);
  });

  it('refuses a bulk with one such order as a whole, before anything is written', async () => {
    const good = anOrder();
    const bad = anOrder({ customer: { email: 'anna@example.com', name: 'Anna \ud83d' } });
    const res = await t.http('POST', '/v1/orders/bulk', { body: { orders: [good, bad] } });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors[0].path).toBe('/body/orders/1/customer/name');
    expect(await countOrders(good.externalRef)).toBe(0);
    expect(await countOrders(bad.externalRef)).toBe(0);
  });
});

describe('a bulk whose one order fails in the database', () => {
  // A real database error inside one order (a trigger stands in for any statement failure the checks did not foresee).
  beforeAll(async () => {
    await sql`CREATE FUNCTION test_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.external_ref LIKE 'BOOM-%' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`.execute(t.db);
    await sql`CREATE TRIGGER test_boom BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION test_boom()`.execute(t.db);
  });
  afterAll(async () => {
    await sql`DROP TRIGGER test_boom ON orders`.execute(t.db);
    await sql`DROP FUNCTION test_boom()`.execute(t.db);
  });

  it('answers per order: the good ones are created and reported, the failed one is rejected, never a 500 for what it wrote', async () => {
    for (let round = 0; round < 4; round++) {
      const good = anOrder();
      const boom = anOrder({ externalRef: `BOOM-${round}-${Math.random().toString(36).slice(2, 8)}` });
      const res = await t.http('POST', '/v1/orders/bulk', { body: { orders: [good, boom] } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ created: 1, rejected: 1 });
      expect(res.body.results[0]).toMatchObject({ index: 0, result: 'created' });
      expect(res.body.results[1]).toMatchObject({ index: 1, result: 'rejected', error: { code: 'internal_error' } });
      expect(await countOrders(good.externalRef)).toBe(1);
      expect(await countOrders(boom.externalRef)).toBe(0);
    }
  });
});

describe('If-Match', () => {
  it('refuses a version past the column with a 400 quoting the header as sent, on every resource', async () => {
    const sku = (await t.http('GET', '/v1/skus?limit=1')).body.data[0];
    const location = (await t.http('GET', '/v1/locations?limit=1')).body.data[0];
    const channel = (await t.http('GET', '/v1/channels?limit=1')).body.data[0];
    const order = await t.http('POST', '/v1/orders', { body: anOrder() });
    const targets: [string, unknown][] = [
      [`/v1/skus/${sku.id}`, { name: 'renamed' }],
      [`/v1/locations/${location.id}`, { name: 'renamed' }],
      [`/v1/channels/${channel.id}`, { name: 'renamed' }],
      [`/v1/orders/${order.body.id}`, { buyerRemark: 'x' }],
    ];
    for (const [url, body] of targets) {
      for (const sent of ['2147483648', '"99999999999999999999"', '1400000000000000000000000000']) {
        const res = await t.http('PATCH', url, { body, headers: { 'if-match': sent } });
        expectProblem(res, 400, 'validation_failed', `${url} ${sent}`);
        expect(res.body.detail, url).toContain(`If-Match: ${sent} `);
        expect(res.body.errors, url).toEqual([{ path: '/headers/if-match', message: expect.stringContaining(sent) }]);
      }
      const stale = await t.http('PATCH', url, { body, headers: { 'if-match': '2147483647' } });
      expect(stale.status, url).toBe(409);
      expect(stale.body.code).toBe('version_conflict');
    }
  });
});

describe('errors found before a route runs', () => {
  it('answers a 5,000-character path parameter with a 414 problem', async () => {
    const res = await t.http('GET', `/v1/skus/${'a'.repeat(5000)}`);
    expectProblem(res, 414, 'uri_too_long');
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
  });

  it('answers a path that is not UTF-8 with a 400 problem', async () => {
    const res = await t.http('GET', '/v1/skus/%ED%A0%80');
    expectProblem(res, 400, 'malformed_url');
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
  });

  it('answers a header with a control character (refused by Node\'s HTTP parser) with a problem, on a real socket', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => { answer += chunk.toString('utf8'); });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.write('GET /v1/skus HTTP/1.1\r\nHost: x\r\nX-Evil: a\x01b\r\n\r\n');
    });
    const [head, body] = raw.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head.toLowerCase()).toContain('content-type: application/problem+json');
    const problem = JSON.parse(body);
    expect(problem).toMatchObject({ status: 400, code: 'malformed_request', type: 'urn:ordo:problem:malformed_request' });
    expect(head.toLowerCase()).toContain(`x-request-id: ${String(problem.requestId).toLowerCase()}`);
  });
});

describe('smaller things', () => {
  it('reports a wrong enum value once, naming the allowed values', async () => {
    const res = await t.http('POST', '/v1/api-keys', { body: { name: 'k', role: 'robot' } });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([{ path: '/body/role', message: 'must be one of "admin", "operator", "warehouse", "finance", "viewer", "integration"' }]);
  });

  it('always lists errors[] with the path, also for rules past the schema', async () => {
    const res = await t.http('POST', '/v1/reservations', {
      body: { reference: { type: 'cart', id: 'c-1' }, expiresAt: '2099-01-01T00:00:00Z', ttlSeconds: 60, lines: [{ sku: 'ORD-A', location: 'OWH1', quantity: 1 }] },
    });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([{ path: '/body/ttlSeconds', message: 'give expiresAt or ttlSeconds, not both' }]);
  });

  it('says to send application/json on a 415, and refuses a charset other than UTF-8', async () => {
    const text = await t.http('POST', '/v1/skus', { body: 'code=X', headers: { 'content-type': 'text/plain' } });
    expectProblem(text, 415, 'unsupported_media_type');
    expect(text.body.detail).toContain('Content-Type: application/json');
    const latin1 = await t.http('POST', '/v1/skus', { body: '{"code":"LATIN-2","name":"Caf\u00e9"}', headers: { 'content-type': 'application/json; charset=latin1' } });
    expectProblem(latin1, 415, 'unsupported_media_type');
    expect(latin1.body.detail).toContain('latin1');
    expect(await skuExists('LATIN-2')).toBe(false);
    const utf8 = await t.http('POST', '/v1/skus', { body: '{"code":"UTF-8","name":"Caf\u00e9"}', headers: { 'content-type': 'application/json; charset=UTF-8' } });
    expect(utf8.status).toBe(201);
  });
});

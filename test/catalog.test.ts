import { describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';

const t = useTestApp();

const tee = (code = 'TEE-BLACK-M') => ({
  code,
  name: 'Organic cotton T-shirt, black, M',
  barcode: `B-${code}`,
  weightGrams: 180,
  dimensions: { lengthMm: 300, widthMm: 250, heightMm: 20 },
  price: { amountMinor: 2490, currency: 'EUR' },
  attributes: { colour: 'black', size: 'M' },
});

describe('creating a SKU', () => {
  it('needs an API key', async () => {
    const res = await t.http('POST', '/v1/skus', { key: null, body: tee() });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('refuses an unknown key', async () => {
    const res = await t.http('POST', '/v1/skus', { key: 'ordo_not-a-real-key', body: tee() });
    expect(res.status).toBe(401);
  });

  it('is forbidden to a viewer', async () => {
    const res = await t.http('POST', '/v1/skus', { key: 'viewer', body: tee() });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'forbidden', permission: 'catalog:write', role: 'viewer' });
  });

  it('is allowed to an operator, and recorded in the audit log', async () => {
    const res = await t.http('POST', '/v1/skus', { key: 'operator', body: tee('TEE-AUDIT') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ code: 'TEE-AUDIT', version: 1, active: true, price: { amountMinor: 2490, currency: 'EUR' } });
    const audit = await t.http('GET', `/v1/audit-log?entityType=sku&entityId=${res.body.id}`);
    expect(audit.status).toBe(200);
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({ action: 'sku.created', actorName: 'test operator', requestId: res.headers['x-request-id'] });
  });

  it('rejects a second SKU with the same code', async () => {
    await t.http('POST', '/v1/skus', { body: tee('TEE-DUP') });
    const res = await t.http('POST', '/v1/skus', { body: { ...tee('TEE-DUP'), barcode: 'other' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('already_exists');
    expect(res.body.detail).toContain('TEE-DUP');
  });
});

describe('Idempotency-Key', () => {
  it('returns the first answer for a repeat and writes one row', async () => {
    const headers = { 'idempotency-key': 'create-tee-idem-1' };
    const first = await t.http('POST', '/v1/skus', { key: 'operator', body: tee('TEE-IDEM'), headers });
    const second = await t.http('POST', '/v1/skus', { key: 'operator', body: tee('TEE-IDEM'), headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const rows = await t.db.selectFrom('skus').select('id').where('code', '=', 'TEE-IDEM').execute();
    expect(rows).toHaveLength(1);
  });

  it('answers 409 when the key is reused for another body', async () => {
    const headers = { 'idempotency-key': 'create-tee-idem-2' };
    await t.http('POST', '/v1/skus', { body: tee('TEE-IDEM2'), headers });
    const res = await t.http('POST', '/v1/skus', { body: tee('TEE-IDEM3'), headers });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(await t.db.selectFrom('skus').select('id').where('code', '=', 'TEE-IDEM3').execute()).toHaveLength(0);
  });

  it('lets exactly one of many concurrent requests with one key do the work', async () => {
    const headers = { 'idempotency-key': 'concurrent-1' };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.http('POST', '/v1/skus', { body: tee('TEE-CONC'), headers })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
    const audit = await t.db.selectFrom('audit_log').select('id').where('entity_id', '=', answers[0]!.body.id).execute();
    expect(audit).toHaveLength(1);
  });

  it('rejects a malformed key', async () => {
    const res = await t.http('POST', '/v1/skus', { body: tee('TEE-BADKEY'), headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_idempotency_key');
  });
});

describe('bad input', () => {
  const cases: [string, unknown, string][] = [
    ['a missing name', { code: 'X1' }, '/body/name'],
    ['an unknown field', { ...tee('X2'), colour: 'red' }, '/body/colour'],
    ['a negative price', { ...tee('X3'), price: { amountMinor: -1, currency: 'EUR' } }, '/body/price/amountMinor'],
    ['a fractional price', { ...tee('X4'), price: { amountMinor: 10.5, currency: 'EUR' } }, '/body/price/amountMinor'],
    ['a price as a string', { ...tee('X5'), price: { amountMinor: '100', currency: 'EUR' } }, '/body/price/amountMinor'],
    ['a made-up currency', { ...tee('X6'), price: { amountMinor: 100, currency: 'XYZ' } }, '/body/price/currency'],
    ['a 100 kB name', { ...tee('X7'), name: 'n'.repeat(100_000) }, '/body/name'],
    ['a negative weight', { ...tee('X8'), weightGrams: -5 }, '/body/weightGrams'],
    ['a code with spaces', { ...tee('X9'), code: 'has space' }, '/body/code'],
  ];
  it.each(cases)('rejects %s with a 400 naming the field', async (_what, body, path) => {
    const res = await t.http('POST', '/v1/skus', { body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('names the real problem of a nullable field, not the union noise', async () => {
    const res = await t.http('POST', '/v1/skus', { body: { ...tee('X10'), price: { amountMinor: -1, currency: 'EUR' } } });
    expect(res.body.errors).toEqual([{ path: '/body/price/amountMinor', message: 'must be >= 0' }]);
    expect(res.body.detail).toBe('/body/price/amountMinor: must be >= 0');
  });

  it('rejects malformed JSON', async () => {
    const res = await t.http('POST', '/v1/skus', { body: '{"code": "X",', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('malformed_json');
  });

  it('refuses a NUL character anywhere in the body, the query string or the path, naming where (no 500)', async () => {
    const inName = await t.http('POST', '/v1/skus', { body: { code: 'NUL1', name: 'a\u0000b' } });
    expect([inName.status, inName.body.code]).toEqual([400, 'validation_failed']);
    expect(inName.body.errors).toEqual([{ path: '/body/name', message: 'contains the NUL character (\\u0000); remove it' }]);
    const nested = await t.http('POST', '/v1/orders', { body: { lines: [{ sku: 'X' }], buyerRemark: 'ok', customer: { name: 'x\u0000' } } });
    expect([nested.status, nested.body.errors?.[0]?.path]).toEqual([400, '/body/customer/name']);
    const query = await t.http('GET', '/v1/orders?q=ab%00cd');
    expect([query.status, query.body.errors?.[0]?.path]).toEqual([400, '/querystring/q']);
    const param = await t.http('GET', '/v1/skus/a%00b');
    expect([param.status, param.body.code]).toEqual([400, 'validation_failed']);
    // An escaped backslash before "u0000" is no NUL.
    const literal = await t.http('POST', '/v1/skus', { body: { code: 'NUL2', name: 'path C:\\u0000' } });
    expect(literal.status).toBe(201);
    // The parser still refuses prototype poisoning.
    const poisoned = await t.http('POST', '/v1/skus', { body: '{"code":"NUL3","name":"x","__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } });
    expect(poisoned.status).toBe(400);
  });

  it('refuses a date or time the database cannot store (year 0000) with a 400', async () => {
    const res = await t.http('POST', '/v1/orders', { body: { placedAt: '0000-01-01T00:00:00Z' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ path: '/body/placedAt' }));
    const range = await t.http('GET', '/v1/orders?placedFrom=0000-12-31T00:00:00Z');
    expect([range.status, range.body.code]).toEqual([400, 'validation_failed']);
  });

  it('rejects a 20 MB body with 413', async () => {
    const res = await t.http('POST', '/v1/skus', { body: JSON.stringify({ code: 'BIG', name: 'x'.repeat(20 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('rejects a body that is not JSON', async () => {
    const res = await t.http('POST', '/v1/skus', { body: 'code=X', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = await t.http('GET', '/v1/skus/0190f5a6-0000-7000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
    const malformed = await t.http('GET', '/v1/skus/not-an-id');
    expect(malformed.status).toBe(400);
  });

  it('answers 404 problem+json for an unknown route', async () => {
    const res = await t.http('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('route_not_found');
  });
});

describe('changing a SKU', () => {
  it('changes the given fields, bumps the version and honours If-Match', async () => {
    const created = await t.http('POST', '/v1/skus', { body: tee('TEE-PATCH') });
    const changed = await t.http('PATCH', `/v1/skus/${created.body.id}`, { body: { name: 'Renamed', price: null } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Renamed', price: null, version: 2, barcode: 'B-TEE-PATCH' });
    const stale = await t.http('PATCH', `/v1/skus/${created.body.id}`, { body: { name: 'Again' }, headers: { 'if-match': '1' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'version_conflict', currentVersion: 2 });
  });
});

describe('bulk upsert', () => {
  it('creates, updates and leaves unchanged by code', async () => {
    const items = [tee('BULK-1'), tee('BULK-2')];
    const first = await t.http('POST', '/v1/skus/bulk', { body: { items } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
    const second = await t.http('POST', '/v1/skus/bulk', { body: { items: [{ ...items[0], name: 'Changed' }, items[1], tee('BULK-3')] } });
    expect(second.body).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(second.body.items.map((i: { result: string }) => i.result)).toEqual(['updated', 'unchanged', 'created']);
  });

  it('writes nothing when one item is bad, and names every bad item', async () => {
    const items = [tee('BULK-OK'), { ...tee('BULK-BAD'), price: { amountMinor: 1, currency: 'ABC' } }, tee('BULK-OK')];
    const res = await t.http('POST', '/v1/skus/bulk', { body: { items } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('bulk_rejected');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/body/items/1/price/currency', '/body/items/2/barcode', '/body/items/2/code'].sort());
    expect(await t.db.selectFrom('skus').select('id').where('code', '=', 'BULK-OK').execute()).toHaveLength(0);
  });

  it('accepts 1,000 items and refuses 1,001', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ code: `MANY-${i}`, name: `Item ${i}` }));
    const ok = await t.http('POST', '/v1/skus/bulk', { body: { items } });
    expect(ok.status).toBe(200);
    expect(ok.body.created).toBe(1000);
    const tooMany = await t.http('POST', '/v1/skus/bulk', { body: { items: [...items, { code: 'MANY-X', name: 'x' }] } });
    expect(tooMany.status).toBe(400);
  });
});

describe('listing SKUs', () => {
  it('pages with a cursor until the end', async () => {
    await t.http('POST', '/v1/skus/bulk', { body: { items: Array.from({ length: 25 }, (_, i) => ({ code: `PAGE-${String(i).padStart(2, '0')}`, name: `Paged ${i}` })) } });
    const seen: string[] = [];
    let url: string | null = '/v1/skus?q=page-&limit=10';
    while (url) {
      const res: { status: number; body: { data: { code: string }[]; next: string | null } } = await t.http('GET', url, { key: 'viewer' });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((s) => s.code));
      url = res.body.next;
    }
    expect(seen).toHaveLength(25);
    expect(seen[0]).toBe('PAGE-00');
    expect(new Set(seen).size).toBe(25);
  });

  it('rejects a forged cursor', async () => {
    const res = await t.http('GET', '/v1/skus?cursor=bm9wZQ');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_cursor');
  });
});

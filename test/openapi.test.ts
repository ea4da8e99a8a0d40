import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';

const t = useTestApp();

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const res = await t.http('GET', '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(res.body));
    expect('errors' in result ? result.errors : []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('declares the auth and the errors of every /v1 operation', async () => {
    const doc = (await t.http('GET', '/openapi.json', { key: null })).body;
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(10);
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      // Signing in and out is public: it is how a session cookie is had. A channel's webhooks are public too: the
      // channel proves itself by its signature over the body (401 otherwise), not with an Ordo key.
      if (path === '/v1/session' || path.startsWith('/v1/connectors/{channel}/webhooks/')) {
        expect(op.security, where).toBeUndefined();
        if (path !== '/v1/session') expect(op.responses['401']?.content?.['application/problem+json'], where).toBeDefined();
        continue;
      }
      expect(op.security, where).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
      for (const status of ['400', '401', '403', '500']) {
        expect(op.responses[status]?.content?.['application/problem+json'], `${where} ${status}`).toBeDefined();
      }
      expect(op.description, where).toMatch(/Requires the permission `[a-z]+:[a-z_]+`/);
    }
    expect(doc.components.schemas.Problem).toBeDefined();
  });

  it('declares the 422 of the all-or-nothing bulk upserts, which answer it', async () => {
    const doc = (await t.http('GET', '/openapi.json', { key: null })).body;
    for (const path of ['/v1/skus/bulk', '/v1/locations/bulk']) {
      expect(doc.paths[path].post.responses['422']?.content?.['application/problem+json'], path).toBeDefined();
    }
    const twice = await t.http('POST', '/v1/skus/bulk', { body: { items: [{ code: 'B-1', name: 'One' }, { code: 'B-1', name: 'Again' }] } });
    expect(twice.status).toBe(422);
    expect(twice.body).toMatchObject({ code: 'bulk_rejected', errors: [{ path: '/body/items/1/code' }] });
  });

  it('declares Idempotency-Key on every command and If-Match where a route honours it, so generated clients offer them', async () => {
    const doc = (await t.http('GET', '/openapi.json', { key: null })).body;
    const header = (op: any, name: string) => (op.parameters ?? []).find((p: any) => p.in === 'header' && p.name === name);
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        const isCommand = method !== 'get' && !String(op.description).includes(':read`');
        if (isCommand) {
          expect(header(op, 'idempotency-key')?.description, where).toMatch(/retry/);
          expect(op.responses['409'], where).toBeDefined();
        } else {
          expect(header(op, 'idempotency-key'), where).toBeUndefined();
        }
        if (header(op, 'if-match')) expect(header(op, 'if-match').description, where).toMatch(/version/);
      }
    }
    expect(header(doc.paths['/v1/orders/{id}/lines/{lineId}'].delete, 'if-match')).toBeDefined();
    // A read shares its response object with POST /v1/availability/query; the POST's errors are not the GET's.
    expect(Object.keys(doc.paths['/v1/availability'].get.responses).sort()).toEqual(['200', '400', '401', '403', '404', '500']);
    expect(doc.paths['/v1/availability/query'].post.responses['409']).toBeUndefined();
    expect(doc.paths['/v1/skus/bulk'].post.responses['422'].content['application/problem+json']).toBeDefined();
  });

  it('is browsable at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('/openapi.json');
  });
});

describe('operations endpoints', () => {
  it('answers /health and /ready without a key', async () => {
    expect((await t.http('GET', '/health', { key: null })).body).toEqual({ status: 'ok' });
    expect((await t.http('GET', '/ready', { key: null })).body).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus metrics with request latency by route', async () => {
    await t.http('GET', '/v1/skus');
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/ordo_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/skus"/);
    expect(res.body).toContain('ordo_db_pool_connections{pool="requests",state="total"}');
    expect(res.body).toContain('ordo_db_pool_connections{pool="batch",state="total"}');
  });

  it('keeps a sane caller request id and replaces an unsafe one', async () => {
    const kept = await t.http('GET', '/health', { key: null, headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await t.http('GET', '/health', { key: null, headers: { 'x-request-id': 'bad id\u0001' } });
    expect(replaced.headers['x-request-id']).not.toBe('bad id\u0001');
  });
});

import { describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';

const t = useTestApp();

const berlin = {
  code: 'WH-BER',
  name: 'Berlin warehouse',
  type: 'warehouse',
  address: { line1: 'Am Borsigturm 100', city: 'Berlin', postalCode: '13507', country: 'DE' },
  coordinates: { latitude: 52.5873, longitude: 13.2836 },
  region: 'DE-EAST',
  capabilities: { ship: true, pickup: false },
  priority: 10,
};

describe('locations', () => {
  it('creates a warehouse and reads it back', async () => {
    const created = await t.http('POST', '/v1/locations', { key: 'operator', body: berlin });
    expect(created.status).toBe(201);
    const got = await t.http('GET', `/v1/locations/${created.body.id}`, { key: 'warehouse' });
    expect(got.body).toMatchObject({ ...berlin, address: { ...berlin.address, line2: null, state: null }, active: true, version: 1 });
  });

  it('filters by type and capability', async () => {
    await t.http('POST', '/v1/locations', {
      body: { code: 'ST-MUC', name: 'Munich store', type: 'store', capabilities: { ship: true, pickup: true }, region: 'DE-SOUTH' },
    });
    const stores = await t.http('GET', '/v1/locations?type=store');
    expect(stores.body.data.map((l: { code: string }) => l.code)).toEqual(['ST-MUC']);
    const pickup = await t.http('GET', '/v1/locations?canPickup=true');
    expect(pickup.body.data.map((l: { code: string }) => l.code)).toEqual(['ST-MUC']);
  });

  it('rejects coordinates out of range and an unknown type', async () => {
    const lat = await t.http('POST', '/v1/locations', { body: { ...berlin, code: 'BAD-1', coordinates: { latitude: 91, longitude: 0 } } });
    expect(lat.status).toBe(400);
    expect(lat.body.errors.map((e: { path: string }) => e.path)).toContain('/body/coordinates/latitude');
    const type = await t.http('POST', '/v1/locations', { body: { ...berlin, code: 'BAD-2', type: 'castle' } });
    expect(type.status).toBe(400);
  });

  it('changes a location and deactivates it', async () => {
    const created = await t.http('POST', '/v1/locations', { body: { ...berlin, code: 'WH-OLD' } });
    const changed = await t.http('PATCH', `/v1/locations/${created.body.id}`, { body: { active: false, priority: 99 } });
    expect(changed.body).toMatchObject({ active: false, priority: 99, version: 2, name: berlin.name });
    const missing = await t.http('PATCH', '/v1/locations/0190f5a6-0000-7000-8000-000000000000', { body: { active: false } });
    expect(missing.status).toBe(404);
  });

  it('upserts in bulk by code, all or nothing', async () => {
    const ok = await t.http('POST', '/v1/locations/bulk', {
      body: { items: [{ ...berlin, code: 'BULK-A' }, { ...berlin, code: 'BULK-B', type: 'store' }] },
    });
    expect(ok.body).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
    const dup = await t.http('POST', '/v1/locations/bulk', { body: { items: [{ ...berlin, code: 'BULK-C' }, { ...berlin, code: 'BULK-C' }] } });
    expect(dup.status).toBe(422);
    expect(dup.body.errors).toEqual([{ path: '/body/items/1/code', message: expect.stringContaining('BULK-C') }]);
    expect((await t.http('GET', '/v1/locations?code=BULK-C')).body.data).toHaveLength(0);
  });

  it('an empty PATCH is a 400, not a no-op', async () => {
    const created = await t.http('POST', '/v1/locations', { body: { ...berlin, code: 'WH-EMPTY' } });
    const res = await t.http('PATCH', `/v1/locations/${created.body.id}`, { body: {} });
    expect(res.status).toBe(400);
  });
});

describe('API keys', () => {
  it('creates a key shown once, which then works, and revokes it', async () => {
    const created = await t.http('POST', '/v1/api-keys', { body: { name: 'erp sync', role: 'integration' } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ordo_/);
    const list = await t.http('GET', '/v1/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect((await t.http('GET', '/v1/skus', { key: created.body.key })).status).toBe(200);
    expect((await t.http('POST', `/v1/api-keys/${created.body.id}/revoke`)).status).toBe(200);
    expect((await t.http('GET', '/v1/skus', { key: created.body.key })).status).toBe(401);
  });

  it('is managed by admins only', async () => {
    expect((await t.http('POST', '/v1/api-keys', { key: 'operator', body: { name: 'x', role: 'admin' } })).status).toBe(403);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';
import { runChecks } from '../src/check.js';
import { inventoryChecks } from '../src/inventory/check.js';

const t = useTestApp();

const skuCodes = ['CNT-A', 'CNT-B', 'CNT-C', 'CNT-D', 'CNT-E', 'CNT-R', 'CNT-X', 'CNT-Y'];

async function receive(location: string, lines: [string, number][]) {
  const res = await t.http('POST', '/v1/stock/receipts', { body: { location, lines: lines.map(([sku, quantity]) => ({ sku, quantity })) } });
  expect(res.status).toBe(201);
}

/** Ordo's counters, read straight from the table (what a client would see on GET /v1/stock). */
async function level(sku: string, location: string) {
  const row = await t.db.selectFrom('stock_levels as s')
    .innerJoin('skus as k', 'k.id', 's.sku_id').innerJoin('locations as l', 'l.id', 's.location_id')
    .select(['s.on_hand', 's.reserved']).where('k.code', '=', sku).where('l.code', '=', location).executeTakeFirst();
  return { onHand: row?.on_hand ?? 0, reserved: row?.reserved ?? 0 };
}

const open = (body: Record<string, unknown>, key = 'warehouse') => t.http('POST', '/v1/stock/counts', { key, body });
const record = (id: string, lines: [string, number][], key = 'warehouse') =>
  t.http('POST', `/v1/stock/counts/${id}/lines`, { key, body: { lines: lines.map(([sku, counted]) => ({ sku, counted })) } });
const post = (id: string, key = 'warehouse') => t.http('POST', `/v1/stock/counts/${id}/post`, { key });
const lineOf = (count: { lines: { sku: string }[] }, sku: string) => count.lines.find((l) => l.sku === sku);

beforeAll(async () => {
  expect((await t.http('POST', '/v1/skus/bulk', { body: { items: skuCodes.map((code) => ({ code, name: code })) } })).status).toBe(200);
  for (const code of ['CW1', 'CW2', 'CW3']) {
    expect((await t.http('POST', '/v1/locations', { body: { code, name: code, type: 'warehouse' } })).status).toBe(201);
  }
});

describe('a cycle count', () => {
  it('snapshots expected on hand, keeps movements made since, and posts only the variances', async () => {
    await receive('CW1', [['CNT-A', 10], ['CNT-B', 5], ['CNT-C', 4], ['CNT-D', 3]]);
    const opened = await open({ location: 'CW1', skus: ['CNT-A', 'CNT-B', 'CNT-C', 'CNT-E'], note: 'aisle 4' });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    expect(opened.body).toMatchObject({ location: 'CW1', status: 'open', note: 'aisle 4', postedAt: null });
    expect(opened.body.lines).toEqual([
      { sku: 'CNT-A', skuId: expect.any(String), expected: 10, counted: null, variance: null },
      { sku: 'CNT-B', skuId: expect.any(String), expected: 5, counted: null, variance: null },
      { sku: 'CNT-C', skuId: expect.any(String), expected: 4, counted: null, variance: null },
      { sku: 'CNT-E', skuId: expect.any(String), expected: 0, counted: null, variance: null },
    ]);

    // 5 more A arrive after the snapshot; the count must not undo them.
    await receive('CW1', [['CNT-A', 5]]);
    const recorded = await record(id, [['CNT-A', 8], ['CNT-B', 7], ['CNT-D', 3]]);
    expect(recorded.status).toBe(200);
    // D was not in the count: it joins it, expected at what Ordo has there now.
    expect(lineOf(recorded.body, 'CNT-D')).toMatchObject({ expected: 3, counted: 3, variance: 0 });
    expect(recorded.body.totals).toEqual({ lines: 5, countedLines: 3, linesWithVariance: 2, unitsOver: 2, unitsShort: 2 });

    const posted = await post(id);
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ status: 'posted', postedAt: expect.any(String) });
    expect(posted.body.totals).toEqual({ lines: 5, countedLines: 3, linesWithVariance: 2, unitsOver: 2, unitsShort: 2 });
    expect(lineOf(posted.body, 'CNT-A')).toMatchObject({ expected: 10, counted: 8, variance: -2 });
    expect(lineOf(posted.body, 'CNT-C')).toMatchObject({ expected: 4, counted: null, variance: null });

    expect(await level('CNT-A', 'CW1')).toMatchObject({ onHand: 13 });
    expect(await level('CNT-B', 'CW1')).toMatchObject({ onHand: 7 });
    expect(await level('CNT-C', 'CW1')).toMatchObject({ onHand: 4 });
    const movements = await t.db.selectFrom('stock_movements').select(['reason', 'on_hand_delta', 'reference_type', 'note'])
      .where('reference_id', '=', id).orderBy('on_hand_delta').execute();
    expect(movements).toEqual([
      { reason: 'count', on_hand_delta: -2, reference_type: 'count', note: 'aisle 4' },
      { reason: 'count', on_hand_delta: 2, reference_type: 'count', note: 'aisle 4' },
    ]);

    const read = await t.http('GET', `/v1/stock/counts/${id}`, { key: 'viewer' });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(posted.body);
    const audit = await t.db.selectFrom('audit_log').select('action').where('entity_id', '=', id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['stock_count.opened', 'stock_count.recorded', 'stock_count.posted']);
  });

  it('counts every SKU stocked at the location when no SKUs are given', async () => {
    await receive('CW2', [['CNT-X', 2], ['CNT-Y', 9]]);
    const opened = await open({ location: 'CW2' });
    expect(opened.status).toBe(201);
    expect(opened.body.lines.map((l: { sku: string; expected: number }) => [l.sku, l.expected])).toEqual([['CNT-X', 2], ['CNT-Y', 9]]);
  });

  it('posts nothing when a variance would take on hand below reserved, and stays open', async () => {
    await receive('CW3', [['CNT-R', 10], ['CNT-A', 4]]);
    const reserved = await t.http('POST', '/v1/reservations', { key: 'operator', body: { reference: { type: 'test', id: 'count' }, lines: [{ sku: 'CNT-R', location: 'CW3', quantity: 8 }] } });
    expect(reserved.status).toBe(201);
    const id = (await open({ location: 'CW3', skus: ['CNT-R', 'CNT-A'] })).body.id as string;
    await record(id, [['CNT-R', 5], ['CNT-A', 6]]);

    const res = await post(id);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('stock_conflict');
    expect(res.body.detail).toContain('on hand would be 5 but 8 are reserved');
    expect(await level('CNT-R', 'CW3')).toEqual({ onHand: 10, reserved: 8 });
    expect(await level('CNT-A', 'CW3')).toMatchObject({ onHand: 4 });
    expect(await t.db.selectFrom('stock_movements').select('id').where('reference_id', '=', id).execute()).toHaveLength(0);
    expect((await t.http('GET', `/v1/stock/counts/${id}`)).body.status).toBe('open');

    // Recounted within what is reserved, it posts.
    await record(id, [['CNT-R', 9]]);
    expect((await post(id)).status).toBe(200);
    expect(await level('CNT-R', 'CW3')).toEqual({ onHand: 9, reserved: 8 });
    expect(await level('CNT-A', 'CW3')).toMatchObject({ onHand: 6 });
  });
});

describe('the count lifecycle', () => {
  it('refuses to record, post or cancel a posted count', async () => {
    const id = (await open({ location: 'CW1', skus: ['CNT-B'] })).body.id as string;
    await record(id, [['CNT-B', 7]]);
    expect((await post(id)).status).toBe(200);
    const again = await record(id, [['CNT-B', 1]]);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'invalid_state', status: 409, currentStatus: 'posted' });
    expect(again.body.detail).toContain('posted');
    expect(again.body.allowed).toEqual(['open']);
    expect((await post(id)).body.code).toBe('invalid_state');
    expect((await t.http('POST', `/v1/stock/counts/${id}/cancel`, { key: 'warehouse' })).status).toBe(409);
  });

  it('cancels an open count without touching stock', async () => {
    const before = await level('CNT-B', 'CW1');
    const id = (await open({ location: 'CW1', skus: ['CNT-B'] })).body.id as string;
    await record(id, [['CNT-B', 1]]);
    const cancelled = await t.http('POST', `/v1/stock/counts/${id}/cancel`, { key: 'warehouse' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await post(id)).status).toBe(409);
    expect(await level('CNT-B', 'CW1')).toEqual(before);
  });

  it('lists counts newest first, by status and location, a page at a time', async () => {
    const all = await t.http('GET', '/v1/stock/counts?location=CW1', { key: 'viewer' });
    expect(all.status).toBe(200);
    expect(all.body.data.length).toBeGreaterThanOrEqual(3);
    expect(all.body.data.every((c: { location: string }) => c.location === 'CW1')).toBe(true);
    const ids = all.body.data.map((c: { id: string }) => c.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(all.body.data[0].totals).toEqual(expect.objectContaining({ lines: expect.any(Number) }));

    const posted = await t.http('GET', '/v1/stock/counts?status=posted&limit=1');
    expect(posted.body.data).toHaveLength(1);
    expect(posted.body.next).toMatch(/^\/v1\/stock\/counts\?/);
    const second = await t.http('GET', posted.body.next);
    expect(second.body.data[0].id < posted.body.data[0].id).toBe(true);
    expect(second.body.data.every((c: { status: string }) => c.status === 'posted')).toBe(true);

    expect((await t.http('GET', '/v1/stock/counts?status=done')).status).toBe(400);
    expect((await t.http('GET', `/v1/stock/counts?cursor=${Buffer.from('["x"]').toString('base64url')}`)).body.code).toBe('invalid_cursor');
  });
});

describe('bad count requests', () => {
  it('answers 404 for an unknown count, SKU or location', async () => {
    expect((await t.http('GET', '/v1/stock/counts/0190f5a6-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await post('0190f5a6-0000-7000-8000-000000000000')).status).toBe(404);
    const sku = await open({ location: 'CW1', skus: ['NOPE'] });
    expect(sku.status).toBe(404);
    expect(sku.body.detail).toContain('NOPE');
    expect((await open({ location: 'NOWHERE' })).status).toBe(404);
  });

  it('rejects negative counts, the same SKU twice, and unknown fields', async () => {
    const id = (await open({ location: 'CW1', skus: ['CNT-A'] })).body.id as string;
    expect((await record(id, [['CNT-A', -1]])).status).toBe(400);
    expect((await record(id, [['CNT-A', 1.5]])).status).toBe(400);
    const twice = await record(id, [['CNT-A', 1], ['CNT-A', 2]]);
    expect(twice.status).toBe(400);
    expect(twice.body.errors[0].path).toBe('/body/lines/1/sku');
    expect((await open({ location: 'CW1', colour: 'red' })).status).toBe(400);
    expect((await open({ location: 'CW1', skus: [] })).status).toBe(400);
  });

  it('needs inventory:write to change a count and inventory:read to see one', async () => {
    const forbidden = await open({ location: 'CW1' }, 'viewer');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.permission).toBe('inventory:write');
    expect((await t.http('GET', '/v1/stock/counts', { key: 'viewer' })).status).toBe(200);
  });
});

describe('the ledger', () => {
  it('sums to on hand for every row the counts touched', async () => {
    // The same verification `ordo check` runs: every counter equals its ledger, reserved its open reservations.
    const report = await runChecks(t.db, inventoryChecks);
    expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
    const touched = await t.db.selectFrom('stock_levels').select('sku_id').execute();
    expect(touched.length).toBeGreaterThanOrEqual(8);
  });
});

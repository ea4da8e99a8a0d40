import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';
import { runChecks } from '../src/check.js';
import { inventoryChecks } from '../src/inventory/check.js';

const t = useTestApp();

const skuCodes = ['SY-A', 'SY-B', 'SY-C', 'SY-D', 'SY-E', 'SY-F', 'SY-G', 'SY-H'];
const BULK = 5000;

async function receive(location: string, lines: [string, number][]) {
  const res = await t.http('POST', '/v1/stock/receipts', { body: { location, lines: lines.map(([sku, quantity]) => ({ sku, quantity })) } });
  expect(res.status).toBe(201);
}

async function onHand(sku: string, location: string): Promise<number> {
  const row = await t.db.selectFrom('stock_levels as s')
    .innerJoin('skus as k', 'k.id', 's.sku_id').innerJoin('locations as l', 'l.id', 's.location_id')
    .select('s.on_hand').where('k.code', '=', sku).where('l.code', '=', location).executeTakeFirst();
  return row?.on_hand ?? 0;
}

type Row = { sku: string; location: string; onHand: number; version: number };
const sync = (rows: Row[], extra: Record<string, unknown> = {}, key = 'integration') =>
  t.http('PUT', '/v1/stock/sync', { key, body: { source: 'sap', rows, ...extra } });
const row = (sku: string, onHand: number, version: number, location = 'SW1'): Row => ({ sku, location, onHand, version });

beforeAll(async () => {
  expect((await t.http('POST', '/v1/skus/bulk', { body: { items: skuCodes.map((code) => ({ code, name: code })) } })).status).toBe(200);
  for (const code of ['SW1', 'SW2']) {
    expect((await t.http('POST', '/v1/locations', { body: { code, name: code, type: 'warehouse' } })).status).toBe(201);
  }
  await receive('SW1', [['SY-A', 50], ['SY-B', 100], ['SY-C', 100], ['SY-D', 100], ['SY-E', 20], ['SY-F', 20]]);
});

describe('a sync row', () => {
  it('is applied as an external_sync movement when the change is small', async () => {
    const res = await sync([row('SY-A', 45, 1)]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      applied: 1, unchanged: 0, held: 0, ignored: 0,
      rows: [{ index: 0, sku: 'SY-A', location: 'SW1', outcome: 'applied', ordoOnHand: 50, onHand: 45 }],
    });
    expect(await onHand('SY-A', 'SW1')).toBe(45);
    const ledger = await t.db.selectFrom('stock_movements').select(['reason', 'on_hand_delta', 'reference_type', 'reference_id'])
      .where('reason', '=', 'external_sync').execute();
    expect(ledger).toEqual([{ reason: 'external_sync', on_hand_delta: -5, reference_type: 'sync', reference_id: 'sap' }]);
  });

  it('is unchanged when Ordo already has the number, and still advances the version', async () => {
    const res = await sync([row('SY-A', 45, 2)]);
    expect(res.body).toMatchObject({ applied: 0, unchanged: 1, rows: [{ outcome: 'unchanged', ordoOnHand: 45, onHand: 45 }] });
    const state = await t.db.selectFrom('stock_sync_state').select(['version', 'on_hand']).where('source', '=', 'sap').execute();
    expect(state).toEqual([{ version: 2, on_hand: 45 }]);
  });

  it('is ignored when its version is not newer than the last one from the source', async () => {
    expect((await sync([row('SY-A', 40, 5)])).body.applied).toBe(1);
    const stale = await sync([row('SY-A', 30, 3)]);
    expect(stale.body).toMatchObject({ ignored: 1, rows: [{ outcome: 'ignored', reason: 'stale', ordoOnHand: 40, onHand: 30 }] });
    expect((await sync([row('SY-A', 30, 5)])).body.ignored).toBe(1);
    expect(await onHand('SY-A', 'SW1')).toBe(40);
    // Another source keeps its own versions.
    const other = await t.http('PUT', '/v1/stock/sync', { key: 'integration', body: { source: 'wms', rows: [row('SY-A', 41, 1)] } });
    expect(other.body.applied).toBe(1);
  });

  it('takes the highest version when one request names a SKU x location twice', async () => {
    const skuId = (await t.db.selectFrom('skus').select('id').where('code', '=', 'SY-F').executeTakeFirstOrThrow()).id;
    const res = await sync([row('SY-F', 30, 2), row(skuId, 25, 7), row('SY-F', 10, 7)], { holdThreshold: { units: 0, percent: 0 } });
    expect(res.body).toMatchObject({ applied: 1, ignored: 2 });
    expect(res.body.rows.map((r: { outcome: string }) => r.outcome)).toEqual(['ignored', 'applied', 'ignored']);
    expect(res.body.rows[1]).toMatchObject({ sku: skuId, ordoOnHand: 20, onHand: 25 });
    expect(await onHand('SY-F', 'SW1')).toBe(25);
  });

  it('answers Ordo\'s on hand for a row that lost to an unchanged newer one of the same request', async () => {
    const rows = [row('SY-E', 99, 1), row('SY-E', 20, 4), row('SY-D', 100, 1)];
    const res = await t.http('PUT', '/v1/stock/sync', { key: 'integration', body: { source: 'pos', rows } });
    expect(res.body).toEqual({
      applied: 0, unchanged: 2, held: 0, ignored: 1,
      rows: [
        { index: 0, sku: 'SY-E', location: 'SW1', outcome: 'ignored', reason: 'newer_in_request', ordoOnHand: 20, onHand: 99 },
        { index: 1, sku: 'SY-E', location: 'SW1', outcome: 'unchanged', ordoOnHand: 20, onHand: 20 },
        { index: 2, sku: 'SY-D', location: 'SW1', outcome: 'unchanged', ordoOnHand: 100, onHand: 100 },
      ],
    });
  });
});

describe('concurrent syncs from one source', () => {
  it('end at the newest version whatever order they commit in', async () => {
    const versions = [4, 9, 1, 10, 7, 2, 8, 3, 6, 5];
    const answers = await Promise.all(versions.map((v) =>
      sync([row('SY-G', 100 + v, v)], { holdThreshold: { units: 0, percent: 0 } })));
    expect(answers.map((a) => a.status)).toEqual(versions.map(() => 200));
    expect(await onHand('SY-G', 'SW1')).toBe(110);
    const state = await t.db.selectFrom('stock_sync_state as s').innerJoin('skus as k', 'k.id', 's.sku_id')
      .select(['s.version', 's.on_hand']).where('k.code', '=', 'SY-G').where('s.source', '=', 'sap').execute();
    expect(state).toEqual([{ version: 10, on_hand: 110 }]);
  });
});

describe('a held sync row', () => {
  it('waits for approval past the units threshold, then sets on hand to the source\'s number', async () => {
    const res = await sync([row('SY-B', 300, 1)]);
    expect(res.body).toMatchObject({ held: 1, rows: [{ outcome: 'held', reason: 'over_threshold', ordoOnHand: 100, onHand: 300 }] });
    const id = res.body.rows[0].discrepancyId as string;
    expect(await onHand('SY-B', 'SW1')).toBe(100);

    const pending = await t.http('GET', '/v1/stock/discrepancies?source=sap&sku=SY-B', { key: 'viewer' });
    expect(pending.body.data).toEqual([expect.objectContaining({ id, status: 'pending', sku: 'SY-B', location: 'SW1', ordoOnHand: 100, sourceOnHand: 300, reason: 'over_threshold' })]);

    // Stock moves in Ordo meanwhile; approval sets the source's number against the current on hand.
    await receive('SW1', [['SY-B', 7]]);
    const forbidden = await t.http('POST', `/v1/stock/discrepancies/${id}/approve`, { key: 'integration' });
    expect(forbidden.status).toBe(403);
    const approved = await t.http('POST', `/v1/stock/discrepancies/${id}/approve`, { key: 'operator' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: 'test operator', decidedAt: expect.any(String) });
    expect(await onHand('SY-B', 'SW1')).toBe(300);
    const again = await t.http('POST', `/v1/stock/discrepancies/${id}/reject`, { key: 'operator' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'invalid_state', status: 409, currentStatus: 'approved', allowed: ['pending'] });
  });

  it('changes nothing when rejected (held past the percent threshold)', async () => {
    const res = await sync([row('SY-C', 10, 1)]);
    expect(res.body.rows[0]).toMatchObject({ outcome: 'held', reason: 'over_threshold' });
    const rejected = await t.http('POST', `/v1/stock/discrepancies/${res.body.rows[0].discrepancyId}/reject`, { key: 'operator' });
    expect(rejected.body.status).toBe('rejected');
    expect(await onHand('SY-C', 'SW1')).toBe(100);
  });

  it('supersedes the pending discrepancy when the source reports a newer number', async () => {
    const first = (await sync([row('SY-D', 500, 1)])).body.rows[0].discrepancyId as string;
    const second = (await sync([row('SY-D', 600, 2)])).body.rows[0].discrepancyId as string;
    expect((await t.http('GET', `/v1/stock/discrepancies/${first}`)).body.status).toBe('superseded');
    expect((await t.http('GET', `/v1/stock/discrepancies/${second}`)).body.status).toBe('pending');
    expect((await t.http('POST', `/v1/stock/discrepancies/${first}/approve`, { key: 'operator' })).status).toBe(409);
    // A newer number that is applied outright also makes the held one obsolete.
    expect((await sync([row('SY-D', 101, 3)])).body.applied).toBe(1);
    expect((await t.http('GET', `/v1/stock/discrepancies/${second}`)).body.status).toBe('superseded');
  });

  it('is held below reserved + quarantined, and approving it is a 409 until the reservation goes', async () => {
    const reserved = await t.http('POST', '/v1/reservations', { key: 'operator', body: { reference: { type: 'test', id: 'sync' }, lines: [{ sku: 'SY-E', location: 'SW1', quantity: 15 }] } });
    expect(reserved.status).toBe(201);
    const res = await sync([row('SY-E', 10, 1)], { holdThreshold: { units: 0, percent: 0 } });
    expect(res.body.rows[0]).toMatchObject({ outcome: 'held', reason: 'below_reserved', ordoOnHand: 20, onHand: 10 });
    const id = res.body.rows[0].discrepancyId as string;
    const approve = await t.http('POST', `/v1/stock/discrepancies/${id}/approve`, { key: 'operator' });
    expect(approve.status).toBe(409);
    expect(approve.body.code).toBe('stock_conflict');
    expect((await t.http('GET', `/v1/stock/discrepancies/${id}`)).body.status).toBe('pending');
    expect(await onHand('SY-E', 'SW1')).toBe(20);
  });
});

describe('reconciliation', () => {
  it('shows each reported SKU x location next to Ordo\'s on hand', async () => {
    const all = await t.http('GET', '/v1/stock/reconciliation?source=sap', { key: 'viewer' });
    expect(all.status).toBe(200);
    const bySku = new Map(all.body.data.map((r: { sku: string }) => [r.sku, r]));
    expect(bySku.get('SY-A')).toMatchObject({ location: 'SW1', ordoOnHand: 41, sourceOnHand: 40, difference: -1, version: 5, pendingDiscrepancyId: null });
    expect(bySku.get('SY-C')).toMatchObject({ ordoOnHand: 100, sourceOnHand: 10, difference: -90 });
    expect(bySku.get('SY-E')).toMatchObject({ ordoOnHand: 20, sourceOnHand: 10, pendingDiscrepancyId: expect.any(String) });
    const diffs = await t.http('GET', '/v1/stock/reconciliation?source=sap&onlyDifferences=true&limit=1');
    expect(diffs.body.data).toHaveLength(1);
    expect(diffs.body.data[0].difference).not.toBe(0);
    const next = await t.http('GET', diffs.body.next);
    expect(next.body.data[0].sku > diffs.body.data[0].sku).toBe(true);
    expect((await t.http('GET', '/v1/stock/reconciliation')).status).toBe(400);
  });
});

describe('bad sync requests', () => {
  it('answers 404 naming an unknown SKU, and applies nothing', async () => {
    const before = await onHand('SY-A', 'SW1');
    const res = await sync([row('SY-A', before - 1, 100), row('SY-NOPE', 1, 1)]);
    expect(res.status).toBe(404);
    expect(res.body.detail).toContain('SY-NOPE');
    expect(await onHand('SY-A', 'SW1')).toBe(before);
  });

  it.each([
    ['a negative onHand', { source: 'sap', rows: [row('SY-A', -1, 1)] }, '/body/rows/0/onHand'],
    ['a missing version', { source: 'sap', rows: [{ sku: 'SY-A', location: 'SW1', onHand: 1 }] }, '/body/rows/0/version'],
    ['a version as a string', { source: 'sap', rows: [{ ...row('SY-A', 1, 1), version: '2' }] }, '/body/rows/0/version'],
    ['no rows', { source: 'sap', rows: [] }, '/body/rows'],
    ['an empty source', { source: '', rows: [row('SY-A', 1, 1)] }, '/body/source'],
    ['5,001 rows', { source: 'sap', rows: Array.from({ length: BULK + 1 }, () => row('SY-A', 1, 1)) }, '/body/rows'],
  ])('rejects %s with a 400', async (_what, body, path) => {
    const res = await t.http('PUT', '/v1/stock/sync', { key: 'integration', body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('needs inventory:sync', async () => {
    const res = await sync([row('SY-A', 1, 1000)], {}, 'operator');
    expect(res.status).toBe(403);
    expect(res.body.permission).toBe('inventory:sync');
  });
});

describe('a large sync', () => {
  it(`takes ${BULK} rows in one request`, async () => {
    for (let start = 0; start < BULK; start += 1000) {
      const items = Array.from({ length: 1000 }, (_, i) => ({ code: `BULK-${String(start + i).padStart(5, '0')}`, name: 'bulk' }));
      expect((await t.http('POST', '/v1/skus/bulk', { body: { items } })).status).toBe(200);
    }
    const rows = Array.from({ length: BULK }, (_, i) => row(`BULK-${String(i).padStart(5, '0')}`, (i % 50) + 10, 1_700_000_000_000 + i, 'SW2'));
    const timed = async (rs: Row[]) => {
      const started = performance.now();
      const res = await sync(rs);
      return { res, ms: performance.now() - started };
    };
    const created = await timed(rows);
    expect(created.res.status).toBe(200);
    expect(created.res.body).toMatchObject({ applied: BULK, unchanged: 0, held: 0, ignored: 0 });
    // The daily snapshot case: every row exists and every number moved a little.
    const changed = rows.map((r) => ({ ...r, version: r.version + 1, onHand: r.onHand + 2 }));
    const updated = await timed(changed);
    expect(updated.res.body).toMatchObject({ applied: BULK, unchanged: 0, held: 0, ignored: 0 });
    const same = await timed(changed.map((r) => ({ ...r, version: r.version + 1 })));
    expect(same.res.body).toMatchObject({ applied: 0, unchanged: BULK });
    console.log(`PUT /v1/stock/sync with ${BULK} rows: ${created.ms.toFixed(0)} ms (new rows), `
      + `${updated.ms.toFixed(0)} ms (every row changed), ${same.ms.toFixed(0)} ms (all unchanged)`);
    for (const { ms } of [created, updated, same]) expect(ms).toBeLessThan(10_000);
    expect(await onHand('BULK-00001', 'SW2')).toBe(13);
  });
});

describe('the ledger', () => {
  it('sums to on hand for every row the syncs touched', async () => {
    // The same verification `ordo check` runs: every counter equals its ledger, reserved its open reservations.
    const report = await runChecks(t.db, inventoryChecks);
    expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
    const synced = await t.db.selectFrom('stock_movements').select(sql<number>`count(*)`.as('n')).where('reason', '=', 'external_sync').executeTakeFirstOrThrow();
    expect(synced.n).toBeGreaterThan(BULK);
  });
});

/**
 * Full-stock syncs: a pass of unchanged rows costs no ledger row and no event (JSON batches and snapshots alike), and
 * a whole snapshot sent as CSV or NDJSON is read row by row, its bad rows reported with line, field and what to fix,
 * and applied only when asked (onError=skip); by default a bad row refuses the snapshot and nothing is applied.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { inventoryChecks } from '../src/inventory/check.js';
import { useTestApp } from './harness.js';

const t = useTestApp();
const skus = Array.from({ length: 12 }, (_, i) => `SS-${String(i).padStart(2, '0')}`);

async function onHand(sku: string, location: string): Promise<number> {
  const row = await t.db.selectFrom('stock_levels as s')
    .innerJoin('skus as k', 'k.id', 's.sku_id').innerJoin('locations as l', 'l.id', 's.location_id')
    .select('s.on_hand').where('k.code', '=', sku).where('l.code', '=', location).executeTakeFirst();
  return row?.on_hand ?? 0;
}

async function counts() {
  const r = await sql<{ ledger: string; events: string; state: string }>`
    SELECT (SELECT count(*) FROM stock_movements) AS ledger, (SELECT count(*) FROM outbox_events) AS events,
           (SELECT count(*) FROM stock_sync_state) AS state`.execute(t.db);
  return { ledger: Number(r.rows[0]?.ledger), events: Number(r.rows[0]?.events), state: Number(r.rows[0]?.state) };
}

const snapshot = (source: string, type: 'text/csv' | 'application/x-ndjson', body: string, query = '') =>
  t.http('POST', `/v1/stock/sync/snapshots?source=${source}${query}`, { key: 'integration', body, headers: { 'content-type': type } });
const ndjson = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n');

beforeAll(async () => {
  expect((await t.http('POST', '/v1/skus/bulk', { body: { items: skus.map((code) => ({ code, name: code })) } })).status).toBe(200);
  for (const code of ['SS1', 'SS2']) expect((await t.http('POST', '/v1/locations', { body: { code, name: code, type: 'warehouse' } })).status).toBe(201);
  // A channel, so that a change of stock publishes its ATP as an event.
  expect((await t.http('POST', '/v1/channels', { body: { code: 'SSWEB', name: 'web', type: 'web', currency: 'EUR' } })).status).toBe(201);
});

describe('a sync pass of unchanged rows', () => {
  it('writes no ledger row and no event, and still advances every version (JSON batch)', async () => {
    const rows = (version: number) => skus.flatMap((sku, i) => ['SS1', 'SS2'].map((location) => ({ sku, location, onHand: 10 + i, version })));
    const first = await t.http('PUT', '/v1/stock/sync', { key: 'integration', body: { source: 'json', rows: rows(1), holdThreshold: { units: 0, percent: 0 } } });
    expect(first.status).toBe(200);
    expect(first.body.applied).toBe(24);
    const before = await counts();
    expect(before.ledger).toBeGreaterThanOrEqual(24);
    expect(before.events).toBeGreaterThan(0);

    const again = await t.http('PUT', '/v1/stock/sync', { key: 'integration', body: { source: 'json', rows: rows(2) } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ applied: 0, unchanged: 24, held: 0, ignored: 0 });
    expect(again.body.rows.every((r: { outcome: string; ordoOnHand: number; onHand: number }) => r.outcome === 'unchanged' && r.ordoOnHand === r.onHand)).toBe(true);
    const after = await counts();
    expect(after.ledger).toBe(before.ledger);
    expect(after.events).toBe(before.events);
    const versions = await t.db.selectFrom('stock_sync_state').select('version').where('source', '=', 'json').execute();
    expect(versions.map((v) => Number(v.version))).toEqual(Array(24).fill(2));

    // An older version is still stale after the unchanged pass advanced it.
    const stale = await t.http('PUT', '/v1/stock/sync', { key: 'integration', body: { source: 'json', rows: [{ sku: skus[0], location: 'SS1', onHand: 3, version: 1.5 }] } });
    expect(stale.body.rows[0]).toMatchObject({ outcome: 'ignored', reason: 'stale' });
    expect(await onHand(skus[0] ?? '', 'SS1')).toBe(10);
  });

  it('writes no ledger row and no event as an NDJSON snapshot either; a changed row among them moves alone', async () => {
    const rows = skus.flatMap((sku, i) => ['SS1', 'SS2'].map((location) => ({ sku, location, onHand: 10 + i, version: 3 })));
    const before = await counts();
    const res = await snapshot('json', 'application/x-ndjson', ndjson(rows));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 24, applied: 0, unchanged: 24, held: 0, ignored: 0, rejected: 0, changes: [], badRows: [] });
    expect(await counts()).toEqual(before);

    const changed = rows.map((r, i) => ({ ...r, version: 4, onHand: i === 5 ? r.onHand + 1 : r.onHand }));
    const once = await snapshot('json', 'application/x-ndjson', ndjson(changed), '&holdUnits=0&holdPercent=0');
    expect(once.status).toBe(200);
    expect(once.body).toMatchObject({ applied: 1, unchanged: 23 });
    expect(once.body.changes).toEqual([{ line: 6, sku: changed[5]?.sku, location: changed[5]?.location, outcome: 'applied', ordoOnHand: 12, onHand: 13 }]);
    const after = await counts();
    expect(after.ledger).toBe(before.ledger + 1);
    expect(after.events).toBeGreaterThan(before.events);
  });
});

describe('a streamed snapshot', () => {
  const good = 'sku,location,onHand,version\nSS-00,SS1,40,10\nSS-01,SS1,41,10\n';

  it('with bad rows reports each (line, field, what to fix) and applies nothing by default', async () => {
    const before = await counts();
    const body = `${good}SS-02,SS1,,10\nSS-03,SS1,-4,10\nSS-04,SS1,2.5,10\nNOPE,SS1,5,10\nSS-05,NOWHERE,5,10\nSS-06,SS1,5\nSS-07,SS1,5,soon\n`;
    const res = await snapshot('csv', 'text/csv', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.rejected).toBe(7);
    expect(res.body.detail).toContain('nothing was applied');
    expect(res.body.detail).toContain('onError=skip');
    expect(res.body.badRows.map((b: { line: number; field: string }) => [b.line, b.field])).toEqual([
      [4, 'onHand'], [5, 'onHand'], [6, 'onHand'], [7, 'sku'], [8, 'location'], [9, 'row'], [10, 'version'],
    ]);
    for (const b of res.body.badRows) expect(b.message.length).toBeGreaterThan(10);
    expect(res.body.errors[0]).toEqual({ path: '/body/line/4/onHand', message: res.body.badRows[0].message });
    expect(await counts()).toEqual(before);
    expect(await onHand('SS-00', 'SS1')).toBe(10);

    const skipped = await snapshot('csv', 'text/csv', body, '&onError=skip&holdUnits=0&holdPercent=0');
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ rows: 9, applied: 2, rejected: 7 });
    expect(skipped.body.badRows).toEqual(res.body.badRows);
    expect(await onHand('SS-00', 'SS1')).toBe(40);
    expect(await onHand('SS-01', 'SS1')).toBe(41);
    expect(await onHand('SS-02', 'SS1')).toBe(12);
    expect((await runChecks(t.db, inventoryChecks)).ok).toBe(true);
  });

  it('holds large changes for approval and ignores stale rows, like the JSON route; columns in any order', async () => {
    const res = await snapshot('csv', 'text/csv', 'version,onHand,location,sku\n20,500,SS1,SS-00\n5,1,SS1,SS-01\n20,42,SS2,SS-00\n', '&holdUnits=100&holdPercent=0');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 1, held: 1, ignored: 1, unchanged: 0 });
    const held = res.body.changes.find((c: { outcome: string }) => c.outcome === 'held');
    expect(held).toMatchObject({ line: 2, reason: 'over_threshold', ordoOnHand: 40, onHand: 500 });
    expect(res.body.changes.find((c: { outcome: string }) => c.outcome === 'ignored')).toMatchObject({ line: 3, reason: 'stale' });
    const pending = await t.http('GET', `/v1/stock/discrepancies/${held.discrepancyId}`);
    expect(pending.body).toMatchObject({ status: 'pending', source: 'csv', sourceOnHand: 500 });
    expect(res.body.changes.find((c: { outcome: string }) => c.outcome === 'applied')).toMatchObject({ line: 4, ordoOnHand: 10, onHand: 42 });
    expect(await onHand('SS-00', 'SS2')).toBe(42);
    expect(await onHand('SS-00', 'SS1')).toBe(40);
  });

  it('CSV: quoted fields and CRLF line ends are read; broken quotes and a body that is not UTF-8 are reported with the line', async () => {
    const ok = await snapshot('q', 'text/csv', '"sku","location",onHand,version\r\n"SS-10",SS1,"7",1\r\nSS-11,"SS1",8,1\r\n', '&holdUnits=0&holdPercent=0');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ rows: 2, applied: 2, rejected: 0 });
    expect(await onHand('SS-10', 'SS1')).toBe(7);
    const quotes = await snapshot('q', 'text/csv', 'sku,location,onHand,version\nSS-10,SS1,7,2\n"SS-11,SS1,8,2\n');
    expect(quotes.status).toBe(400);
    expect(quotes.body.badRows).toEqual([{ line: 3, field: 'row', message: expect.stringContaining('quotes') }]);
    const latin1 = await t.http('POST', '/v1/stock/sync/snapshots?source=q', {
      key: 'integration', body: Buffer.from('sku,location,onHand,version\nSS-10,SS1,7,3\nSS-1\xe9,SS1,8,3\n', 'latin1'), headers: { 'content-type': 'text/csv' },
    });
    expect(latin1.status).toBe(400);
    expect(latin1.body.detail).toContain('line 3');
    // The connection went back to the pool clean: the next snapshot works.
    expect((await snapshot('q', 'text/csv', 'sku,location,onHand,version\nSS-10,SS1,7,4\n')).status).toBe(200);
  });

  it('of one pair twice, applies the newest row (the first of equal ones) and ignores the other; blank fields are missing', async () => {
    const body = 'sku,location,onHand,version\n'
      + 'SS-08,SS2,30,5\nSS-08,SS2,31,6\n' // lines 2, 3: the newer one (3) wins
      + 'SS-09,SS2,50,7\nSS-09,SS2,51,7\n' // lines 4, 5: equal versions, the first (4) wins
      + 'SS-10,SS2, 77 ,1\n' // line 6: a number with spaces around it is a number
      + '   ,SS2,5,1\nSS-11,\t,5,1\n'; // lines 7, 8: blank
    const res = await snapshot('dup', 'text/csv', body, '&onError=skip&holdUnits=0&holdPercent=0');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 7, applied: 3, ignored: 2, rejected: 2 });
    expect(res.body.changes.map((c: { line: number; outcome: string; reason?: string }) => [c.line, c.outcome, c.reason])).toEqual([
      [2, 'ignored', 'newer_in_request'], [3, 'applied', undefined], [4, 'applied', undefined], [5, 'ignored', 'newer_in_request'], [6, 'applied', undefined],
    ]);
    expect(res.body.badRows).toEqual([
      { line: 7, field: 'sku', message: expect.stringContaining('missing') },
      { line: 8, field: 'location', message: expect.stringContaining('missing') },
    ]);
    expect([await onHand('SS-08', 'SS2'), await onHand('SS-09', 'SS2'), await onHand('SS-10', 'SS2')]).toEqual([31, 50, 77]);
  });

  it('NDJSON: a line that is not an object, and unknown fields, are bad rows', async () => {
    const res = await snapshot('nd', 'application/x-ndjson', `{"sku":"SS-08","location":"SS1","onHand":1,"version":1}\nnot json\n[1]\n{"sku":"SS-09","location":"SS1","onHand":1,"version":1,"colour":"red"}\n\n`);
    expect(res.status).toBe(400);
    expect(res.body.badRows.map((b: { line: number; field: string }) => [b.line, b.field])).toEqual([[2, 'row'], [3, 'row'], [4, 'colour']]);
  });

  it('refuses a CSV without the header it needs, and a body of another type', async () => {
    const noHeader = await snapshot('csv', 'text/csv', 'SS-00,SS1,40,10\n');
    expect(noHeader.status).toBe(400);
    expect(noHeader.body.detail).toContain('sku,location,onHand,version');
    const json = await t.http('POST', '/v1/stock/sync/snapshots?source=x', { key: 'integration', body: { rows: [] } });
    expect(json.status).toBe(415);
    expect(json.body.detail).toContain('text/csv');
    const text = await t.http('POST', '/v1/stock/sync/snapshots?source=x', { key: 'integration', body: 'a', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
  });
});

describe('a snapshot\'s version (ADR 0011)', () => {
  const pairs = skus.flatMap((sku, i) => ['SS1', 'SS2'].map((location) => ({ sku, location, onHand: 100 + i })));
  const at = (version: number, rows = pairs) => ndjson(rows.map((r) => ({ ...r, version })));
  const stored = async () => {
    const r = await sql<{ sku: string; location: string; version: string; excluded: string }>`
      SELECT k.code AS sku, l.code AS location, ss.version, ss.excluded_seq AS excluded FROM stock_sync_state ss
      JOIN skus k ON k.id = ss.sku_id JOIN locations l ON l.id = ss.location_id WHERE ss.source = 'wm'`.execute(t.db);
    return new Map(r.rows.map((x) => [`${x.sku}/${x.location}`, Number(x.version)]));
  };
  const reported = async (sku: string, location: string) => {
    const res = await t.http('GET', '/v1/stock/reconciliation?source=wm&limit=100');
    return (res.body.data as { sku: string; location: string; version: number }[]).find((x) => x.sku === sku && x.location === location)?.version;
  };
  const one = (sku: string, location: string, onHand: number, version: number) =>
    t.http('PUT', '/v1/stock/sync', { key: 'integration', body: { source: 'wm', rows: [{ sku, location, onHand, version }], holdThreshold: { units: 0, percent: 0 } } });

  it('covers the unchanged rows without writing them, and an older message for one of them stays stale', async () => {
    expect((await snapshot('wm', 'application/x-ndjson', at(10), '&holdUnits=0&holdPercent=0')).body).toMatchObject({ applied: 24 });
    const first = await stored();
    expect([...first.values()].every((v) => v === 10)).toBe(true);

    const again = await snapshot('wm', 'application/x-ndjson', at(11));
    expect(again.body).toMatchObject({ unchanged: 24, applied: 0, ignored: 0 });
    // Not one sync-state row rewritten: the location's snapshot version (11) stands for them.
    expect(await stored()).toEqual(first);
    expect(await reported('SS-00', 'SS1')).toBe(11);

    const late = await one('SS-00', 'SS1', 7, 10.5);
    expect(late.body.rows[0]).toMatchObject({ outcome: 'ignored', reason: 'stale' });
    expect(await onHand('SS-00', 'SS1')).toBe(100);
    const newer = await one('SS-01', 'SS1', 99, 11.5);
    expect(newer.body.rows[0]).toMatchObject({ outcome: 'applied', ordoOnHand: 101, onHand: 99 });
    expect(await reported('SS-01', 'SS1')).toBe(11.5);
  });

  it('keeps the version of a pair the next snapshot leaves out, and of a stale row in it', async () => {
    // SS-01/SS1 was set to 99 at 11.5 above; this snapshot leaves SS-11/SS2 out and sends SS-02/SS1 with an old version.
    const rows = pairs.filter((p) => !(p.sku === 'SS-11' && p.location === 'SS2')).map((p) => ({
      ...p, onHand: p.sku === 'SS-01' && p.location === 'SS1' ? 99 : p.onHand, version: p.sku === 'SS-02' && p.location === 'SS1' ? 9 : 12,
    }));
    const res = await snapshot('wm', 'application/x-ndjson', ndjson(rows));
    expect(res.body).toMatchObject({ unchanged: 22, ignored: 1, applied: 0 });
    expect(res.body.changes).toEqual([expect.objectContaining({ sku: 'SS-02', location: 'SS1', outcome: 'ignored', reason: 'stale' })]);
    expect(await reported('SS-11', 'SS2')).toBe(11);
    expect(await reported('SS-02', 'SS1')).toBe(11);
    expect(await reported('SS-03', 'SS1')).toBe(12);
    // The pair left out is no longer covered by the newer snapshot: a message between the two versions is news.
    expect((await one('SS-11', 'SS2', 5, 11.2)).body.rows[0]).toMatchObject({ outcome: 'applied' });
    expect((await one('SS-02', 'SS1', 5, 10.9)).body.rows[0]).toMatchObject({ outcome: 'ignored', reason: 'stale' });
    expect((await one('SS-03', 'SS1', 5, 11.9)).body.rows[0]).toMatchObject({ outcome: 'ignored', reason: 'stale' });
    expect((await runChecks(t.db, inventoryChecks)).ok).toBe(true);
  });

  it('moves only the locations a snapshot reports', async () => {
    const ss1 = pairs.filter((p) => p.location === 'SS1').map((p) => ({ ...p, onHand: p.sku === 'SS-01' ? 99 : p.onHand, version: 20 }));
    const res = await snapshot('wm', 'text/csv', `sku,location,onHand,version\n${ss1.map((r) => `${r.sku},${r.location},${r.onHand},${r.version}`).join('\n')}\n`);
    expect(res.body).toMatchObject({ unchanged: 12 });
    expect(await reported('SS-04', 'SS1')).toBe(20);
    expect(await reported('SS-04', 'SS2')).toBe(12);
    expect((await one('SS-04', 'SS2', 3, 13)).body.rows[0]).toMatchObject({ outcome: 'applied' });
    expect((await one('SS-04', 'SS1', 3, 19)).body.rows[0]).toMatchObject({ outcome: 'ignored', reason: 'stale' });
  });
});

/**
 * The number a channel was last told (channel_availability and the last inventory.availability_changed event) equals
 * its true ATP (ordo_channel_atp) after concurrent stock changes of one SKU at different locations (ADR 0003).
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import type { Trx } from '../src/db/database.js';
import { reserveStock } from '../src/inventory/reserve-stock.js';
import { useTestApp } from './harness.js';

const t = useTestApp();
const today = new Date().toISOString().slice(0, 10);
const ids = { sku: {} as Record<string, string>, location: {} as Record<string, string>, channel: {} as Record<string, string> };
const LOCATIONS = ['SIG-L1', 'SIG-L2', 'SIG-L3'];
const CHANNELS = ['SIG-WEB', 'SIG-MKT', 'SIG-PRE'];

beforeAll(async () => {
  const skus = ['SIG-A', 'SIG-B', 'SIG-Q', ...Array.from({ length: 3 }, (_, i) => `SIG-LOAD-${i}`), 'SIG-KIT'];
  expect((await t.http('POST', '/v1/skus/bulk', { body: { items: skus.map((code) => ({ code, name: code })) } })).status).toBe(200);
  for (const code of LOCATIONS) {
    expect((await t.http('POST', '/v1/locations', { body: { code, name: code, type: 'warehouse' } })).status).toBe(201);
  }
  for (const [code, presaleDays] of [['SIG-WEB', 0], ['SIG-MKT', 0], ['SIG-PRE', 30]] as const) {
    expect((await t.http('POST', '/v1/channels', { body: { code, name: code, type: 'web', currency: 'EUR', policy: { presaleDays } } })).status).toBe(201);
  }
  for (const row of await t.db.selectFrom('skus').select(['id', 'code']).execute()) ids.sku[row.code] = row.id;
  for (const row of await t.db.selectFrom('locations').select(['id', 'code']).execute()) ids.location[row.code] = row.id;
  for (const row of await t.db.selectFrom('channels').select(['id', 'code']).execute()) ids.channel[row.code] = row.id;
});

async function receive(location: string, lines: [string, number][]) {
  const res = await t.http('POST', '/v1/stock/receipts', { body: { location, lines: lines.map(([sku, quantity]) => ({ sku, quantity })) } });
  expect(res.status).toBe(201);
}

/** Every (channel, SKU) of these SKUs: true ATP, the published number and the number of the last event. */
async function numbers(skuCodes: string[]) {
  const skuIds = skuCodes.map((c) => ids.sku[c] as string);
  const rows = await sql<{ channel: string; sku: string; atp: number; published: number | null; lastEvent: number | null }>`
    SELECT ch.code AS channel, k.code AS sku, a.available AS atp, ca.available AS published,
           (SELECT (e.payload->>'available')::int FROM outbox_events e
            WHERE e.aggregate_type = 'channel_availability' AND e.aggregate_id = a.channel_id || ':' || a.sku_id
              AND e.type = 'inventory.availability_changed'
            ORDER BY e.id DESC LIMIT 1) AS "lastEvent"
    FROM ordo_channel_atp(${skuIds}::uuid[], NULL, false) a
    JOIN channels ch ON ch.id = a.channel_id JOIN skus k ON k.id = a.sku_id
    LEFT JOIN channel_availability ca ON ca.channel_id = a.channel_id AND ca.sku_id = a.sku_id
    ORDER BY 1, 2`.execute(t.db);
  return rows.rows;
}

function expectAllCurrent(rows: Awaited<ReturnType<typeof numbers>>) {
  const stale = rows.filter((r) => r.published !== r.atp || r.lastEvent !== r.atp);
  expect(stale, JSON.stringify(stale)).toEqual([]);
}

async function waitUntilBlocked(pid: number) {
  for (let i = 0; i < 2000; i++) {
    const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE pid = ${pid} AND NOT granted`.execute(t.db);
    if ((waiting.rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`backend ${pid} never waited for a lock`);
}

/**
 * Opens a transaction that reserves 1 unit of `sku` at `location` for SIG-WEB and commits once `commit` resolves.
 * `pid` resolves with its backend's pid, `reserved` once the reservation statement has returned.
 */
function openReservation(sku: string, location: string, commit: Promise<void>) {
  let pid!: (n: number) => void;
  let reserved!: () => void;
  const started = new Promise<number>((resolve) => { pid = resolve; });
  const held = new Promise<void>((resolve) => { reserved = resolve; });
  const done = t.db.transaction().execute(async (trx: Trx) => {
    pid((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]?.pid ?? 0);
    await reserveStock(trx, {
      lines: [{ skuId: ids.sku[sku] as string, locationId: ids.location[location] as string, quantity: 1, referenceType: 'test', referenceId: `${sku}@${location}` }],
      channel: { id: ids.channel['SIG-WEB'] as string, presaleDays: 0 }, actor: 'test', today,
    });
    reserved();
    await commit;
  });
  return { pid: started, reserved: held, done };
}

describe('two transactions change one SKU at two locations', () => {
  // T1 reserves at SIG-L1, T2 at SIG-L2; `first` is the one whose reservation runs (and commits) first, while the
  // other one's signal waits for it.
  it.each([
    { sku: 'SIG-A', first: 'SIG-L1', second: 'SIG-L2', name: 'T1 first, T2 commits after it' },
    { sku: 'SIG-B', first: 'SIG-L2', second: 'SIG-L1', name: 'mirror: T2 first, T2 commits first' },
  ])('publishes the true ATP last ($name)', async ({ sku, first, second }) => {
    await receive('SIG-L1', [[sku, 10]]);
    await receive('SIG-L2', [[sku, 10]]);
    expect((await numbers([sku])).find((r) => r.channel === 'SIG-WEB')).toMatchObject({ atp: 20, published: 20, lastEvent: 20 });

    let commitFirst = () => {};
    const firstTx = openReservation(sku, first, new Promise<void>((resolve) => { commitFirst = resolve; }));
    await firstTx.reserved; // it has published 19 and keeps its transaction open
    const secondTx = openReservation(sku, second, Promise.resolve());
    await waitUntilBlocked(await secondTx.pid); // its signal waits for the first transaction
    commitFirst();
    await Promise.all([firstTx.done, secondTx.done]);

    const web = (await numbers([sku])).find((r) => r.channel === 'SIG-WEB');
    expect(web).toMatchObject({ atp: 18, published: 18, lastEvent: 18 });
    expectAllCurrent(await numbers([sku]));
  });
});

describe('a channel with a quota', () => {
  it('publishes the true ATP after its reservation is released or committed', async () => {
    await receive('SIG-L1', [['SIG-Q', 20]]);
    expect((await t.http('PUT', '/v1/allocations', { body: { channel: 'SIG-WEB', sku: 'SIG-Q', quotaUnits: 5 } })).status).toBe(200);
    const reserved = await t.http('POST', '/v1/reservations', { key: 'operator', body: {
      channel: 'SIG-MKT', reference: { type: 'test', id: 'quota' }, lines: [{ sku: 'SIG-Q', location: 'SIG-L1', quantity: 14 }] } });
    expect(reserved.status).toBe(201);
    const web = await t.http('POST', '/v1/reservations', { key: 'operator', body: {
      channel: 'SIG-WEB', reference: { type: 'test', id: 'quota' }, lines: [{ sku: 'SIG-Q', location: 'SIG-L1', quantity: 3 }] } });
    expect(web.status).toBe(201);
    expectAllCurrent(await numbers(['SIG-Q']));
    // The MKT reservation's units return to the shared pool, WEB's to its quota.
    expect((await t.http('POST', `/v1/reservations/${reserved.body.reservations[0].id}/release`, { key: 'operator', body: { quantity: 10 } })).status).toBe(200);
    expectAllCurrent(await numbers(['SIG-Q']));
    expect((await t.http('POST', `/v1/reservations/${web.body.reservations[0].id}/commit`, { key: 'operator', body: {} })).status).toBe(200);
    expectAllCurrent(await numbers(['SIG-Q']));
    expect((await t.http('POST', `/v1/reservations/${reserved.body.reservations[0].id}/release`, { key: 'operator', body: {} })).status).toBe(200);
    expectAllCurrent(await numbers(['SIG-Q']));
  });
});

describe('a load of concurrent changes over several SKUs, locations and channels', () => {
  it('leaves every published number and last event equal to the true ATP, and ordo check clean', async () => {
    const skus = Array.from({ length: 3 }, (_, i) => `SIG-LOAD-${i}`);
    for (const location of LOCATIONS) await receive(location, skus.map((s) => [s, 100]));
    // A bundle of two load SKUs: its ATP moves with either component's stock.
    expect((await t.http('PUT', `/v1/skus/${ids.sku['SIG-KIT']}/components`, { key: 'operator', body: { components: [{ sku: 'SIG-LOAD-0', quantity: 1 }, { sku: 'SIG-LOAD-1', quantity: 2 }] } })).status).toBe(200);

    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]) => xs[random(xs.length)] as T;
    const reservationIds: string[] = [];
    const unexpected: string[] = [];

    async function step(worker: number, i: number) {
      const kind = random(10);
      const lines = Array.from({ length: 1 + random(3) }, () => ({ sku: pick(skus), location: pick(LOCATIONS), quantity: 1 + random(3) }));
      if (kind < 5) {
        // Reserve, with a channel (one transaction per request) or without (batched statements).
        const channel = random(3) === 0 ? undefined : pick(CHANNELS);
        const res = await t.http('POST', '/v1/reservations', { key: 'operator', body: { reference: { type: 'load', id: `${worker}-${i}` }, lines, ...(channel ? { channel } : {}) } });
        if (res.status === 201) reservationIds.push(...res.body.reservations.map((r: { id: string }) => r.id));
        else if (res.status !== 409) unexpected.push(`reserve ${res.status} ${JSON.stringify(res.body)}`);
      } else if (kind < 8) {
        const id = reservationIds.splice(random(Math.max(1, reservationIds.length)), 1)[0];
        if (!id) return;
        const res = await t.http('POST', `/v1/reservations/${id}/${random(4) === 0 ? 'commit' : 'release'}`, { key: 'operator', body: {} });
        if (res.status !== 200) unexpected.push(`release ${res.status} ${JSON.stringify(res.body)}`);
      } else {
        const res = await t.http('POST', '/v1/stock/receipts', { body: { location: pick(LOCATIONS), lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) } });
        if (res.status !== 201) unexpected.push(`receive ${res.status} ${JSON.stringify(res.body)}`);
      }
    }

    // Bursts of concurrent requests; between two bursts nothing runs, so every published number must be current.
    const workers = 24;
    const bursts = 15;
    for (let burst = 0; burst < bursts; burst++) {
      await Promise.all(Array.from({ length: workers }, (_, w) => step(w, burst)));
      expect(unexpected).toEqual([]);
      expectAllCurrent(await numbers([...skus, 'SIG-KIT']));
    }
    const report = await runChecks(t.db);
    expect(report.lines.filter((line) => !line.startsWith('ok')), report.lines.join('\n')).toEqual([]);
  });
});

describe('ordo check', () => {
  it('reports a published number that differs from the true ATP or from the last event', async () => {
    const web = ids.channel['SIG-WEB'] as string;
    const sku = ids.sku['SIG-A'] as string;
    const event = await t.db.insertInto('outbox_events').values({
      type: 'inventory.availability_changed', aggregate_type: 'channel_availability', aggregate_id: `${web}:${sku}`, aggregate_version: 99,
      payload: JSON.stringify({ skuId: sku, sku: 'SIG-A', channelId: web, channel: 'SIG-WEB', available: 7 }),
    }).returning('id').executeTakeFirstOrThrow();
    const eventDrift = await runChecks(t.db);
    expect(eventDrift.ok).toBe(false);
    expect(eventDrift.lines).toContain('DRIFT the last availability event of every channel and SKU carries its published number');
    expect(eventDrift.lines).toContain(`      channel ${web} SKU ${sku}: published ATP 18, last inventory.availability_changed event 7`);
    await t.db.deleteFrom('outbox_events').where('id', '=', event.id).execute();

    await t.db.updateTable('channel_availability').set({ available: 19 }).where('channel_id', '=', web).where('sku_id', '=', sku).execute();
    const stale = await runChecks(t.db);
    expect(stale.lines).toContain(`      channel ${web} SKU ${sku}: published ATP 19, current 18`);
    await t.db.updateTable('channel_availability').set({ available: 18 }).where('channel_id', '=', web).where('sku_id', '=', sku).execute();
    expect((await runChecks(t.db)).ok).toBe(true);
  });
});

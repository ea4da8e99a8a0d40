/**
 * A flash sale: many more buyers than units. Capture batches (src/order/capture-batch.ts) answer the sold-out buyers
 * themselves, with the 409 a lone capture would get; nothing is sold twice, by one server or two, and channel quotas
 * hold under the race.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { runChecks } from '../src/check.js';
import { createDatabase, type DatabaseHandle } from '../src/db/database.js';
import { captureDecisions, useTestApp, type HttpResponse } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.http('POST', '/v1/skus/bulk', { body: { items: ['FS-HOT', 'FS-RACE', 'FS-QUOTA', 'FS-KEY', 'FS-PLENTY'].map((code) => ({ code, name: code })) } });
  await t.http('POST', '/v1/stock/receipts', {
    body: { location: 'OWH1', lines: [{ sku: 'FS-HOT', quantity: 10 }, { sku: 'FS-RACE', quantity: 30 }, { sku: 'FS-PLENTY', quantity: 1_000 }] },
  });
});
afterAll(async () => {
  const report = await runChecks(t.db);
  expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
});

let buyer = 0;
/** One unit of `sku` for a new buyer. */
const oneUnit = (sku: string, overrides: Record<string, unknown> = {}) => {
  buyer++;
  return anOrder({ customer: { email: `buyer-${buyer}@example.com`, name: `Buyer ${buyer}` }, ...overrides }, [{ sku, quantity: 1, unitPriceMinor: 1999 }]);
};
const capture = (body: unknown, headers: Record<string, string> = {}) => t.http('POST', '/v1/orders', { body, headers });
const stockOf = async (sku: string) => (await t.http('GET', `/v1/stock?sku=${sku}`)).body.data as { location: string; onHand: number; reserved: number }[];
const reservedOf = async (sku: string) => (await stockOf(sku)).reduce((a, s) => a + s.reserved, 0);

const decisions = (app: App = t.app) => captureDecisions(app);
const grew = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]).filter(([, n]) => n !== 0));

const statuses = (answers: readonly HttpResponse[]) => answers.reduce<Record<string, number>>((acc, a) => {
  const key = a.status === 201 ? '201' : `${a.status} ${a.body.code}`;
  return { ...acc, [key]: (acc[key] ?? 0) + 1 };
}, {});

describe('a flash sale', () => {
  it('sells exactly the stock and answers the other buyers 409 from their batch, not from a transaction of their own', async () => {
    const before = await decisions();
    const answers = await Promise.all(Array.from({ length: 60 }, () => capture(oneUnit('FS-HOT'))));
    expect(statuses(answers)).toEqual({ 201: 10, '409 insufficient_stock': 50 });
    // Even the orders of the batch that took the last units, short only after what their batch-mates took, are
    // refused from the batch: once the batch-mates are written, those units are taken for sure.
    const grown = grew(before, await decisions());
    expect(grown).toEqual({ placed: 10, refused: 50 });
    expect(await reservedOf('FS-HOT')).toBe(10);
    // The refusal explains itself with the numbers a later GET of stock shows.
    const refused = answers.find((a) => a.status === 409) as HttpResponse;
    expect(refused.body.lines).toEqual([{ index: 0, sku: 'FS-HOT', skuId: expect.any(String), requested: 1, available: 0, shortBy: 1 }]);
    const [level] = await stockOf('FS-HOT');
    expect((level?.onHand ?? 0) - (level?.reserved ?? 0)).toBe(0);
  });

  it('refuses a mixed cart whole when one line is sold out, and takes nothing of its other lines', async () => {
    const plenty = await reservedOf('FS-PLENTY');
    const cart = anOrder({ customer: { email: 'mixed@example.com', name: 'Mixed Cart' } }, [
      { sku: 'FS-PLENTY', quantity: 2, unitPriceMinor: 500 },
      { sku: 'FS-HOT', quantity: 1, unitPriceMinor: 1999 },
    ]);
    const answers = await Promise.all([capture(cart), capture(oneUnit('FS-PLENTY'))]);
    expect(answers.map((a) => a.status)).toEqual([409, 201]);
    expect(answers[0]?.body.lines.map((l: { index: number; sku: string }) => [l.index, l.sku])).toEqual([[1, 'FS-HOT']]);
    expect(await reservedOf('FS-PLENTY')).toBe(plenty + 1);
    const written = await t.db.selectFrom('orders').select('id').where('external_ref', '=', cart.externalRef).execute();
    expect(written).toEqual([]);
  });

  it('does not use up a refused buyer\'s Idempotency-Key: the same request is refused again until stock arrives, then placed once', async () => {
    const order = oneUnit('FS-KEY');
    const headers = { 'idempotency-key': `flash-${Date.now()}` };
    const first = await capture(order, headers);
    expect([first.status, first.body.code]).toEqual([409, 'insufficient_stock']);
    const again = await capture(order, headers);
    expect([again.status, again.body.code, again.headers['idempotent-replayed']]).toEqual([409, 'insufficient_stock', undefined]);
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'FS-KEY', quantity: 1 }] } });
    const placed = await capture(order, headers);
    expect(placed.status).toBe(201);
    const replayed = await capture(order, headers);
    expect([replayed.status, replayed.body.id, replayed.headers['idempotent-replayed']]).toEqual([201, placed.body.id, 'true']);
    expect(await reservedOf('FS-KEY')).toBe(1);
  });

  it('sells each unit once when two servers on one database race for it', async () => {
    // A second server: its own pools and its own capture batches, as a second process would have.
    // A small pool and cached keys, so that the test stays within the database's connections beside other files.
    const handle: DatabaseHandle = createDatabase(t.database.url, { poolMax: 4 });
    const second = await buildApp({
      db: handle.db, pool: handle.pool, batchDb: handle.batchDb, batchPool: handle.batchPool,
      config: { bodyLimitBytes: 4 * 1024 * 1024, apiKeyCacheMs: 60_000, syncHoldUnits: 100, syncHoldPercent: 50, webhookAllowPrivateAddresses: true, eventStreamMaxMs: 3_000 },
      logger: process.env.ORDO_TEST_LOG ? pino({ level: process.env.ORDO_TEST_LOG }) : false,
    });
    try {
      const before = [await decisions(), await decisions(second)];
      const answers = await Promise.all(Array.from({ length: 240 }, (_, i) => {
        const payload = oneUnit('FS-RACE');
        return i % 2 === 0 ? capture(payload) : second.inject({
          method: 'POST', url: '/v1/orders', payload, headers: { authorization: `Bearer ${t.keys.admin}` },
        }).then((res) => ({ status: res.statusCode, body: res.json(), headers: res.headers }) as HttpResponse);
      }));
      const odd = answers.filter((a) => a.status !== 201 && a.body.code !== 'insufficient_stock').map((a) => JSON.stringify(a.body).slice(0, 400));
      expect(statuses(answers), odd.join('\n')).toEqual({ 201: 30, '409 insufficient_stock': 210 });
      expect(await reservedOf('FS-RACE')).toBe(30);
      // Both servers answered sold-out buyers themselves (the database has the last word on the units either sold).
      const after = [await decisions(), await decisions(second)];
      expect(grew(before[0] ?? {}, after[0] ?? {}).refused).toBeGreaterThan(0);
      expect(grew(before[1] ?? {}, after[1] ?? {}).refused).toBeGreaterThan(0);
    } finally {
      await second.close();
      await handle.close();
    }
  });

  it('keeps each channel within its quota under the race', async () => {
    for (const code of ['FSA', 'FSB']) {
      await t.http('POST', '/v1/channels', { body: { code, name: `Flash ${code}`, type: 'marketplace', currency: 'EUR' } });
    }
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'FS-QUOTA', quantity: 20 }] } });
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH2', lines: [{ sku: 'FS-QUOTA', quantity: 10 }] } });
    expect((await t.http('PUT', '/v1/allocations', { body: { channel: 'FSA', sku: 'FS-QUOTA', quotaUnits: 12 } })).status).toBe(200);
    expect((await t.http('PUT', '/v1/allocations', { body: { channel: 'FSB', sku: 'FS-QUOTA', quotaUnits: 18 } })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 90 }, (_, i) => capture(oneUnit('FS-QUOTA', { channel: i % 2 === 0 ? 'FSA' : 'FSB' }))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(30);
    expect(answers.filter((a) => a.status !== 201).every((a) => a.status === 409)).toBe(true);
    const sold = (channel: string) => answers.filter((a, i) => a.status === 201 && (i % 2 === 0 ? 'FSA' : 'FSB') === channel).length;
    expect([sold('FSA'), sold('FSB')]).toEqual([12, 18]);
    expect(await reservedOf('FS-QUOTA')).toBe(30);
  });

  it('refuses a channel past its quota from the batch while other channels keep theirs', async () => {
    await t.http('POST', '/v1/skus', { body: { code: 'FS-QUOTA2', name: 'FS-QUOTA2' } });
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'FS-QUOTA2', quantity: 30 }] } });
    // FSA may sell its 10 and the shared pool (10); FSB keeps its own 10 whatever FSA does.
    expect((await t.http('PUT', '/v1/allocations', { body: { channel: 'FSA', sku: 'FS-QUOTA2', quotaUnits: 10 } })).status).toBe(200);
    expect((await t.http('PUT', '/v1/allocations', { body: { channel: 'FSB', sku: 'FS-QUOTA2', quotaUnits: 10 } })).status).toBe(200);
    const before = await decisions();
    const first = await Promise.all(Array.from({ length: 40 }, () => capture(oneUnit('FS-QUOTA2', { channel: 'FSA' }))));
    expect(statuses(first)).toEqual({ 201: 20, '409 insufficient_stock': 20 });
    // Decided by the batches' statements under the allocation lock; only orders a batch saw short of free stock after
    // what its batch-mates took are decided alone.
    const grown = grew(before, await decisions());
    expect(grown.placed).toBe(20);
    expect((grown.refused ?? 0) + (grown.transactional ?? 0)).toBe(20);
    expect(grown.refused).toBeGreaterThan(0);
    const refused = first.find((a) => a.status === 409) as HttpResponse;
    expect(refused.body.detail).toContain("the channel's allocation does not cover 1 of SKU");
    expect(refused.body.lines).toEqual([expect.objectContaining({ index: 0, requested: 1, available: 0, shortBy: 1 })]);
    const second = await Promise.all(Array.from({ length: 20 }, () => capture(oneUnit('FS-QUOTA2', { channel: 'FSB' }))));
    expect(statuses(second)).toEqual({ 201: 10, '409 insufficient_stock': 10 });
    expect(await reservedOf('FS-QUOTA2')).toBe(30);
  });
});

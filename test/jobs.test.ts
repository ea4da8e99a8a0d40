import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { jobHandlers, startJobs } from '../src/jobs/jobs.js';
import { useTestApp } from './harness.js';

const t = useTestApp();
let stop: (() => Promise<void>) | undefined;
afterAll(async () => stop?.());

async function stockedReservation(code: string, ttlSeconds: number) {
  await t.http('POST', '/v1/skus', { body: { code, name: code } });
  await t.http('POST', '/v1/locations', { body: { code: `LOC-${code}`, name: 'x', type: 'warehouse' } });
  await t.http('POST', '/v1/stock/receipts', { body: { location: `LOC-${code}`, lines: [{ sku: code, quantity: 5 }] } });
  const res = await t.http('POST', '/v1/reservations', { body: { reference: { type: 't', id: code }, ttlSeconds, lines: [{ sku: code, location: `LOC-${code}`, quantity: 2 }] } });
  expect(res.status).toBe(201);
  return res.body.reservations[0].id as string;
}

describe('background jobs on pg-boss', () => {
  it('a queued expiry job releases reservations past their time', async () => {
    const id = await stockedReservation('JOB-1', 3600);
    await t.db.updateTable('reservations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    const jobs = await startJobs({ db: t.db, databaseUrl: t.database.url, logger: pino({ level: 'silent' }), idempotencyTtlHours: 24 });
    stop = () => jobs.stop();
    expect(await jobs.boss.send('reservations.expire', {})).toBeTruthy();
    const deadline = Date.now() + 20_000;
    let status = 'open';
    while (status === 'open' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await t.http('GET', `/v1/reservations/${id}`)).body.status;
    }
    expect(status).toBe('expired');
    const stock = await t.http('GET', '/v1/stock?sku=JOB-1');
    expect(stock.body.data[0]).toMatchObject({ reserved: 0, available: 5 });
  });

  it('forgets Idempotency-Keys older than the TTL', async () => {
    const headers = { 'idempotency-key': 'old-key' };
    await t.http('POST', '/v1/skus', { body: { code: 'IDEM-OLD', name: 'x' }, headers });
    await t.db.updateTable('idempotency_keys').set({ created_at: new Date(Date.now() - 25 * 3600_000) }).where('key', '=', 'old-key').execute();
    const result = await jobHandlers({ db: t.db, idempotencyTtlHours: 24 })['idempotency-keys.cleanup']();
    expect(result.deleted).toBe(1);
  });

  it('recomputes weeks-of-supply safety stock from shipments', async () => {
    const id = await stockedReservation('JOB-WOS', 3600);
    await t.http('POST', `/v1/reservations/${id}/commit`);
    // 2 shipped in the last 4 weeks = 0.5 a week; 4 weeks of supply = 2 units.
    const set = await t.http('PUT', '/v1/stock/settings', { body: { items: [{ sku: 'JOB-WOS', location: 'LOC-JOB-WOS', safetyWeeksOfSupply: { weeks: 4, lookbackWeeks: 4 } }] } });
    expect(set.body.items[0]).toMatchObject({ onHand: 3, safetyStock: 2, available: 1, safetyRule: { weeksOfSupply: 4, lookbackWeeks: 4 } });
    const result = await jobHandlers({ db: t.db, idempotencyTtlHours: 24 })['inventory.daily']();
    expect(result.safetyStockRows).toBeGreaterThanOrEqual(1);
  });
});

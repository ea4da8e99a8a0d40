/**
 * Published channel ATP (channel_availability) moves with stock by itself (triggers); a change that moves ATP
 * without touching stock must publish too, or `ordo check` finds the published numbers stale until the daily job.
 * Found by test/openapi-fuzz.test.ts (a PATCH of a channel's presale window).
 */
import { describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { useTestApp } from './harness.js';

const t = useTestApp();

async function published(channel: string, sku: string): Promise<number | undefined> {
  const row = await t.db.selectFrom('channel_availability as a')
    .innerJoin('channels as c', 'c.id', 'a.channel_id')
    .innerJoin('skus as s', 's.id', 'a.sku_id')
    .select('a.available')
    .where('c.code', '=', channel).where('s.code', '=', sku)
    .executeTakeFirst();
  return row?.available;
}

async function expectNoDrift(): Promise<void> {
  const check = await runChecks(t.db);
  expect(check.lines.filter((l) => !l.startsWith('ok')), check.lines.join('\n')).toEqual([]);
}

describe('published channel availability', () => {
  it('follows a change of a channel\'s presale window and a location being closed', async () => {
    // Given 5 on hand at WH-P and 3 expected there in 10 days, and a channel without presale
    await t.http('POST', '/v1/skus', { body: { code: 'PUB-1', name: 'Pub 1' } });
    const wh = (await t.http('POST', '/v1/locations', { body: { code: 'WH-P', name: 'WH P', type: 'warehouse' } })).body;
    const channel = (await t.http('POST', '/v1/channels', { body: { code: 'PUB', name: 'Pub', type: 'web', currency: 'EUR' } })).body;
    expect((await t.http('POST', '/v1/stock/receipts', { body: { location: 'WH-P', lines: [{ sku: 'PUB-1', quantity: 5 }] } })).status).toBe(201);
    const expectedOn = new Date(Date.now() + 10 * 86400_000).toISOString().slice(0, 10);
    expect((await t.http('POST', '/v1/supply', { body: { type: 'purchase_order', reference: 'PO-P', location: 'WH-P', expectedOn, lines: [{ sku: 'PUB-1', quantity: 3 }] } })).status).toBe(201);
    expect(await published('PUB', 'PUB-1')).toBe(5);

    // When the channel may promise supply expected within 30 days, then it publishes 5 + 3
    expect((await t.http('PATCH', `/v1/channels/${channel.id}`, { body: { policy: { presaleDays: 30 } } })).status).toBe(200);
    expect(await published('PUB', 'PUB-1')).toBe(8);
    await expectNoDrift();

    // When the only location closes, then nothing is promised
    expect((await t.http('PATCH', `/v1/locations/${wh.id}`, { body: { active: false } })).status).toBe(200);
    expect(await published('PUB', 'PUB-1')).toBe((await t.http('GET', '/v1/availability?sku=PUB-1&channel=PUB')).body.data[0].channel.available);
    await expectNoDrift();
  });
});

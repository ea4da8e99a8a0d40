/**
 * Capture's batch write defers its stock signals (ADR 0013, migration 0041): the stock trigger records the change in
 * stock_signals_pending, the batch publishes it after its commit and before it answers, and the jobs' sweep publishes
 * what a server stopped between the two left behind. `ordo check` leaves pending SKUs out of "published is current"
 * and reports a change left unpublished for minutes.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { runChecks } from '../src/check.js';
import { publishPendingSignals } from '../src/inventory/index.js';
import { startJobs } from '../src/jobs/jobs.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

beforeAll(() => seedOrderWorld(t));
afterAll(async () => {
  const report = await runChecks(t.db);
  expect(report.lines.filter((l) => !l.startsWith('ok')), report.lines.join('\n')).toEqual([]);
});

async function published(sku: string): Promise<number | undefined> {
  const row = await t.db.selectFrom('channel_availability as a')
    .innerJoin('channels as c', 'c.id', 'a.channel_id').innerJoin('skus as s', 's.id', 'a.sku_id')
    .select('a.available').where('c.code', '=', 'WEB').where('s.code', '=', sku).executeTakeFirst();
  return row?.available;
}

async function current(sku: string): Promise<number> {
  return (await t.http('GET', `/v1/availability?sku=${sku}&channel=WEB`)).body.data[0].channel.available as number;
}

const pendingRows = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM stock_signals_pending`.execute(t.db)).rows[0]?.n);

async function problems(): Promise<string[]> {
  return (await runChecks(t.db)).lines.filter((l) => !l.startsWith('ok'));
}

describe('deferred stock signals', () => {
  it('a batch of captures has published its numbers and events when it answers', async () => {
    const before = await published('ORD-A');
    const answers = await Promise.all(Array.from({ length: 40 }, () =>
      t.http('POST', '/v1/orders', { body: anOrder({}, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 1000 }]) })));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(201));
    // Read right after the last answer: nothing left to publish, and the number is the true one.
    expect(await pendingRows()).toBe(0);
    expect(await published('ORD-A')).toBe((before ?? 0) - 40);
    expect(await published('ORD-A')).toBe(await current('ORD-A'));
    const last = await sql<{ available: string }>`
      SELECT payload->>'available' AS available FROM outbox_events
      WHERE type = 'inventory.availability_changed' AND payload->>'sku' = 'ORD-A' AND payload->>'channel' = 'WEB'
      ORDER BY id DESC LIMIT 1`.execute(t.db);
    expect(Number(last.rows[0]?.available)).toBe((before ?? 0) - 40);
  });

  it('a change left pending is published by the sweep; until then ordo check leaves it out, after minutes it reports it', async () => {
    const before = await published('ORD-C');
    // A transaction that deferred its signals and committed, as a capture batch whose server stopped before publishing.
    await t.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('ordo.defer_signals', 'on', true)`.execute(trx);
      await sql`UPDATE stock_levels SET safety_stock = safety_stock + 7
        WHERE sku_id = (SELECT id FROM skus WHERE code = 'ORD-C')`.execute(trx);
    });
    expect(await pendingRows()).toBe(1);
    expect(await published('ORD-C')).toBe(before);
    expect(await current('ORD-C')).toBe((before ?? 0) - 7);
    expect(await problems()).toEqual([]);

    // Left for minutes, it is reported.
    await sql`UPDATE stock_signals_pending SET created_at = now() - interval '6 minutes'`.execute(t.db);
    expect((await problems()).join('\n')).toMatch(/waited more than 5 minutes to be published/);

    // The sweep publishes it: the number is current, with its event, and nothing is pending.
    expect(await publishPendingSignals(t.db)).toBe(1);
    expect(await pendingRows()).toBe(0);
    expect(await published('ORD-C')).toBe((before ?? 0) - 7);
    expect(await problems()).toEqual([]);

    await sql`UPDATE stock_levels SET safety_stock = safety_stock - 7 WHERE sku_id = (SELECT id FROM skus WHERE code = 'ORD-C')`.execute(t.db);
    expect(await published('ORD-C')).toBe(before);
  });

  it('the running jobs\' beat publishes a change left pending within seconds, with no one calling the sweep', async () => {
    const before = await published('ORD-C');
    const jobs = await startJobs({ db: t.db, databaseUrl: t.database.url, logger: pino({ level: 'silent' }), idempotencyTtlHours: 24, backorderNudgeMs: 100 });
    try {
      await t.db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('ordo.defer_signals', 'on', true)`.execute(trx);
        await sql`UPDATE stock_levels SET safety_stock = safety_stock + 5 WHERE sku_id = (SELECT id FROM skus WHERE code = 'ORD-C')`.execute(trx);
      });
      await expect.poll(() => published('ORD-C'), { timeout: 10_000, interval: 50 }).toBe((before ?? 0) - 5);
      expect(await pendingRows()).toBe(0);
    } finally {
      await jobs.stop();
    }
    await sql`UPDATE stock_levels SET safety_stock = safety_stock - 5 WHERE sku_id = (SELECT id FROM skus WHERE code = 'ORD-C')`.execute(t.db);
    expect(await published('ORD-C')).toBe(before);
  });

  it('a publish waits for a pending row another run holds, so it never returns before that row is published', async () => {
    const before = await published('ORD-C');
    await t.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('ordo.defer_signals', 'on', true)`.execute(trx);
      await sql`UPDATE stock_levels SET safety_stock = safety_stock + 3 WHERE sku_id = (SELECT id FROM skus WHERE code = 'ORD-C')`.execute(trx);
    });
    let waiting: Promise<number> | undefined;
    let returned = false;
    // Another run (the sweep, say) takes the row and has not committed yet.
    await t.db.transaction().execute(async (trx) => {
      await sql`SELECT ordo_publish_pending(200)`.execute(trx);
      waiting = publishPendingSignals(t.db).then((n) => { returned = true; return n; });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(returned).toBe(false);
    });
    // Once that run commits, this one returns, with nothing left to take, and the number is published.
    expect(await waiting).toBe(0);
    expect(await pendingRows()).toBe(0);
    expect(await published('ORD-C')).toBe((before ?? 0) - 3);
    await sql`UPDATE stock_levels SET safety_stock = safety_stock - 3 WHERE sku_id = (SELECT id FROM skus WHERE code = 'ORD-C')`.execute(t.db);
    expect(await published('ORD-C')).toBe(before);
  });

  it('without the setting a stock change publishes in its own statement, as before', async () => {
    const before = await published('ORD-DUP');
    await sql`UPDATE stock_levels SET safety_stock = safety_stock + 2 WHERE sku_id = (SELECT id FROM skus WHERE code = 'ORD-DUP')`.execute(t.db);
    expect(await pendingRows()).toBe(0);
    expect(await published('ORD-DUP')).toBe((before ?? 0) - 2);
    await sql`UPDATE stock_levels SET safety_stock = safety_stock - 2 WHERE sku_id = (SELECT id FROM skus WHERE code = 'ORD-DUP')`.execute(t.db);
  });
});

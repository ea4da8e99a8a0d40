/** The relay's SQL on its own: dispatch positions, coalescing while a delivery is in flight, and the cleanup job. */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { jobHandlers } from '../src/jobs/jobs.js';
import { claimDeliveries, dispatchEvents, settleDeliveries, upsertSink } from '../src/integration/relay.repository.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

beforeAll(async () => {
  await seedOrderWorld(t);
  await upsertSink(t.db, { sink: 'nats', kind: 'nats', eventTypes: ['*'] });
  while ((await dispatchEvents(t.db, 500)) !== 0) { /* the world's events */ }
});

const outcome = (deliveryId: number, outboxId: number) => ({
  deliveryId, outboxId, delivered: true, statusCode: null, latencyMs: 1, error: null, responseExcerpt: null, retryAt: null,
});

describe('dispatch', () => {
  it('numbers events in outbox order, without gaps, and fans each out to the sinks that want it', async () => {
    const order = (await t.http('POST', '/v1/orders', { body: anOrder() })).body as { id: string };
    const before = await sql<{ position: number }>`SELECT position FROM relay_state`.execute(t.db);
    const n = await dispatchEvents(t.db, 500);
    expect(n).toBeGreaterThanOrEqual(3);
    const rows = await t.db.selectFrom('outbox_events').select(['id', 'position']).where('position', '>', before.rows[0]!.position).orderBy('id').execute();
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => before.rows[0]!.position + i + 1));
    const deliveries = await t.db.selectFrom('event_deliveries').select(['type']).where('aggregate_id', '=', order.id).orderBy('outbox_id').execute();
    expect(deliveries.map((d) => d.type)).toEqual(['order.received', 'order.confirmed', 'order.allocated']);
    expect(await dispatchEvents(t.db, 500)).toBe(0);
  });
});

describe('coalesced availability', () => {
  it('a newer number replaces the pending one; a delivery in flight with the older one stays pending for the newer', async () => {
    const receive = () => t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-B', quantity: 1 }] } });
    const pending = () => t.db.selectFrom('event_deliveries').select(['id', 'outbox_id', 'aggregate_version', 'status'])
      .where('sink', '=', 'nats').where('type', '=', 'inventory.availability_changed').where('status', '=', 'pending').execute();
    // Deliver whatever is pending first, so the pairs start clean.
    for (let c = await claimDeliveries(t.db, 500, 60_000, ['nats']); c.length > 0; c = await claimDeliveries(t.db, 500, 60_000, ['nats'])) {
      await settleDeliveries(t.db, c.map((d) => outcome(d.id, d.event.id)));
    }
    await receive();
    await dispatchEvents(t.db, 500);
    const [first] = (await pending()).filter((d) => d.aggregate_version > 0);
    expect(first).toBeDefined();
    const inFlight = (await claimDeliveries(t.db, 500, 60_000, ['nats'])).find((d) => d.id === first!.id)!;
    await receive();
    await dispatchEvents(t.db, 500);
    const moved = (await pending()).find((d) => d.id === first!.id)!;
    expect(moved.aggregate_version).toBeGreaterThan(first!.aggregate_version);
    // The older number arrives; its delivery stays pending for the newer one.
    await settleDeliveries(t.db, [outcome(inFlight.id, inFlight.event.id)]);
    expect((await pending()).find((d) => d.id === first!.id)).toMatchObject({ status: 'pending', outbox_id: moved.outbox_id });
  });
});

describe('events.cleanup', () => {
  it('removes settled deliveries and relayed events past the retention, and keeps what a pending delivery needs', async () => {
    while ((await dispatchEvents(t.db, 500)) !== 0) { /* everything relayed */ }
    const claimed = await claimDeliveries(t.db, 10_000, 60_000, ['nats']);
    const [keep, ...rest] = claimed;
    await settleDeliveries(t.db, rest.map((d) => outcome(d.id, d.event.id)));
    await sql`UPDATE outbox_events SET relayed_at = relayed_at - interval '30 days'`.execute(t.db);
    await sql`UPDATE event_deliveries SET delivered_at = delivered_at - interval '30 days' WHERE status = 'delivered'`.execute(t.db);
    const result = await jobHandlers({ db: t.db, idempotencyTtlHours: 24, eventRetentionHours: 24 })['events.cleanup']();
    expect(result.deliveries).toBeGreaterThan(0);
    expect(result.events).toBeGreaterThan(0);
    const left = await t.db.selectFrom('outbox_events').select('id').execute();
    expect(left.map((r) => r.id)).toContain(keep!.event.id);
    const pendingLeft = await t.db.selectFrom('event_deliveries').select('outbox_id').where('status', '=', 'pending').execute();
    for (const d of pendingLeft) expect(left.map((r) => r.id)).toContain(d.outbox_id);
    const report = await runChecks(t.db);
    expect(report.lines.filter((l) => l.startsWith('DRIFT'))).toEqual([]);
  });

  it('ordo check reports a pending delivery whose event is gone', async () => {
    const row = await t.db.selectFrom('event_deliveries').select(['id', 'outbox_id']).where('status', '=', 'pending').executeTakeFirstOrThrow();
    const gone = await sql`UPDATE event_deliveries SET outbox_id = -1 WHERE id = ${row.id}`.execute(t.db);
    expect(Number(gone.numAffectedRows)).toBe(1);
    const report = await runChecks(t.db);
    expect(report.lines).toContain('DRIFT every pending delivery has its event in the outbox');
    await sql`UPDATE event_deliveries SET outbox_id = ${row.outbox_id} WHERE id = ${row.id}`.execute(t.db);
  });
});

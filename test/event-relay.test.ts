/**
 * The relay's SQL and rounds on their own: dispatch positions, the sinks' cursors (nothing written per delivered
 * event), coalescing within a round and while a delivery is held, a lost lease, and the cleanup job. NATS is played
 * by a recording sink here (test/nats.test.ts has the real one).
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import type { EventEnvelope } from '../src/integration/event.js';
import type { NatsSink } from '../src/integration/nats-sink.js';
import { claimDeliveries, dispatchEvents, settleDeliveries, upsertSink } from '../src/integration/relay.repository.js';
import { startRelay } from '../src/integration/relay.js';
import { endRound, leaseSinks } from '../src/integration/sink-cursor.repository.js';
import { jobHandlers } from '../src/jobs/jobs.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

/** NATS as a list: `down` makes every publish fail. */
class FakeNats implements NatsSink {
  published: EventEnvelope[] = [];
  down = false;
  publish(event: EventEnvelope) {
    if (this.down) return Promise.reject(new Error('NATS is down'));
    this.published.push(event);
    return Promise.resolve();
  }
  publishAll(events: readonly EventEnvelope[]) {
    if (this.down) return Promise.resolve(events.map(() => 'NATS is down'));
    this.published.push(...events);
    return Promise.resolve(events.map(() => null));
  }
  close() { return Promise.resolve(); }
}

const nats = new FakeNats();
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined };
const drain = async () => {
  const r = startRelay({ db: t.db, logger: quiet, nats, webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, maxPollMs: 20, backoff: { firstMs: 10, maxMs: 10 } });
  await r.drain();
  await r.stop();
};
const receive = () => t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-B', quantity: 1 }] } });
const heldRows = () => t.db.selectFrom('event_deliveries').select(['id', 'outbox_id', 'aggregate_id', 'aggregate_version', 'status', 'attempts'])
  .where('sink', '=', 'nats').where('status', '=', 'pending').orderBy('outbox_id').execute();
const natsCursor = async () => Number((await sql<{ position: string }>`SELECT position FROM event_sinks WHERE sink = 'nats'`.execute(t.db)).rows[0]!.position);
const outcome = (deliveryId: number, outboxId: number) => ({
  deliveryId, outboxId, delivered: true, statusCode: null, latencyMs: 1, error: null, responseExcerpt: null, retryAt: null,
});

beforeAll(async () => {
  await seedOrderWorld(t);
  await upsertSink(t.db, { sink: 'nats', kind: 'nats', eventTypes: ['*'] });
  await drain();
});

describe('dispatch and the cursors', () => {
  it('numbers events in outbox order, without gaps; a sink delivers them through its cursor and writes no row per event', async () => {
    const order = (await t.http('POST', '/v1/orders', { body: anOrder() })).body as { id: string };
    const before = await sql<{ position: number }>`SELECT position FROM relay_state`.execute(t.db);
    const n = await dispatchEvents(t.db, 500);
    expect(n).toBeGreaterThanOrEqual(3);
    const rows = await t.db.selectFrom('outbox_events').select(['id', 'position']).where('position', '>', before.rows[0]!.position).orderBy('id').execute();
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => before.rows[0]!.position + i + 1));
    expect(await dispatchEvents(t.db, 500)).toBe(0);
    const deliveriesBefore = await t.db.selectFrom('event_deliveries').select('id').execute();
    await drain();
    expect(nats.published.filter((e) => e.aggregateId === order.id).map((e) => e.type)).toEqual(['order.received', 'order.confirmed', 'order.allocated']);
    expect(await natsCursor()).toBe(before.rows[0]!.position + rows.length);
    expect(await t.db.selectFrom('event_deliveries').select('id').execute()).toHaveLength(deliveriesBefore.length);
  });

  it('dispatchers racing on several connections number each event once, and no reader ever sees a gap', async () => {
    const base = Number((await sql<{ position: string }>`SELECT position FROM relay_state`.execute(t.db)).rows[0]!.position);
    let writing = true;
    const gaps: string[] = [];
    const writes = (async () => {
      await Promise.all(Array.from({ length: 40 }, () => receive()));
      writing = false;
    })();
    // Four dispatchers at once (ordo_dispatch_events takes the turn and numbers in one statement), small batches.
    const dispatchers = Array.from({ length: 4 }, async () => {
      let none = 0;
      while (writing || none < 3) none = (await dispatchEvents(t.db, 7)) === 0 ? none + 1 : 0;
    });
    // A reader by position (the live stream's and the cursors' way): what it sees has no hole at any moment.
    const reader = (async () => {
      while (writing) {
        const r = await sql<{ n: string; top: string | null }>`
          SELECT count(*) AS n, max(position) AS top FROM outbox_events WHERE position > ${base}`.execute(t.db);
        const { n, top } = r.rows[0]!;
        if (top !== null && Number(top) - base !== Number(n)) gaps.push(`${n} events up to ${top}`);
      }
    })();
    await Promise.all([writes, ...dispatchers, reader]);
    expect(gaps).toEqual([]);
    const rows = await t.db.selectFrom('outbox_events').select(['id', 'position']).where('position', '>', base).orderBy('position').execute();
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(rows.map((r) => Number(r.position))).toEqual(rows.map((_, i) => base + i + 1));
    expect(await t.db.selectFrom('outbox_events').select('id').where('relayed_at', 'is', null).execute()).toEqual([]);
    await drain();
  });

  it('a relay whose lease ran out cannot move the cursor another relay has taken since', async () => {
    await t.http('POST', '/v1/orders', { body: anOrder() });
    await dispatchEvents(t.db, 500);
    const [mine] = await leaseSinks(t.db, ['nats'], 1);
    expect(mine).toBeDefined();
    await new Promise((r) => setTimeout(r, 10));
    const [theirs] = await leaseSinks(t.db, ['nats'], 60_000);
    expect(theirs?.token).not.toBe(mine!.token);
    expect(await endRound(t.db, { sink: 'nats', token: mine!.token, position: mine!.head, held: [], log: null })).toBe(false);
    expect(await natsCursor()).toBe(mine!.position);
    expect(await endRound(t.db, { sink: 'nats', token: theirs!.token, position: theirs!.head, held: [], log: null })).toBe(true);
    expect(await natsCursor()).toBe(theirs!.head);
  });
});

describe('the relay\'s loops', () => {
  it('what the dispatcher numbers goes out at once: delivery does not wait for its own poll', async () => {
    // Both loops poll every 400 ms at best here: without the dispatcher waking delivery, an event would wait for
    // the delivery loop's own poll, 0-400 ms after it was numbered.
    // The first round takes 200 ms, so the delivery loop's own polls fall half-way between the dispatcher's.
    const arrived = new Map<string, number>();
    let slow = true;
    const timed: NatsSink = {
      publish: () => Promise.resolve(),
      publishAll: async (events) => {
        for (const e of events) arrived.set(e.id, Date.now());
        if (slow && events.length > 0) {
          slow = false;
          await new Promise((r) => setTimeout(r, 200));
        }
        return events.map(() => null);
      },
      close: () => Promise.resolve(),
    };
    await drain();
    const relay = startRelay({ db: t.db, logger: quiet, nats: timed, webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, minPollMs: 400, maxPollMs: 400 });
    try {
      const waits: number[] = [];
      for (let i = 0; i < 6; i++) {
        const order = (await t.http('POST', '/v1/orders', { body: anOrder() })).body as { id: string };
        const deadline = Date.now() + 5_000;
        let row: { event_id: string; relayed_at: Date | null } | undefined;
        while (Date.now() < deadline) {
          row = await t.db.selectFrom('outbox_events').select(['event_id', 'relayed_at'])
            .where('aggregate_id', '=', order.id).where('type', '=', 'order.received').executeTakeFirst();
          if (row?.relayed_at && arrived.has(row.event_id)) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        waits.push(arrived.get(row!.event_id)! - row!.relayed_at!.getTime());
      }
      expect(waits.slice(1).filter((w) => w > 150)).toEqual([]);
    } finally {
      await relay.stop();
    }
  });
});

describe('coalesced availability', () => {
  it('a round sends only the newest number of each (channel, SKU)', async () => {
    const from = nats.published.length;
    for (let i = 0; i < 4; i++) await receive();
    await drain();
    const sent = nats.published.slice(from).filter((e) => e.type === 'inventory.availability_changed' && (e.data as { sku?: string }).sku === 'ORD-B');
    const written = await t.db.selectFrom('outbox_events').select(['aggregate_id', 'aggregate_version'])
      .where('type', '=', 'inventory.availability_changed').where('position', '>', 0).orderBy('id', 'desc').limit(8).execute();
    expect(sent.map((e) => e.aggregateId).sort()).toEqual([...new Set(written.map((w) => w.aggregate_id))].sort());
    for (const e of sent) expect(e.aggregateVersion).toBe(Math.max(...written.filter((w) => w.aggregate_id === e.aggregateId).map((w) => w.aggregate_version)));
  });

  it('a failed delivery is held as one row per (channel, SKU), moved to newer numbers; one in flight with the older stays pending for the newer', async () => {
    nats.down = true;
    await receive();
    await dispatchEvents(t.db, 500);
    const [lease] = await leaseSinks(t.db, ['nats'], 60_000);
    expect(lease).toBeDefined();
    // The round's attempt fails: the availability events become held rows, and the cursor moves on.
    const { runSinkRound } = await import('../src/integration/sink-round.js');
    const senders = { webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, nats, notifications: null, connectors: null };
    const options = { db: t.db, senders, batch: 500, leaseMs: 60_000, backoff: { firstMs: 0, maxMs: 0, giveUpAfterMs: Infinity } };
    await runSinkRound(options, lease!);
    expect(await natsCursor()).toBe(lease!.head);
    const first = await heldRows();
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((d) => d.attempts === 1)).toBe(true);
    nats.down = false;
    // The retry path has the older number in flight when a newer one is written and reaches the sink's round.
    const inFlight = await claimDeliveries(t.db, 500, 60_000, ['nats']);
    expect(inFlight.length).toBe(first.length);
    await receive();
    await dispatchEvents(t.db, 500);
    const [next] = await leaseSinks(t.db, ['nats'], 60_000);
    const from = nats.published.length;
    await runSinkRound(options, next!);
    // Waiting behind the held one, not sent; the held row moved to the newer number.
    expect(nats.published.slice(from).filter((e) => e.type === 'inventory.availability_changed' && (e.data as { sku?: string }).sku === 'ORD-B')).toEqual([]);
    const moved = await heldRows();
    for (const d of first) expect(moved.find((m) => m.id === d.id)!.aggregate_version).toBeGreaterThan(d.aggregate_version);
    // The older number arrives; its delivery stays pending for the newer one, which goes next.
    await settleDeliveries(t.db, inFlight.map((d) => outcome(d.id, d.event.id)));
    expect((await heldRows()).map((d) => d.id).sort()).toEqual(first.map((d) => d.id).sort());
    await drain();
    expect(await heldRows()).toEqual([]);
    const last = nats.published.filter((e) => e.type === 'inventory.availability_changed' && (e.data as { sku?: string }).sku === 'ORD-B');
    for (const d of moved) expect(last.filter((e) => e.aggregateId === d.aggregate_id).at(-1)!.aggregateVersion).toBe(d.aggregate_version);
  });
});

describe('events.cleanup', () => {
  it('removes settled deliveries and relayed events past the retention; keeps what a pending delivery or a sink\'s cursor needs', async () => {
    await drain();
    // A pending delivery (a replay, say) of an old event, and a sink whose cursor is behind.
    const [keep] = await t.db.selectFrom('outbox_events').select(['id', 'event_id', 'type', 'aggregate_type', 'aggregate_id', 'aggregate_version', 'position']).orderBy('id').limit(1).execute();
    await sql`INSERT INTO event_deliveries (sink, outbox_id, event_id, type, aggregate_type, aggregate_id, aggregate_version)
      VALUES ('nats', ${keep!.id}, ${keep!.event_id}, ${keep!.type}, ${keep!.aggregate_type}, ${keep!.aggregate_id}, ${keep!.aggregate_version})`.execute(t.db);
    await t.http('POST', '/v1/orders', { body: anOrder() });
    await dispatchEvents(t.db, 500);
    const behind = await natsCursor();
    await sql`UPDATE event_sinks SET active = false WHERE sink = 'nats'`.execute(t.db);
    await sql`UPDATE outbox_events SET relayed_at = relayed_at - interval '30 days'`.execute(t.db);
    await sql`UPDATE event_deliveries SET delivered_at = delivered_at - interval '30 days' WHERE status = 'delivered'`.execute(t.db);
    const result = await jobHandlers({ db: t.db, idempotencyTtlHours: 24, eventRetentionHours: 24 })['events.cleanup']();
    expect(result.deliveries).toBeGreaterThan(0);
    expect(result.events).toBeGreaterThan(0);
    const left = await t.db.selectFrom('outbox_events').select(['id', 'position']).execute();
    expect(left.map((r) => r.id)).toContain(keep!.id);
    expect(left.filter((r) => r.position !== null && r.position > behind).length).toBeGreaterThan(0);
    expect(left.filter((r) => r.position !== null && r.position <= behind && r.id !== keep!.id)).toEqual([]);
    await sql`UPDATE event_sinks SET active = true WHERE sink = 'nats'`.execute(t.db);
    const report = await runChecks(t.db);
    expect(report.lines.filter((l) => l.startsWith('DRIFT'))).toEqual([]);
  });

  it('ordo check reports a pending delivery whose event is gone, and a cursor past the relay', async () => {
    const row = await t.db.selectFrom('event_deliveries').select(['id', 'outbox_id']).where('status', '=', 'pending').executeTakeFirstOrThrow();
    const gone = await sql`UPDATE event_deliveries SET outbox_id = -1 WHERE id = ${row.id}`.execute(t.db);
    expect(Number(gone.numAffectedRows)).toBe(1);
    await sql`UPDATE event_sinks SET position = position + 1000 WHERE sink = 'nats'`.execute(t.db);
    const report = await runChecks(t.db);
    expect(report.lines).toContain('DRIFT every pending delivery has its event in the outbox');
    expect(report.lines).toContain('DRIFT no sink\'s cursor is past the relay\'s position, and the events after every cursor are still in the outbox');
    await sql`UPDATE event_sinks SET position = position - 1000 WHERE sink = 'nats'`.execute(t.db);
    await sql`UPDATE event_deliveries SET outbox_id = ${row.outbox_id} WHERE id = ${row.id}`.execute(t.db);
  });
});

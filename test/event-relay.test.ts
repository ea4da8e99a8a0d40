/**
 * The relay's SQL and rounds on their own: the sinks' cursors in the relay's (tx, id) order (nothing written per
 * delivered event), an event committed late, an aggregate whose later event's transaction took its id first, relays
 * racing with writers, coalescing within a round and while a delivery is held, a lost lease, and the cleanup job.
 * NATS is played by a recording sink here (test/nats.test.ts has the real one).
 */
import pg from 'pg';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { eventTypes, type EventEnvelope } from '../src/integration/event.js';
import type { NatsSink } from '../src/integration/nats-sink.js';
import { eventsAfter } from '../src/integration/event-stream.repository.js';
import { claimDeliveries, settleDeliveries, upsertSink } from '../src/integration/relay.repository.js';
import type { RelayKey } from '../src/integration/relay-order.js';
import { startRelay } from '../src/integration/relay.js';
import { endRound, leaseSinks } from '../src/integration/sink-cursor.repository.js';
import { jobHandlers } from '../src/jobs/jobs.js';
import { untilOutboxReadable, useTestApp } from './harness.js';
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
const drain = async (opts?: { unreadableMs?: number }) => {
  const r = startRelay({ db: t.db, logger: quiet, nats, webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, maxPollMs: 20, backoff: { firstMs: 10, maxMs: 10 } });
  await r.drain(opts);
  await r.stop();
};
const receive = () => t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-B', quantity: 1 }] } });
const heldRows = () => t.db.selectFrom('event_deliveries').select(['id', 'outbox_id', 'aggregate_id', 'aggregate_version', 'status', 'attempts'])
  .where('sink', '=', 'nats').where('status', '=', 'pending').orderBy('outbox_id').execute();
const natsCursor = async (): Promise<RelayKey> => {
  const row = (await sql<{ after_tx: string; after_id: string }>`SELECT after_tx, after_id FROM event_sinks WHERE sink = 'nats'`.execute(t.db)).rows[0]!;
  return { tx: row.after_tx, id: Number(row.after_id) };
};
/** Leases NATS once its events can be read (autovacuum's ANALYZE, a writer too, may hold them back a moment). */
async function leaseNats(leaseMs: number) {
  for (const until = Date.now() + 5_000; ;) {
    const [lease] = await leaseSinks(t.db, ['nats'], leaseMs);
    if (lease || Date.now() > until) return lease;
    await new Promise((r) => setTimeout(r, 10));
  }
}
/** The events after `key` in the relay's order that can be read now, as the stream reads them. */
const keysAfter = async (key: RelayKey) => (await sql<{ id: string; tx: string }>`
  SELECT id, tx FROM outbox_events WHERE (tx, id) > (${key.tx}::xid8, ${key.id}::bigint) AND tx < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY tx, id`.execute(t.db)).rows;
/** A transaction of its own on a connection of its own: statements run in it until commit. */
async function openTransaction() {
  const client = new pg.Client({ connectionString: t.database.url });
  await client.connect();
  await client.query('BEGIN');
  return {
    /** Writes an `integration.webhook_disabled` event of aggregate `aggregate` (a UUID) at `version`; returns its id. */
    async event(aggregate: string, version: number) {
      return Number((await client.query<{ id: string }>(insertEvent, [aggregate, version])).rows[0]!.id);
    },
    async commit() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}
const insertEvent = `
  INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
  VALUES ('integration.webhook_disabled', 'webhook_subscription', $1::uuid::text, $2,
          jsonb_build_object('subscriptionId', $1::uuid, 'url', 'https://example.com/hook', 'reason', 'a test of the relay'))
  RETURNING id`;
const published = (aggregate: string) => nats.published.filter((e) => e.aggregateId === aggregate).map((e) => e.aggregateVersion);
const outcome = (deliveryId: number, outboxId: number) => ({
  deliveryId, outboxId, delivered: true, statusCode: null, latencyMs: 1, error: null, responseExcerpt: null, retryAt: null,
});

beforeAll(async () => {
  await seedOrderWorld(t);
  await upsertSink(t.db, { sink: 'nats', kind: 'nats', eventTypes: ['*'] });
  await drain();
});

describe('the cursors in the relay\'s order', () => {
  it('a sink reads events through its cursor, in the relay\'s order, and writes no row per event', async () => {
    const before = await natsCursor();
    const order = (await t.http('POST', '/v1/orders', { body: anOrder() })).body as { id: string };
    const written = await t.db.selectFrom('outbox_events').select(['id', 'tx']).where('aggregate_id', '=', order.id).orderBy('id').execute();
    expect(written.length).toBe(3);
    const deliveriesBefore = await t.db.selectFrom('event_deliveries').select('id').execute();
    await drain();
    expect(nats.published.filter((e) => e.aggregateId === order.id).map((e) => e.type)).toEqual(['order.received', 'order.confirmed', 'order.allocated']);
    // The cursor passed everything that could be read: nothing is left after it, the order's events are behind it.
    const after = await natsCursor();
    expect(await keysAfter(after)).toEqual([]);
    expect((await keysAfter(before)).map((r) => Number(r.id))).toEqual(expect.arrayContaining(written.map((w) => w.id)));
    expect(await t.db.selectFrom('event_deliveries').select('id').execute()).toHaveLength(deliveriesBefore.length);
  });

  it('an event committed late is delivered; an aggregate\'s events go in id order when a later one\'s transaction took its id first', async () => {
    const [a, b, c, e] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await drain();
    // T2 takes its transaction id first, then T0 (which stays open), then T1 writes and commits version 1 of A.
    const t2 = await openTransaction();
    await t2.event(b, 1);
    const t0 = await openTransaction();
    const late = await t0.event(c, 1);
    const t1 = await openTransaction();
    const a1 = await t1.event(a, 1);
    await t1.commit();
    // T2 then writes version 2 of A (after A's version 1 committed: a higher id, a lower transaction id) and an event
    // with a higher id than T0's, and commits while T0 is still open.
    const a2 = await t2.event(a, 2);
    const after = await t2.event(e, 1);
    expect(a1).toBeLessThan(a2);
    expect(late).toBeLessThan(after);
    await t2.commit();
    // T0 stays open: what it holds back cannot be read, wait for it only two seconds.
    await drain({ unreadableMs: 2_000 });
    // What T2 wrote (its transaction ended, and every one before it) went out, with a higher id than T0's event...
    expect(published(b)).toEqual([1]);
    expect(published(e)).toEqual([1]);
    // ...but not A's version 2: version 1 (a later transaction, still behind T0) has to go first. It waits as a row.
    expect(published(a)).toEqual([]);
    expect((await heldRows()).map((r) => r.outbox_id)).toContain(a2);
    expect(published(c)).toEqual([]);
    // Operations see what holds the relay back: T0, open for two seconds at least (the drain waited for it).
    const metrics = (await t.http('GET', '/metrics')).body as string;
    expect(Number(/^ordo_relay_held_back_seconds (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    await t0.commit();
    await drain();
    // T0's event, committed after later ones were delivered, is delivered; A's versions in order.
    expect(published(c)).toEqual([1]);
    expect(published(a)).toEqual([1, 2]);
    expect(await heldRows()).toEqual([]);
  });

  it('relays racing on several connections with writers: every event delivered, each aggregate in order, and a reader by key sees each once', async () => {
    const base = await natsCursor();
    const from = nats.published.length;
    let writing = true;
    const writes = (async () => {
      await Promise.all([
        ...Array.from({ length: 30 }, () => receive()),
        ...Array.from({ length: 10 }, () => t.http('POST', '/v1/orders', { body: anOrder() })),
      ]);
      // The reader stops after a few reads that find nothing new: not while a transaction elsewhere in the cluster
      // (another test file's) holds the written events back from every reader (ADR 0010).
      await untilOutboxReadable(t.db);
      writing = false;
    })();
    // Four relays at once (each leases the sink for its round; the others skip it), small batches.
    const relays = Array.from({ length: 4 }, () => startRelay({
      db: t.db, logger: quiet, nats, webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, batchSize: 7, minPollMs: 1, maxPollMs: 5,
    }));
    // A reader by key (the live stream's way), as fast as it can: what it sees, each event once.
    const seen: string[] = [];
    const reader = (async () => {
      let at = base;
      let limit = 11;
      for (let quiet = 0; writing || quiet < 3;) {
        const read = await eventsAfter(t.db, at, eventTypes, limit);
        seen.push(...read.events.map((e) => e.event_id));
        const moved = read.upTo.tx !== at.tx || read.upTo.id !== at.id;
        quiet = !moved && !read.full ? quiet + 1 : 0;
        // As the stream does: held at an event whose aggregate's earlier event lies past a full read, read further.
        limit = read.full && !moved ? limit * 4 : 11;
        at = read.upTo;
      }
    })();
    await Promise.all([writes, reader]);
    for (const r of relays) await r.drain();
    await Promise.all(relays.map((r) => r.stop()));
    const written = await sql<{ event_id: string; aggregate_id: string; aggregate_version: number; type: string }>`
      SELECT event_id, aggregate_id, aggregate_version, type FROM outbox_events WHERE (tx, id) > (${base.tx}::xid8, ${base.id}::bigint) ORDER BY id`.execute(t.db);
    expect(written.rows.length).toBeGreaterThan(60);
    // The reader saw every event written since it started, each once: none skipped, none twice; each aggregate's in
    // id order (written is in id order). The reader is held back at times at an aggregate's event whose earlier one
    // lies ahead (capture's transaction takes its id before it locks a (channel, SKU)): without that, this fails.
    expect([...seen].sort()).toEqual(written.rows.map((w) => w.event_id).sort());
    const place = new Map(seen.map((id, i) => [id, i]));
    const byAggregate = new Map<string, number[]>();
    for (const w of written.rows) byAggregate.set(w.aggregate_id, [...(byAggregate.get(w.aggregate_id) ?? []), place.get(w.event_id)!]);
    for (const places of byAggregate.values()) expect(places).toEqual([...places].sort((a, b) => a - b));
    // Every event reached NATS (availability coalesced: at least the newest of each (channel, SKU) did) ...
    const sent = nats.published.slice(from);
    const sentIds = new Set(sent.map((x) => x.id));
    for (const w of written.rows) if (w.type !== 'inventory.availability_changed') expect(sentIds.has(w.event_id)).toBe(true);
    const newest = new Map<string, number>();
    for (const w of written.rows) if (w.type === 'inventory.availability_changed') newest.set(w.aggregate_id, Math.max(newest.get(w.aggregate_id) ?? 0, w.aggregate_version));
    for (const [aggregate, version] of newest) expect(sent.filter((x) => x.aggregateId === aggregate).at(-1)?.aggregateVersion).toBe(version);
    // ... and each aggregate's versions never went backwards.
    const last = new Map<string, number>();
    for (const x of sent) {
      expect(x.aggregateVersion).toBeGreaterThanOrEqual(last.get(x.aggregateId) ?? 0);
      last.set(x.aggregateId, x.aggregateVersion);
    }
  });

  it('a relay whose lease ran out cannot move the cursor another relay has taken since', async () => {
    await t.http('POST', '/v1/orders', { body: anOrder() });
    const mine = await leaseNats(1);
    expect(mine).toBeDefined();
    await new Promise((r) => setTimeout(r, 10));
    const theirs = await leaseNats(60_000);
    expect(theirs?.token).not.toBe(mine!.token);
    const [last] = (await keysAfter(mine!.after)).slice(-1);
    const to = { tx: last!.tx, id: Number(last!.id) };
    expect(await endRound(t.db, { sink: 'nats', token: mine!.token, to, held: [], log: null })).toBe(false);
    expect(await natsCursor()).toEqual(mine!.after);
    expect(await endRound(t.db, { sink: 'nats', token: theirs!.token, to, held: [], log: null })).toBe(true);
    expect(await natsCursor()).toEqual(to);
  });
});

describe('coalesced availability', () => {
  it('a round sends only the newest number of each (channel, SKU)', async () => {
    const from = nats.published.length;
    for (let i = 0; i < 4; i++) await receive();
    // Coalescing is per round: wait until all four can be read in one.
    await untilOutboxReadable(t.db);
    await drain();
    const sent = nats.published.slice(from).filter((e) => e.type === 'inventory.availability_changed' && (e.data as { sku?: string }).sku === 'ORD-B');
    const written = await t.db.selectFrom('outbox_events').select(['aggregate_id', 'aggregate_version'])
      .where('type', '=', 'inventory.availability_changed').orderBy('id', 'desc').limit(8).execute();
    expect(sent.map((e) => e.aggregateId).sort()).toEqual([...new Set(written.map((w) => w.aggregate_id))].sort());
    for (const e of sent) expect(e.aggregateVersion).toBe(Math.max(...written.filter((w) => w.aggregate_id === e.aggregateId).map((w) => w.aggregate_version)));
  });

  it('a failed delivery is held as one row per (channel, SKU), moved to newer numbers; one in flight with the older stays pending for the newer', async () => {
    nats.down = true;
    await receive();
    const lease = await leaseNats(60_000);
    expect(lease).toBeDefined();
    // The round's attempt fails: the availability events become held rows, and the cursor moves on.
    const { runSinkRound } = await import('../src/integration/sink-round.js');
    const senders = { webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, nats, notifications: null, connectors: null };
    const options = { db: t.db, senders, batch: 500, leaseMs: 60_000, backoff: { firstMs: 0, maxMs: 0, giveUpAfterMs: Infinity } };
    await runSinkRound(options, lease!);
    expect(await keysAfter(await natsCursor())).toEqual([]);
    const first = await heldRows();
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((d) => d.attempts === 1)).toBe(true);
    nats.down = false;
    // The retry path has the older number in flight when a newer one is written and reaches the sink's round.
    const inFlight = await claimDeliveries(t.db, 500, 60_000, ['nats']);
    expect(inFlight.length).toBe(first.length);
    await receive();
    const next = await leaseNats(60_000);
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
    const [keep] = await t.db.selectFrom('outbox_events').select(['id', 'event_id', 'type', 'aggregate_type', 'aggregate_id', 'aggregate_version']).orderBy('id').limit(1).execute();
    await sql`INSERT INTO event_deliveries (sink, outbox_id, event_id, type, aggregate_type, aggregate_id, aggregate_version)
      VALUES ('nats', ${keep!.id}, ${keep!.event_id}, ${keep!.type}, ${keep!.aggregate_type}, ${keep!.aggregate_id}, ${keep!.aggregate_version})`.execute(t.db);
    await t.http('POST', '/v1/orders', { body: anOrder() });
    const behind = await natsCursor();
    await sql`UPDATE event_sinks SET active = false WHERE sink = 'nats'`.execute(t.db);
    await sql`UPDATE outbox_events SET created_at = created_at - interval '30 days'`.execute(t.db);
    await sql`UPDATE event_deliveries SET delivered_at = delivered_at - interval '30 days' WHERE status = 'delivered'`.execute(t.db);
    const result = await jobHandlers({ db: t.db, idempotencyTtlHours: 24, eventRetentionHours: 24 })['events.cleanup']();
    expect(result.deliveries).toBeGreaterThan(0);
    expect(result.events).toBeGreaterThan(0);
    const left = (await sql<{ id: string; passed: boolean }>`
      SELECT id, (tx, id) <= (${behind.tx}::xid8, ${behind.id}::bigint) AS passed FROM outbox_events`.execute(t.db)).rows;
    expect(left.map((r) => Number(r.id))).toContain(keep!.id);
    expect(left.filter((r) => !r.passed).length).toBeGreaterThan(0);
    expect(left.filter((r) => r.passed && Number(r.id) !== keep!.id)).toEqual([]);
    await sql`UPDATE event_sinks SET active = true WHERE sink = 'nats'`.execute(t.db);
    const report = await runChecks(t.db);
    expect(report.lines.filter((l) => l.startsWith('DRIFT'))).toEqual([]);
  });

  it('ordo check reports a pending delivery whose event is gone, and a cursor past what the relay may read', async () => {
    const row = await t.db.selectFrom('event_deliveries').select(['id', 'outbox_id']).where('status', '=', 'pending').executeTakeFirstOrThrow();
    const gone = await sql`UPDATE event_deliveries SET outbox_id = -1 WHERE id = ${row.id}`.execute(t.db);
    expect(Number(gone.numAffectedRows)).toBe(1);
    const cursor = await natsCursor();
    await sql`UPDATE event_sinks SET after_tx = (pg_snapshot_xmin(pg_current_snapshot())::text::bigint + 1000)::text::xid8 WHERE sink = 'nats'`.execute(t.db);
    const report = await runChecks(t.db);
    expect(report.lines).toContain('DRIFT every pending delivery has its event in the outbox');
    expect(report.lines).toContain('DRIFT no sink\'s cursor is past what the relay may read');
    await sql`UPDATE event_sinks SET after_tx = ${cursor.tx}::xid8 WHERE sink = 'nats'`.execute(t.db);
    await sql`UPDATE event_deliveries SET outbox_id = ${row.outbox_id} WHERE id = ${row.id}`.execute(t.db);
  });
});

/**
 * NATS JetStream as a sink, on the real nats-server at 127.0.0.1:4222 (NATS_TEST_URL to point elsewhere). Unreachable
 * NATS fails these tests; it never skips them. The relay talks to NATS through a TCP proxy this test opens and closes,
 * to play NATS going down and coming back.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { AckPolicy, connect, JSONCodec, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsSink } from '../src/integration/nats-sink.js';
import { upsertSink } from '../src/integration/relay.repository.js';
import { startRelay } from '../src/integration/relay.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const target = new URL(process.env.NATS_TEST_URL ?? 'nats://127.0.0.1:4222');
const run = randomBytes(4).toString('hex');
const stream = `ORDO_TEST_${run}`;
const prefix = `ordotest${run}`;
const codec = JSONCodec<{ id: string; type: string; aggregateId: string; aggregateVersion: number }>();

/** A TCP proxy in front of NATS: `down()` cuts every connection and refuses new ones, `up()` lets them through again. */
class Proxy {
  server: net.Server | null = null;
  sockets = new Set<net.Socket>();
  port = 0;
  async up() {
    this.server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 4222), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => { client.destroy(); upstream.destroy(); });
        s.on('close', () => { this.sockets.delete(s); client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  async down() {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = null;
  }
}

const proxy = new Proxy();
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined };
let nc: NatsConnection;
const capture = async () => {
  const res = await t.http('POST', '/v1/orders', { body: anOrder() });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
};
const eventIdsOf = async (orderId: string) =>
  (await t.db.selectFrom('outbox_events').select('event_id').where('aggregate_id', '=', orderId).orderBy('id').execute()).map((e) => e.event_id);
const until = async (what: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

beforeAll(async () => {
  nc = await connect({ servers: target.host, timeout: 5_000 });
  await seedOrderWorld(t);
  await proxy.up();
  await upsertSink(t.db, { sink: 'nats', kind: 'nats', eventTypes: ['order.*'] });
});
afterAll(async () => {
  await proxy.down();
  const jsm = await nc?.jetstreamManager();
  await jsm?.streams.delete(stream).catch(() => undefined);
  await nc?.close();
});

describe('NATS JetStream', () => {
  it('publishes each event once under its id (Nats-Msg-Id), and a durable consumer reads on where it stopped', async () => {
    const sink = natsSink(`nats://127.0.0.1:${proxy.port}`, { stream, subjectPrefix: prefix });
    const relay = startRelay({ db: t.db, logger: quiet, nats: sink, webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, maxPollMs: 20 });
    try {
      const first = await capture();
      await relay.drain();
      const jsm = await nc.jetstreamManager();
      await jsm.consumers.add(stream, { durable_name: 'erp', ack_policy: AckPolicy.Explicit, filter_subject: `${prefix}.order.>` });
      const consumer = await nc.jetstream().consumers.get(stream, 'erp');
      const read = async (n: number) => {
        const got: { msgId: string | undefined; subject: string; id: string; type: string }[] = [];
        for (let i = 0; i < n; i++) {
          const m = await consumer.next({ expires: 5_000 });
          if (!m) break;
          const e = codec.decode(m.data);
          got.push({ msgId: m.headers?.get('Nats-Msg-Id'), subject: m.subject, id: e.id, type: e.type });
          m.ack();
        }
        return got;
      };
      const firstEvents = await read(3);
      expect(firstEvents.map((e) => e.id)).toEqual(await eventIdsOf(first.id));
      expect(firstEvents.every((e) => e.msgId === e.id && e.subject === `${prefix}.${e.type}`)).toBe(true);
      expect(firstEvents.map((e) => e.type)).toEqual(['order.received', 'order.confirmed', 'order.allocated']);

      // Published again (a relay killed before it recorded the publish): JetStream drops the duplicate by its id.
      const before = (await jsm.streams.info(stream)).state.messages;
      const row = await t.db.selectFrom('outbox_events').selectAll().where('event_id', '=', firstEvents[0]!.id).executeTakeFirstOrThrow();
      const { toEnvelope } = await import('../src/integration/event.js');
      await sink.publish(toEnvelope(row));
      expect((await jsm.streams.info(stream)).state.messages).toBe(before);

      const second = await capture();
      await relay.drain();
      expect((await read(3)).map((e) => e.id)).toEqual(await eventIdsOf(second.id));
    } finally {
      await relay.stop();
      await sink.close();
    }
  });

  it('NATS down: orders are still taken, events wait in the outbox and flow when NATS is back', async () => {
    const sink = natsSink(`nats://127.0.0.1:${proxy.port}`, { stream, subjectPrefix: prefix, timeoutMs: 1_000 });
    await proxy.down();
    const relay = startRelay({
      db: t.db, logger: quiet, nats: sink,
      webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, maxPollMs: 20, backoff: { firstMs: 50, maxMs: 200 },
    });
    try {
      const orders = [await capture(), await capture()];
      // Each order's events are held for the retry path once their first publish failed.
      const waiting = () => t.db.selectFrom('event_deliveries').select(['last_error', 'attempts']).where('sink', '=', 'nats').where('status', '=', 'pending').execute();
      await until(async () => (await waiting()).filter((d) => d.attempts > 0).length >= 2);
      await new Promise((r) => setTimeout(r, 100));
      expect((await waiting()).length).toBe(6);
      await proxy.up();
      await until(async () => (await t.db.selectFrom('event_deliveries').select('id').where('sink', '=', 'nats').where('status', '=', 'pending').execute()).length === 0);
      const consumer = await nc.jetstream().consumers.get(stream, 'erp');
      const got: string[] = [];
      for (let i = 0; i < 6; i++) {
        const m = await consumer.next({ expires: 5_000 });
        if (!m) break;
        got.push(codec.decode(m.data).id);
        m.ack();
      }
      expect(got.sort()).toEqual([...(await eventIdsOf(orders[0]!.id)), ...(await eventIdsOf(orders[1]!.id))].sort());
    } finally {
      await relay.stop();
      await sink.close();
    }
  });
});

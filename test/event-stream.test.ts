/** The live stream: server-sent events over a real socket, resumed with Last-Event-ID. */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../src/integration/relay.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
let base = '';
let relay: Relay;

interface Sse { id: string; event: string; data: { id: string; type: string; aggregateId: string } }

/** The relay's order of two SSE ids (`tx.id`, ADR 0010). */
const byKey = (a: string, b: string) => {
  const [at, ai] = a.split('.').map(BigInt) as [bigint, bigint];
  const [bt, bi] = b.split('.').map(BigInt) as [bigint, bigint];
  return at !== bt ? (at < bt ? -1 : 1) : ai === bi ? 0 : ai < bi ? -1 : 1;
};

/**
 * Reads the stream until `enough` says so, reconnecting with the last id seen when the server ends it (as EventSource
 * does; the test app ends streams after 3 s); returns the events.
 */
async function read(key: string, headers: Record<string, string>, enough: (events: Sse[]) => boolean): Promise<Sse[]> {
  const events: Sse[] = [];
  const end = Date.now() + 20_000;
  let lastId = headers['last-event-id'];
  while (Date.now() < end) {
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/events/stream`, {
      headers: { authorization: `Bearer ${key}`, ...(lastId === undefined ? {} : { 'last-event-id': lastId }) }, signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          // As EventSource: an id is kept even from a block without data (the stream's first block says where it starts).
          lastId = field('id') ?? lastId;
          if (field('data')) events.push({ id: lastId!, event: field('event')!, data: JSON.parse(field('data')!) as Sse['data'] });
        }
        if (enough(events)) return events;
      }
    } finally {
      controller.abort();
    }
  }
  throw new Error(`the stream did not bring what was expected; got ${events.map((e) => e.event).join(', ')}`);
}

const capture = async () => {
  const res = await t.http('POST', '/v1/orders', { body: anOrder() });
  expect(res.status).toBe(201);
  return res.body as { id: string };
};

beforeAll(async () => {
  await seedOrderWorld(t);
  relay = startRelay({ db: t.db, logger: { error: () => undefined, warn: () => undefined, info: () => undefined }, webhook: { timeoutMs: 1_000, allowPrivateAddresses: true }, maxPollMs: 20 });
  await relay.drain();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await relay.stop();
});

describe('GET /v1/events/stream', () => {
  it('needs a key', async () => {
    expect((await fetch(`${base}/v1/events/stream`)).status).toBe(401);
    expect((await t.http('GET', '/v1/events/stream', { headers: { 'last-event-id': 'abc' } })).status).toBe(400);
  });

  it('streams new events as they are relayed, and resumes after Last-Event-ID with nothing skipped', async () => {
    let order = { id: '' };
    const live = read(t.keys.viewer, {}, (events) => events.filter((e) => e.data.aggregateId === order.id).length === 3);
    await new Promise((r) => setTimeout(r, 200));
    order = await capture();
    const first = (await live).filter((e) => e.data.aggregateId === order.id);
    expect(first.map((e) => e.event)).toEqual(['order.received', 'order.confirmed', 'order.allocated']);
    expect(first.map((e) => e.data.type)).toEqual(first.map((e) => e.event));
    const ids = first.map((e) => e.id);
    expect(ids).toEqual([...ids].sort(byKey));

    // Disconnected: two orders happen meanwhile; the client comes back with the last id it saw.
    const missed = [await capture(), await capture()];
    await relay.drain();
    const resumed = await read(t.keys.viewer, { 'last-event-id': first.at(-1)!.id }, (events) =>
      missed.every((o) => events.filter((e) => e.data.aggregateId === o.id).length === 3));
    expect(resumed.every((e) => byKey(e.id, first.at(-1)!.id) > 0)).toBe(true);
    expect(resumed.filter((e) => e.data.aggregateId === order.id)).toEqual([]);
    const keys = resumed.map((e) => e.id);
    expect(keys).toEqual([...keys].sort(byKey));
    // Stock moved too: the viewer may read inventory, so its availability events are in the stream.
    expect(resumed.some((e) => e.event === 'inventory.availability_changed')).toBe(true);
  });
});

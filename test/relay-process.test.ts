/**
 * The relay with real processes. Kill-and-restart: `ordo serve` is killed (SIGKILL) while a webhook delivery is in
 * flight, started again on the same data folder, and the event arrives with the same id. A relay of its own:
 * `ordo serve` with RELAY=off delivers nothing, `ordo relay` beside it delivers, and stops on SIGTERM. Needs
 * `npm run build` (npm test runs it).
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { startOrdoRelay, startOrdoServer, type OrdoServer } from './ordo-process.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordo-relay-'));
chmodSync(dir, 0o755);
const dataDir = path.join(dir, 'data');
const children: ChildProcess[] = [];
const saved = { private: process.env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES, timeout: process.env.WEBHOOK_TIMEOUT_MS };

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  for (const [name, value] of [['WEBHOOK_ALLOW_PRIVATE_ADDRESSES', saved.private], ['WEBHOOK_TIMEOUT_MS', saved.timeout]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

interface Arrival { id: string; type: string; verified: boolean }

/**
 * A webhook endpoint that records each event and whether its signature verifies with `secret()`; it answers 204 unless
 * `answer` (called on each arrival) says not to answer at all.
 */
function webhookReceiver(secret: () => string, arrivals: Arrival[], answer: () => boolean = () => true): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const event = JSON.parse(body) as { id: string; type: string };
      let verified = false;
      try {
        new Webhook(secret()).verify(body, req.headers as Record<string, string>);
        verified = true;
      } catch { /* recorded as unverified */ }
      arrivals.push({ id: event.id, type: event.type, verified });
      if (answer()) res.writeHead(204).end();
    });
  });
}

describe('a server killed mid-delivery', () => {
  it('loses nothing: after a restart the event arrives, with the same event id', { timeout: 180_000 }, async () => {
    // The servers (child processes) deliver to this test's receiver on 127.0.0.1, and lease a delivery for 7 s.
    process.env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = 'on';
    process.env.WEBHOOK_TIMEOUT_MS = '1000';
    let server: OrdoServer | null = null;
    let secret = '';
    const arrivals: Arrival[] = [];
    let killOnFirst = true;
    const receiver = webhookReceiver(() => secret, arrivals, () => {
      if (!killOnFirst) return true;
      // The server dies while this delivery waits for its answer.
      killOnFirst = false;
      server?.child.kill('SIGKILL');
      return false;
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      server = await startOrdoServer(dataDir, children);
      const key = /^\s+(ordo_[A-Za-z0-9_-]{43})$/m.exec(server.output())?.[1];
      expect(key).toBeDefined();
      const call = async (s: OrdoServer, method: string, url: string, body: unknown) => {
        const res = await fetch(`${s.url}${url}`, {
          method, headers: { authorization: `Bearer ${key!}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const sub = await call(server, 'POST', '/v1/webhook-subscriptions', {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, eventTypes: ['location.*', 'order.received'],
      });
      // A module without events (location.*) would match nothing: refused, like a misspelt type.
      expect(sub.status, JSON.stringify(sub.body)).toBe(400);
      const made = await call(server, 'POST', '/v1/webhook-subscriptions', {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, eventTypes: ['order.received'],
      });
      expect(made.status).toBe(201);
      secret = made.body.secret as string;
      expect((await call(server, 'POST', '/v1/skus', { code: 'KILL-1', name: 'Kill test' })).status).toBe(201);
      expect((await call(server, 'POST', '/v1/locations', { code: 'KWH', name: 'Warehouse', type: 'warehouse' })).status).toBe(201);
      expect((await call(server, 'POST', '/v1/channels', { code: 'KWEB', name: 'Web', type: 'web', currency: 'EUR' })).status).toBe(201);
      expect((await call(server, 'POST', '/v1/stock/receipts', { location: 'KWH', lines: [{ sku: 'KILL-1', quantity: 5 }] })).status).toBe(201);
      const order = await call(server, 'POST', '/v1/orders', {
        channel: 'KWEB', externalRef: 'KILL-ORDER-1', currency: 'EUR', customer: { email: 'k@example.com', name: 'K' },
        shippingAddress: { name: 'K', line1: 'Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
        lines: [{ sku: 'KILL-1', quantity: 1, unitPriceMinor: 1000 }], shippingMinor: 0,
        totals: { subtotalMinor: 1000, discountMinor: 0, shippingMinor: 0, taxMinor: 0, totalMinor: 1000 },
      });
      expect(order.status, JSON.stringify(order.body)).toBe(201);

      const dead = server;
      expect(await dead.exited).toBeNull();
      expect(arrivals).toHaveLength(1);

      server = await startOrdoServer(dataDir, children);
      const end = Date.now() + 60_000;
      while (arrivals.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(arrivals).toHaveLength(2);
      expect(arrivals[1]).toEqual({ ...arrivals[0], verified: true });
      expect(arrivals[0]).toMatchObject({ type: 'order.received', verified: true });
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});

describe('ordo relay beside a server with RELAY=off', () => {
  it('delivers the webhooks the server does not, and stops cleanly on SIGTERM', { timeout: 180_000 }, async () => {
    process.env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = 'on';
    process.env.WEBHOOK_TIMEOUT_MS = '5000';
    let secret = '';
    const arrivals: Arrival[] = [];
    const receiver = webhookReceiver(() => secret, arrivals);
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const ownDir = path.join(dir, 'relay-data');
    try {
      const server = await startOrdoServer(ownDir, children, { RELAY: 'off' });
      const key = /^\s+(ordo_[A-Za-z0-9_-]{43})$/m.exec(server.output())?.[1];
      expect(key).toBeDefined();
      const call = async (method: string, url: string, body: unknown) => {
        const res = await fetch(`${server.url}${url}`, {
          method, headers: { authorization: `Bearer ${key!}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const made = await call('POST', '/v1/webhook-subscriptions', {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, eventTypes: ['order.received'],
      });
      expect(made.status).toBe(201);
      secret = made.body.secret as string;
      expect((await call('POST', '/v1/skus', { code: 'REL-1', name: 'Relay test' })).status).toBe(201);
      expect((await call('POST', '/v1/locations', { code: 'RWH', name: 'Warehouse', type: 'warehouse' })).status).toBe(201);
      expect((await call('POST', '/v1/channels', { code: 'RWEB', name: 'Web', type: 'web', currency: 'EUR' })).status).toBe(201);
      expect((await call('POST', '/v1/stock/receipts', { location: 'RWH', lines: [{ sku: 'REL-1', quantity: 5 }] })).status).toBe(201);
      const order = await call('POST', '/v1/orders', {
        channel: 'RWEB', externalRef: 'RELAY-ORDER-1', currency: 'EUR', customer: { email: 'r@example.com', name: 'R' },
        shippingAddress: { name: 'R', line1: 'Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
        lines: [{ sku: 'REL-1', quantity: 1, unitPriceMinor: 1000 }], shippingMinor: 0,
        totals: { subtotalMinor: 1000, discountMinor: 0, shippingMinor: 0, taxMinor: 0, totalMinor: 1000 },
      });
      expect(order.status, JSON.stringify(order.body)).toBe(201);

      // The server relays nothing.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(arrivals).toEqual([]);

      // `ordo relay` on the same data folder shares the server's embedded database and delivers.
      const relay = await startOrdoRelay(ownDir, children);
      const end = Date.now() + 30_000;
      while (arrivals.length < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(arrivals).toEqual([{ id: expect.any(String) as string, type: 'order.received', verified: true }]);
      // It runs nothing else: no HTTP listener, no jobs.
      expect(relay.output()).not.toMatch(/"url":"http/);

      relay.child.kill('SIGTERM');
      expect(await relay.exited).toBe(0);
      expect(relay.output()).toMatch(/"msg":"stopped"/);
      // The server (and its database) is untouched by the relay's stop.
      expect((await call('POST', '/v1/skus', { code: 'REL-2', name: 'After the relay' })).status).toBe(201);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});

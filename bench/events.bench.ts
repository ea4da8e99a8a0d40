/**
 * `npm run bench:events`: the outbox relay under capture at full rate, on a fresh embedded PostgreSQL (or DATABASE_URL).
 *
 * Phases of POST /v1/orders at 32 clients (3-line orders, as bench:orders), alternating the relay off and on in the
 * same run: capture orders/s with the relay off and on; with it on, commit-to-delivery latency (the event's
 * `occurredAt`, its transaction's start, to its arrival) at a local webhook receiver subscribed to `order.*`, and at a
 * NATS subscriber when NATS answers at NATS_URL (default nats://127.0.0.1:4222); after each relay-off phase, the
 * relay is started on the backlog it left: webhook deliveries per second to the fast local receiver.
 * The receiver and the NATS subscriber run in the server's process (they take some of its CPU).
 * CPU per order (PostgreSQL's processes and the server's main thread, in ms of one core), which a loaded machine
 * does not distort as it does throughput: of capture in a relay-off window, and of the relay delivering that
 * phase's backlog (every order's events dispatched, claimed, sent and settled) — the relay's own cost per order.
 *
 * Knobs: BENCH_SECONDS (8), BENCH_ROUNDS (2), BENCH_CONCURRENCY (32), NATS_URL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection } from 'nats';
import { natsSink, startRelay, upsertSink, type NatsSink, type Relay } from '../src/integration/index.js';
import { apiClient, fmt, machineLine, mainThreadCpuProbe, markdownTable, percentile, runLoad, runMain, startBenchServer, type CpuProbe } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = (line: string) => console.error(line);

function captureBodies(skus: readonly string[], channel: string, run: string, count = 500): string[] {
  return Array.from({ length: count }, (_, i) => {
    const picked = new Set<string>();
    while (picked.size < 3) picked.add(skus[Math.floor(Math.random() * skus.length)] as string);
    const lines = [...picked].map((sku) => ({ sku, quantity: 1, unitPriceMinor: 990 + Math.floor(Math.random() * 9000) }));
    const subtotal = lines.reduce((a, l) => a + l.quantity * l.unitPriceMinor, 0);
    return JSON.stringify({
      channel, externalRef: `EV-${run}-{{seq}}`, currency: 'EUR', customer: { email: `ev-${run}-{{seq}}@example.com`, name: 'Anna Schmidt' },
      shippingAddress: { name: 'Anna Schmidt', line1: `Hauptstraße ${1 + (i % 90)}`, city: 'Berlin', postalCode: '10115', country: 'DE' },
      lines, shippingMinor: 495,
      totals: { subtotalMinor: subtotal, discountMinor: 0, shippingMinor: 495, taxMinor: 0, totalMinor: subtotal + 495 },
      payment: { method: 'card', authorizedMinor: subtotal + 495 },
    });
  });
}

/** Arrival minus occurredAt, per event id (a redelivery keeps the first). */
class Latencies {
  byId = new Map<string, number>();
  record(body: string) {
    const e = JSON.parse(body) as { id: string; occurredAt: string };
    if (!this.byId.has(e.id)) this.byId.set(e.id, Date.now() - Date.parse(e.occurredAt));
  }
  summary() {
    const sorted = Float64Array.from(this.byId.values()).sort();
    return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
}

async function main(): Promise<number> {
  const server = await startBenchServer({ env: { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', RELAY: 'off', JOBS: 'off' } });
  const api = apiClient(server.url, server.key);
  let relay: Relay | null = null;
  let nc: NatsConnection | null = null;
  let sink: NatsSink | null = null;
  const webhook = new Latencies();
  const nats = new Latencies();
  let received = 0;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => { received++; webhook.record(body); res.writeHead(204).end(); });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const prefix = `E${Date.now().toString(36).toUpperCase()}`;
    const skus = Array.from({ length: 300 }, (_, i) => `${prefix}-S${i}`);
    await api.expect(200, 'POST', '/v1/skus/bulk', { items: skus.map((code) => ({ code, name: code })) });
    await api.expect(201, 'POST', '/v1/locations', { code: `${prefix}-WH`, name: 'bench warehouse', type: 'warehouse' });
    await api.expect(201, 'POST', '/v1/stock/receipts', { location: `${prefix}-WH`, lines: skus.map((sku) => ({ sku, quantity: 100_000_000 })) });
    const channel = `${prefix}-WEB`;
    await api.expect(201, 'POST', '/v1/channels', { code: channel, name: 'bench web', type: 'web', currency: 'EUR', orderNumberPrefix: 'EW' });
    await api.expect(201, 'POST', '/v1/webhook-subscriptions', {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, eventTypes: ['order.*'],
    });
    try {
      nc = await connect({ servers: new URL(NATS_URL).host, timeout: 2_000 });
      const stream = `ORDO_BENCH_${prefix}`;
      const subject = `ordobench${prefix.toLowerCase()}`;
      nc.subscribe(`${subject}.order.>`, { callback: (_err, m) => nats.record(new TextDecoder().decode(m.data)) });
      sink = natsSink(NATS_URL, { stream, subjectPrefix: subject });
      await upsertSink(server.db, { sink: 'nats', kind: 'nats', eventTypes: ['order.*'] });
      log(`NATS at ${NATS_URL}: publishing to stream ${stream}`);
    } catch (e) {
      log(`NATS at ${NATS_URL} not reachable (${String(e)}): webhooks only`);
    }
    const relayOn = () => startRelay({ db: server.db, logger: { error: (x: unknown) => log(String(x)), warn: () => undefined, info: () => undefined }, nats: sink, webhook: { timeoutMs: 15_000, allowPrivateAddresses: true } });
    const rows: string[][] = [];
    const probes: Record<string, CpuProbe> = { server: mainThreadCpuProbe };
    if (server.postgresCpu) probes.postgres = server.postgresCpu;
    const cpuNow = () => ({ server: mainThreadCpuProbe(), postgres: server.postgresCpu?.() ?? Number.NaN });
    const perOrder = (seconds: number, orders: number) => (Number.isFinite(seconds) && orders > 0 ? fmt((seconds * 1000) / orders, 2) : '—');
    const cpuCells = (pg: string, node: string) => `${pg} / ${node}`;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const on of [false, true]) {
        if (on) { webhook.byId.clear(); nats.byId.clear(); relay = relayOn(); }
        const load = await runLoad({
          url: server.url, key: server.key, method: 'POST', path: '/v1/orders', bodies: captureBodies(skus, channel, `r${round}${on ? 'on' : 'off'}`),
          concurrency: CONCURRENCY, warmupMs: 1_000, durationMs: SECONDS * 1_000,
        }, probes);
        // CPU seconds per second of the window, times the window, per order answered in it.
        const windowCpu = (name: string) => ((load.cpu[name] ?? Number.NaN) * load.windowMs) / 1000;
        const captureCpu = cpuCells(perOrder(windowCpu('postgres'), load.measured), perOrder(windowCpu('server'), load.measured));
        if (on) {
          await relay!.drain();
          await new Promise((r) => setTimeout(r, 500));
          const w = webhook.summary();
          const n = nats.summary();
          rows.push([String(round), 'on', fmt(load.perSecond), fmt(percentile(load.latenciesMs, 99), 1), captureCpu,
            `${fmt(w.p50)} / ${fmt(w.p99)} (${w.n})`, sink ? `${fmt(n.p50)} / ${fmt(n.p99)} (${n.n})` : '—', '', '']);
          await relay!.stop();
          relay = null;
        } else {
          // The backlog this phase left, delivered by a relay started on it: deliveries per second.
          const before = received;
          const cpu0 = cpuNow();
          const t0 = performance.now();
          relay = relayOn();
          await relay.drain();
          const perSecond = (received - before) / ((performance.now() - t0) / 1000);
          const cpu1 = cpuNow();
          await relay.stop();
          relay = null;
          // Every order of the phase (warm-up and drain included) left its events: the backlog is `load.ok` orders.
          const relayCpu = cpuCells(perOrder(cpu1.postgres - cpu0.postgres, load.ok), perOrder(cpu1.server - cpu0.server, load.ok));
          rows.push([String(round), 'off', fmt(load.perSecond), fmt(percentile(load.latenciesMs, 99), 1), captureCpu, '', '',
            `${fmt(perSecond)} (${received - before})`, relayCpu]);
        }
        log(`round ${round} relay ${on ? 'on' : 'off'}: ${fmt(load.perSecond)} orders/s`);
      }
    }
    console.log(machineLine(server.pgVersion, server.embedded));
    console.log(markdownTable(
      ['round', 'relay', 'capture orders/s', 'capture p99 ms', 'capture CPU ms/order (PostgreSQL / server thread)', 'webhook latency p50 / p99 ms (events)',
        'NATS latency p50 / p99 ms (events)', 'backlog delivered/s (webhooks)', 'relay CPU ms/order on the backlog (PostgreSQL / server thread)'],
      rows,
    ));
    return 0;
  } finally {
    await relay?.stop();
    await sink?.close();
    await nc?.close();
    receiver.close();
    api.close();
    await server.stop();
  }
}

runMain(main);

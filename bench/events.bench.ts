/**
 * `npm run bench:events`: the outbox relay under capture at full rate, on a fresh embedded PostgreSQL (or DATABASE_URL).
 *
 * Phases of POST /v1/orders at 32 clients (3-line orders, as bench:orders), alternating three ways in the same run:
 * the relay off; on in the server's process (`ordo serve` with RELAY=on, the default); and on in a process of its own
 * (`ordo relay` as a child process on the same database, the server as with RELAY=off). Capture orders/s of each, and
 * the on ÷ off ratio of each round. With the relay on, commit-to-delivery latency (the event's `occurredAt`, its
 * transaction's start, to its arrival) at a local webhook receiver subscribed to `order.*`, and at a NATS subscriber
 * when NATS answers at NATS_URL (default nats://127.0.0.1:4222); after each relay-off phase, the relay is started in
 * the server's process on the backlog it left: webhook deliveries per second to the fast local receiver.
 * The receiver and the NATS subscriber run in a child process of their own (this file with --sinks), as another
 * system would: their work is not charged to Ordo's server; they report their latencies at the end of each phase.
 * CPU per order (PostgreSQL's processes, the server's main thread and the `ordo relay` process, in ms of one core),
 * which a loaded machine does not distort as it does throughput: of capture in each window, and of the relay
 * delivering a relay-off phase's backlog (every order's events dispatched, claimed, sent and settled) — the relay's
 * own cost per order. And the share of each window the server's main thread (and the relay process's) was runnable
 * but waiting for a CPU: how much the machine's load held them back.
 *
 * Knobs: BENCH_SECONDS (8), BENCH_ROUNDS (2), BENCH_CONCURRENCY (32), NATS_URL, BENCH_RELAY_NODE_ARGS (Node flags of the
 * `ordo relay` process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_RELAY_MIN_POLL_MS (the relay in the server's
 * process: its `minPollMs`).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { connect, type NatsConnection } from 'nats';
import type { Db } from '../src/db/database.js';
import { natsSink, startRelay, upsertSink, type NatsSink, type Relay } from '../src/integration/index.js';
import { apiClient, fmt, machineLine, mainThreadCpuProbe, mainThreadCpuWaitProbe, markdownTable, percentile, runLoad, runMain, startBenchServer, type CpuProbe } from './lib.js';

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

interface LatencySummary { n: number; p50: number; p99: number }
interface SinksReport { received: number; webhook: LatencySummary; nats: LatencySummary }
type SinksRequest = { id: number; kind: 'reset' | 'report' };

/** The child process (`--sinks`): the webhook receiver and the NATS subscriber, reporting to the bench over IPC. */
async function runSinks(): Promise<void> {
  const send = (msg: unknown) => process.send?.(msg);
  const webhook = new Latencies();
  const nats = new Latencies();
  let received = 0;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => { received++; webhook.record(body); res.writeHead(204).end(); });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  let nc: NatsConnection | null = null;
  let natsProblem: string | null = null;
  try {
    nc = await connect({ servers: new URL(NATS_URL).host, timeout: 2_000 });
    nc.subscribe(`${process.env.BENCH_NATS_SUBJECT ?? 'ordobench'}.order.>`, { callback: (_err, m) => nats.record(new TextDecoder().decode(m.data)) });
    await nc.flush();
  } catch (e) {
    natsProblem = String(e);
  }
  process.on('message', (msg: SinksRequest) => {
    if (msg.kind === 'reset') { webhook.byId.clear(); nats.byId.clear(); send({ id: msg.id }); return; }
    send({ id: msg.id, report: { received, webhook: webhook.summary(), nats: nats.summary() } satisfies SinksReport });
  });
  process.on('disconnect', () => {
    receiver.close();
    void nc?.close().finally(() => process.exit(0));
    if (!nc) process.exit(0);
  });
  send({ ready: { port: (receiver.address() as AddressInfo).port, natsProblem } });
}

interface Sinks {
  port: number;
  natsProblem: string | null;
  reset(): Promise<void>;
  report(): Promise<SinksReport>;
  stop(): void;
}

async function startSinks(natsSubject: string): Promise<Sinks> {
  const child = fork(fileURLToPath(import.meta.url), ['--sinks'], { env: { ...process.env, BENCH_NATS_SUBJECT: natsSubject }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const waiting = new Map<number, (msg: { report?: SinksReport }) => void>();
  const ready = await new Promise<{ port: number; natsProblem: string | null }>((resolve, reject) => {
    child.on('message', (msg: { ready?: { port: number; natsProblem: string | null }; id?: number; report?: SinksReport }) => {
      if (msg.ready) resolve(msg.ready);
      else if (msg.id !== undefined) { waiting.get(msg.id)?.(msg); waiting.delete(msg.id); }
    });
    child.on('exit', (code) => reject(new Error(`the sinks process exited with ${code}`)));
  });
  const ask = (kind: SinksRequest['kind']) => new Promise<{ report?: SinksReport }>((resolve) => {
    const id = next++;
    waiting.set(id, resolve);
    child.send({ id, kind } satisfies SinksRequest);
  });
  return {
    ...ready,
    async reset() { await ask('reset'); },
    async report() { return (await ask('report')).report!; },
    stop() { if (child.connected) child.disconnect(); },
  };
}

/** CPU of another process (all its threads), from /proc; NaN once it has gone. */
function processCpu(pid: number): CpuProbe {
  return () => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      return ((fields[11] ?? 0) + (fields[12] ?? 0)) / 100;
    } catch {
      return Number.NaN;
    }
  };
}

/** Time another process's main thread was runnable but waiting for a CPU (Linux schedstat), in seconds; NaN once gone. */
function processCpuWait(pid: number): CpuProbe {
  return () => {
    try {
      return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ')[1]) / 1e9;
    } catch {
      return Number.NaN;
    }
  };
}

/** `ordo relay` as a child process on the bench's database; resolves once it says it runs. */
async function startRelayProcess(env: Record<string, string>): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/ordo.js');
  // BENCH_RELAY_NODE_ARGS: Node flags for the relay process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, which NODE_OPTIONS does not take).
  const nodeArgs = process.env.BENCH_RELAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, bin, 'relay'], { env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => { if (out.includes('"msg":"Ordo relay is running"')) { clearInterval(poll); resolve(); } }, 20);
    void exited.then((code) => { clearInterval(poll); reject(new Error(`ordo relay exited with ${code}:\n${out}`)); });
  });
  return {
    child,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) log(`ordo relay stopped with ${code}:\n${out}`);
      else if (/"level":(50|60)/.test(out)) log(`ordo relay logged errors:\n${out}`);
    },
  };
}

/** Waits until every active webhook and NATS sink has read every event that can be read, nothing held due. */
async function relayed(db: Db): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const left = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM event_sinks s WHERE s.active AND s.kind IN ('webhook', 'nats') AND EXISTS (
                SELECT 1 FROM outbox_events o
                WHERE (o.tx, o.id) > (s.after_tx, s.after_id) AND o.tx < pg_snapshot_xmin(pg_current_snapshot())))
        + (SELECT count(*) FROM event_deliveries d JOIN event_sinks s ON s.sink = d.sink AND s.active
           WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.kind IN ('webhook', 'nats')
             AND NOT EXISTS (SELECT 1 FROM outbox_events x
               WHERE x.aggregate_type = d.aggregate_type AND x.aggregate_id = d.aggregate_id AND x.tx >= s.after_tx
                 AND x.id < d.outbox_id AND (x.tx, x.id) > (s.after_tx, s.after_id))) AS n
    `.execute(db);
    if (Number(left.rows[0]?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the relay process did not deliver the backlog within 120 s');
}

type Mode = 'off' | 'server' | 'process';
const modeName: Record<Mode, string> = { off: 'off', server: 'in the server\'s process', process: '`ordo relay` process' };

async function main(): Promise<number> {
  const server = await startBenchServer({ env: { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', RELAY: 'off', JOBS: 'off' } });
  const api = apiClient(server.url, server.key);
  let relay: Relay | null = null;
  let sink: NatsSink | null = null;
  const prefix = `E${Date.now().toString(36).toUpperCase()}`;
  const stream = `ORDO_BENCH_${prefix}`;
  const subject = `ordobench${prefix.toLowerCase()}`;
  const sinks = await startSinks(subject);
  try {
    const skus = Array.from({ length: 300 }, (_, i) => `${prefix}-S${i}`);
    await api.expect(200, 'POST', '/v1/skus/bulk', { items: skus.map((code) => ({ code, name: code })) });
    await api.expect(201, 'POST', '/v1/locations', { code: `${prefix}-WH`, name: 'bench warehouse', type: 'warehouse' });
    await api.expect(201, 'POST', '/v1/stock/receipts', { location: `${prefix}-WH`, lines: skus.map((sku) => ({ sku, quantity: 100_000_000 })) });
    const channel = `${prefix}-WEB`;
    await api.expect(201, 'POST', '/v1/channels', { code: channel, name: 'bench web', type: 'web', currency: 'EUR', orderNumberPrefix: 'EW' });
    await api.expect(201, 'POST', '/v1/webhook-subscriptions', { url: `http://127.0.0.1:${sinks.port}/hooks`, eventTypes: ['order.*'] });
    if (sinks.natsProblem === null) {
      sink = natsSink(NATS_URL, { stream, subjectPrefix: subject });
      await upsertSink(server.db, { sink: 'nats', kind: 'nats', eventTypes: ['order.*'] });
      log(`NATS at ${NATS_URL}: publishing to stream ${stream}`);
    } else {
      log(`NATS at ${NATS_URL} not reachable (${sinks.natsProblem}): webhooks only`);
    }
    const minPollMs = process.env.BENCH_RELAY_MIN_POLL_MS ? Number(process.env.BENCH_RELAY_MIN_POLL_MS) : undefined;
    const relayOn = () => startRelay({ db: server.db, logger: { error: (x: unknown) => log(String(x)), warn: () => undefined, info: () => undefined }, nats: sink, webhook: { timeoutMs: 15_000, allowPrivateAddresses: true }, ...(minPollMs === undefined ? {} : { minPollMs }) });
    const relayProcessEnv: Record<string, string> = {
      DATABASE_URL: server.databaseUrl, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_TIMEOUT_MS: '15000',
      ...(sink ? { NATS_URL, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: subject } : { NATS_URL: '' }),
    };
    const rows: string[][] = [];
    const perSecond: Record<Mode, number[]> = { off: [], server: [], process: [] };
    const probes: Record<string, CpuProbe> = { server: mainThreadCpuProbe, serverWait: mainThreadCpuWaitProbe };
    if (server.postgresCpu) probes.postgres = server.postgresCpu;
    const cpuNow = () => ({ server: mainThreadCpuProbe(), postgres: server.postgresCpu?.() ?? Number.NaN });
    const perOrder = (seconds: number, orders: number) => (Number.isFinite(seconds) && orders > 0 ? fmt((seconds * 1000) / orders, 2) : '—');
    const latencyCell = (l: LatencySummary) => `${fmt(l.p50)} / ${fmt(l.p99)} (${l.n})`;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of ['off', 'server', 'process'] as const) {
        await sinks.reset();
        let relayProcess: Awaited<ReturnType<typeof startRelayProcess>> | null = null;
        const phaseProbes = { ...probes };
        if (mode === 'server') relay = relayOn();
        if (mode === 'process') {
          // `ordo relay` registers its configured sinks as a server does: NATS for every event type, and
          // notifications. The bench's relay in the server's process has neither: keep the same work for both (the
          // notifications sink, left inactive by the last phase, is first moved past the events of the phases since).
          await sql`UPDATE event_sinks SET after_tx = pg_snapshot_xmin(pg_current_snapshot()), after_id = 0 WHERE sink = 'notifications'`.execute(server.db);
          relayProcess = await startRelayProcess(relayProcessEnv);
          if (sink) await upsertSink(server.db, { sink: 'nats', kind: 'nats', eventTypes: ['order.*'] });
          await sql`UPDATE event_sinks SET active = false WHERE sink = 'notifications'`.execute(server.db);
          phaseProbes.relay = processCpu(relayProcess.child.pid!);
          phaseProbes.relayWait = processCpuWait(relayProcess.child.pid!);
        }
        const load = await runLoad({
          url: server.url, key: server.key, method: 'POST', path: '/v1/orders', bodies: captureBodies(skus, channel, `r${round}${mode}`),
          concurrency: CONCURRENCY, warmupMs: 1_000, durationMs: SECONDS * 1_000,
        }, phaseProbes);
        perSecond[mode].push(load.perSecond);
        // CPU seconds per second of the window, times the window, per order answered in it.
        const windowCpu = (name: string) => ((load.cpu[name] ?? Number.NaN) * load.windowMs) / 1000;
        const captureCpu = [perOrder(windowCpu('postgres'), load.measured), perOrder(windowCpu('server'), load.measured),
          mode === 'process' ? perOrder(windowCpu('relay'), load.measured) : '—'].join(' / ');
        // Share of the window each event loop was runnable but had no CPU: how much the machine's load held it back.
        const waited = [fmt(100 * (load.cpu.serverWait ?? Number.NaN)), mode === 'process' ? fmt(100 * (load.cpu.relayWait ?? Number.NaN)) : '—'].join(' / ');
        const ratio = mode === 'off' ? '' : `${fmt((100 * load.perSecond) / (perSecond.off.at(-1) ?? Number.NaN))} %`;
        if (mode !== 'off') {
          if (relay) await relay.drain();
          else await relayed(server.db);
          await new Promise((r) => setTimeout(r, 500));
          const report = await sinks.report();
          rows.push([String(round), modeName[mode], fmt(load.perSecond), ratio, fmt(percentile(load.latenciesMs, 99), 1), captureCpu, waited,
            latencyCell(report.webhook), sink ? latencyCell(report.nats) : '—', '', '']);
          await relay?.stop();
          relay = null;
          await relayProcess?.stop();
        } else {
          // The backlog this phase left, delivered by a relay started on it in the server's process: deliveries per second.
          const before = (await sinks.report()).received;
          const cpu0 = cpuNow();
          const t0 = performance.now();
          relay = relayOn();
          await relay.drain();
          const seconds = (performance.now() - t0) / 1000;
          const cpu1 = cpuNow();
          await relay.stop();
          relay = null;
          const delivered = (await sinks.report()).received - before;
          // Every order of the phase (warm-up and drain included) left its events: the backlog is `load.ok` orders.
          const relayCpu = `${perOrder(cpu1.postgres - cpu0.postgres, load.ok)} / ${perOrder(cpu1.server - cpu0.server, load.ok)}`;
          rows.push([String(round), 'off', fmt(load.perSecond), '', fmt(percentile(load.latenciesMs, 99), 1), captureCpu, waited, '', '',
            `${fmt(delivered / seconds)} (${delivered})`, relayCpu]);
        }
        log(`round ${round} relay ${modeName[mode]}: ${fmt(load.perSecond)} orders/s`);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    const ratios = (mode: Mode) => perSecond[mode].map((x, i) => (100 * x) / (perSecond.off[i] ?? Number.NaN));
    console.log(machineLine(server.pgVersion, server.embedded));
    console.log(markdownTable(
      ['round', 'relay', 'capture orders/s', 'on ÷ off', 'capture p99 ms', 'capture CPU ms/order (PostgreSQL / server thread / relay process)', 'waiting for a CPU, % of the window (server thread / relay process main thread)', 'webhook latency p50 / p99 ms (events)',
        'NATS latency p50 / p99 ms (events)', 'backlog delivered/s (webhooks)', 'relay CPU ms/order on the backlog (PostgreSQL / server thread)'],
      rows,
    ));
    console.log('');
    for (const mode of ['server', 'process'] as const) {
      console.log(`relay ${modeName[mode]}: on ÷ off ${ratios(mode).map((r) => `${fmt(r)} %`).join(', ')} (mean ${fmt(mean(ratios(mode)))} %)`);
    }
    return 0;
  } finally {
    await relay?.stop();
    await sink?.close();
    sinks.stop();
    api.close();
    await server.stop();
  }
}

if (process.argv[2] === '--sinks') void runSinks();
else runMain(main);

/**
 * `npm run bench:flash`: a flash sale over real HTTP. BUYERS buyers race for STOCK units through `POST /v1/orders`
 * (one unit each, a new customer and reference each), IN_FLIGHT requests at a time, from a worker thread:
 *
 *   one server   the sale against the in-process server;
 *   two servers  the same sale against the in-process server and a second `ordo serve` process on the same database,
 *                requests alternating between them;
 *   quotas       STOCK units spread over 5 locations, sold on 3 channels each with an allocation quota of a third
 *                (one server).
 *
 * For each: attempts/s (every answer over the time from the first request to the last answer), p50/p99 of a sale
 * (201) and of a sold-out answer (409 `insufficient_stock`), the count of every status. It then checks that exactly
 * the stock was sold (201 answers, and the orders and reservations in the database), that no answer was a 5xx, that
 * no channel sold more than its quota, and runs `ordo check` on the database. Exits 1 if any of that fails.
 *
 * A sale on a server that has just started is not what a flash sale meets: the first sale against a new process runs
 * while its connections open, its statements are planned and its code is compiled (AMD EPYC x 2, 2026-12-04: the
 * second sale on a server was faster than its first in 14 of 15 runs, by a median of 20 %; docs/benchmarks.md). So each
 * server first takes BENCH_WARMUP_SALES whole sales of its own (a SKU of their own, every check applied), shown as
 * rows of their own, before the measured scenario; 0 measures a cold server.
 *
 * Knobs: BENCH_BUYERS (10000), BENCH_STOCK (1000), BENCH_IN_FLIGHT (128), BENCH_SCENARIOS (one,two,quotas),
 * BENCH_WARMUP_SALES (1).
 * On a fresh embedded PostgreSQL, or DATABASE_URL (written to: give it a throwaway one).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import {
  apiClient, fmt, machineLine, markdownTable, percentile, runMain, startBenchServer, type ApiClient, type BenchServer,
} from './lib.js';

const BUYERS = Number(process.env.BENCH_BUYERS ?? 10_000);
const STOCK = Number(process.env.BENCH_STOCK ?? 1_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 128);
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'one,two,quotas').split(','));
const WARMUP_SALES = Number(process.env.BENCH_WARMUP_SALES ?? 1);
if (!(Number.isInteger(WARMUP_SALES) && WARMUP_SALES >= 0)) throw new Error('BENCH_WARMUP_SALES must be a whole number of 0 or more');
const WORKER_TAG = 'ordo-flash-load';
const log = (line: string) => console.error(line);

// ---------------------------------------------------------------------------------------------------------------
// The buyers (a worker thread, so that the in-process server keeps its event loop)

interface LoadInput {
  urls: string[];
  key: string;
  /** One order body per buyer. */
  bodies: string[];
  inFlight: number;
}

/** An answer: its status, latency, problem code, and when it came (ms after the first request). */
interface Answer { status: number; ms: number; code: string | null; at: number }

interface LoadOutput {
  elapsedMs: number;
  answers: Answer[];
  samples: string[];
}

async function buyers(input: LoadInput): Promise<LoadOutput> {
  const targets = input.urls.map((u) => ({
    base: new URL(u),
    agent: new http.Agent({ keepAlive: true, maxSockets: input.inFlight, maxFreeSockets: input.inFlight }),
  }));
  const answers: Answer[] = [];
  const samples: string[] = [];
  let next = 0;
  let started = performance.now();
  const one = (i: number): Promise<void> => new Promise((resolve) => {
    const target = targets[i % targets.length] as (typeof targets)[number];
    const body = input.bodies[i] as string;
    const t0 = performance.now();
    const done = (status: number, text: string) => {
      let code: string | null = null;
      if (status >= 400) {
        try {
          code = (JSON.parse(text) as { code?: string }).code ?? null;
        } catch {
          code = null;
        }
        if (status !== 409 && samples.length < 5) samples.push(`${status} ${text.slice(0, 300)}`);
      }
      const now = performance.now();
      answers.push({ status, ms: now - t0, code, at: now - started });
      resolve();
    };
    const req = http.request({
      agent: target.agent, host: target.base.hostname, port: target.base.port, method: 'POST', path: '/v1/orders',
      headers: { authorization: `Bearer ${input.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => done(res.statusCode ?? 0, text));
      res.on('error', (e) => done(0, String(e)));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', (e) => done(0, String(e)));
    req.end(body);
  });
  started = performance.now();
  const client = async () => {
    while (next < input.bodies.length) await one(next++);
  };
  await Promise.all(Array.from({ length: input.inFlight }, client));
  const elapsedMs = performance.now() - started;
  for (const t of targets) t.agent.destroy();
  return { elapsedMs, answers, samples };
}

if (!isMainThread && (workerData as { tag?: string } | null)?.tag === WORKER_TAG) {
  void buyers((workerData as { input: LoadInput }).input).then((out) => parentPort?.postMessage(out));
}

function runBuyers(input: LoadInput): Promise<LoadOutput> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { tag: WORKER_TAG, input } });
  return new Promise<LoadOutput>((resolve, reject) => {
    worker.once('message', (out: LoadOutput) => {
      void worker.terminate();
      resolve(out);
    });
    worker.once('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The sale

interface Sale {
  name: string;
  sku: string;
  channels: string[];
  /** Units each channel may sell (its quota, in `channels` order), when the sale has quotas. */
  quotas: number[] | null;
}

function orderBody(sale: Sale, run: string, i: number): string {
  const channel = sale.channels[i % sale.channels.length] as string;
  const name = `Buyer ${i}`;
  return JSON.stringify({
    channel, externalRef: `FLASH-${run}-${i}`, currency: 'EUR',
    customer: { email: `flash-${run}-${i}@example.com`, name },
    shippingAddress: { name, line1: `Hauptstraße ${1 + (i % 90)}`, city: 'Berlin', postalCode: '10115', country: 'DE' },
    lines: [{ sku: sale.sku, quantity: 1, unitPriceMinor: 1999 }],
    totals: { subtotalMinor: 1999, discountMinor: 0, shippingMinor: 0, taxMinor: 0, totalMinor: 1999 },
    payment: { method: 'card', authorizedMinor: 1999 },
  });
}

async function setUpSale(api: ApiClient, prefix: string, kind: 'plain' | 'quotas'): Promise<Sale> {
  const sku = `${prefix}-FLASH`;
  await api.expect(201, 'POST', '/v1/skus', { code: sku, name: 'flash sale item' });
  const locations = kind === 'plain' ? 1 : 5;
  for (let l = 0; l < locations; l++) {
    const code = `${prefix}-L${l}`;
    await api.expect(201, 'POST', '/v1/locations', { code, name: `flash warehouse ${l}`, type: 'warehouse' });
    const units = Math.floor(STOCK / locations) + (l < STOCK % locations ? 1 : 0);
    await api.expect(201, 'POST', '/v1/stock/receipts', { location: code, reference: `${code}-in`, lines: [{ sku, quantity: units }] });
  }
  const channelCount = kind === 'plain' ? 1 : 3;
  const channels: string[] = [];
  for (let c = 0; c < channelCount; c++) {
    const code = `${prefix}-C${c}`;
    await api.expect(201, 'POST', '/v1/channels', { code, name: `flash channel ${c}`, type: 'marketplace', currency: 'EUR', orderNumberPrefix: `F${c}` });
    channels.push(code);
  }
  let quotas: number[] | null = null;
  if (kind === 'quotas') {
    // Quotas of 40 %, 30 % and the rest: no shared pool, so each channel sells exactly its quota (a third of the buyers
    // each, more than any quota), and a unit sold past one would show.
    const first = Math.floor(STOCK * 0.4);
    const second = Math.floor(STOCK * 0.3);
    quotas = [first, second, STOCK - first - second];
    for (const [c, channel] of channels.entries()) await api.expect(200, 'PUT', '/v1/allocations', { channel, sku, quotaUnits: quotas[c] });
  }
  return { name: kind, sku, channels, quotas };
}

function startSecondServer(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [path.resolve('bin/ordo.js'), 'serve'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = () => {
      http.get(`${url}/ready`, (res) => {
        res.resume();
        if (res.statusCode === 200) resolve({ url, child });
        else retry();
      }).on('error', retry);
    };
    const retry = () => (Date.now() > deadline ? reject(new Error('the second server was not ready within 60 s')) : setTimeout(poll, 250));
    child.once('exit', (code) => reject(new Error(`the second server exited with code ${code}`)));
    poll();
  });
}

interface Measured {
  scenario: string;
  servers: number;
  out: LoadOutput;
  sold: number;
  soldOut: number;
  problems: string[];
}

async function runSale(server: BenchServer, api: ApiClient, sale: Sale, urls: string[], label: string): Promise<Measured> {
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const bodies = Array.from({ length: BUYERS }, (_, i) => orderBody(sale, run, i));
  // Warm each server's caches (API key, codes) with a lookup that sells nothing.
  for (const url of urls) await apiClient(url, server.key).expect(200, 'GET', `/v1/availability?sku=${encodeURIComponent(sale.sku)}`);
  log(`${label}: ${BUYERS} buyers for ${STOCK} units, ${IN_FLIGHT} in flight, ${urls.length} server(s)…`);
  const timings = new Map<string, { count: number; ms: number }>();
  server.queries.timings = timings;
  const out = await runBuyers({ urls, key: server.key, bodies, inFlight: IN_FLIGHT });
  server.queries.timings = undefined;
  log(`  statements of the in-process server during the sale (count, mean ms sent → answered):\n${[...timings]
    .sort((x, y) => y[1].ms - x[1].ms).slice(0, 8)
    .map(([text, t]) => `    ${String(t.count).padStart(6)} × ${fmt(t.ms / t.count, 2).padStart(7)} ms  ${text}`).join('\n')}`);
  // The sale's course: answers per tenth of the run, sales and sold-out answers.
  const tenth = out.elapsedMs / 10;
  const course = Array.from({ length: 10 }, (_, i) => out.answers.filter((a) => Math.min(9, Math.floor(a.at / tenth)) === i));
  log(`  answers per ${fmt(tenth)} ms: ${course.map((c) => `${c.filter((a) => a.status === 201).length}/${c.length}`).join(' ')} (sales/all)`);
  const sold = out.answers.filter((a) => a.status === 201).length;
  const soldOut = out.answers.filter((a) => a.status === 409 && a.code === 'insufficient_stock').length;
  const fiveXx = out.answers.filter((a) => a.status >= 500 || a.status === 0).length;
  const problems: string[] = [];
  const expected = STOCK;
  if (sold !== expected) problems.push(`${sold} sold, expected exactly ${expected}`);
  if (fiveXx > 0) problems.push(`${fiveXx} answers were 5xx or network errors: ${out.samples.join(' | ')}`);
  if (sold + soldOut !== BUYERS) problems.push(`${BUYERS - sold - soldOut} answers were neither a sale nor a sold-out 409: ${out.samples.join(' | ')}`);
  const inDb = await sql<{ lines: number; reserved: number }>`
    SELECT (SELECT count(*)::int FROM order_lines ol JOIN skus s ON s.id = ol.sku_id WHERE s.code = ${sale.sku}) AS lines,
           (SELECT coalesce(sum(sl.reserved), 0)::int FROM stock_levels sl JOIN skus s ON s.id = sl.sku_id WHERE s.code = ${sale.sku}) AS reserved`
    .execute(server.db);
  const db = inDb.rows[0];
  if (db?.lines !== sold || db.reserved !== sold) problems.push(`the database holds ${db?.lines} order lines and ${db?.reserved} reserved units, the answers sold ${sold}`);
  if (sale.quotas !== null) {
    const quotas = sale.quotas;
    const perChannel = await sql<{ code: string; units: number }>`
      SELECT c.code, sum(ol.quantity)::int AS units FROM order_lines ol JOIN orders o ON o.id = ol.order_id
      JOIN channels c ON c.id = o.channel_id JOIN skus s ON s.id = ol.sku_id WHERE s.code = ${sale.sku} GROUP BY c.code`.execute(server.db);
    for (const [c, channel] of sale.channels.entries()) {
      const units = perChannel.rows.find((r) => r.code === channel)?.units ?? 0;
      if (units !== quotas[c]) problems.push(`channel ${channel} sold ${units}, not its quota of ${quotas[c]}`);
    }
  }
  return { scenario: label, servers: urls.length, out, sold, soldOut, problems };
}

function ordoCheck(databaseUrl: string): { ok: boolean; seconds: number; output: string } {
  const started = performance.now();
  const check = spawnSync(process.execPath, [path.resolve('bin/ordo.js'), 'check'], {
    env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8',
  });
  return { ok: check.status === 0, seconds: (performance.now() - started) / 1000, output: `${check.stdout}${check.stderr}` };
}

const latencies = (answers: readonly Answer[], pick: (a: Answer) => boolean) => Float64Array.from(answers.filter(pick).map((a) => a.ms)).sort();

async function main(): Promise<number> {
  const server = await startBenchServer();
  const children: ChildProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = async () => {
    for (const c of children) c.kill('SIGTERM');
    await server.stop();
  };
  const onSignal = () => {
    stopping ??= stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const api = apiClient(server.url, server.key);
  let exitCode = 0;
  try {
    const results: Measured[] = [];
    const prefix = `F${Date.now().toString(36).toUpperCase()}`;
    // Sales before the measured ones, on SKUs of their own: the servers at urls are then warm (see the top).
    const warmUp = async (urls: string[], tag: string) => {
      for (let i = 1; i <= WARMUP_SALES; i++) {
        results.push(await runSale(server, api, await setUpSale(api, `${prefix}W${tag}${i}`, 'plain'), urls, `warm-up ${i}${urls.length > 1 ? ' (two servers)' : ''}, not measured`));
      }
    };
    await warmUp([server.url], '');
    if (SCENARIOS.has('one')) {
      results.push(await runSale(server, api, await setUpSale(api, `${prefix}A`, 'plain'), [server.url], 'one server'));
    }
    if (SCENARIOS.has('two')) {
      const second = await startSecondServer(server.databaseUrl);
      children.push(second.child);
      // The in-process server is warm already; the second one is new.
      await warmUp([server.url, second.url], 'B');
      results.push(await runSale(server, api, await setUpSale(api, `${prefix}B`, 'plain'), [server.url, second.url], 'two servers'));
      second.child.kill('SIGTERM');
    }
    if (SCENARIOS.has('quotas')) {
      results.push(await runSale(server, api, await setUpSale(api, `${prefix}C`, 'quotas'), [server.url], '5 locations, 3 channels with quotas'));
    }
    const check = ordoCheck(server.databaseUrl);
    const rows = results.map((r) => {
      const sale = latencies(r.out.answers, (a) => a.status === 201);
      const refused = latencies(r.out.answers, (a) => a.status === 409);
      const statuses = Object.entries(r.out.answers.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {}))
        .map(([s, n]) => `${s}×${n}`).join(' ');
      return [
        r.scenario, fmt(BUYERS), fmt(r.sold), fmt(BUYERS / (r.out.elapsedMs / 1000)),
        fmt(percentile(sale, 0.5), 1), fmt(percentile(sale, 0.99), 1), fmt(percentile(refused, 0.5), 1), fmt(percentile(refused, 0.99), 1),
        statuses, r.problems.length === 0 ? 'ok' : 'FAILED',
      ];
    });
    console.log(machineLine(server.pgVersion, server.embedded));
    console.log(`${BUYERS} buyers, ${STOCK} units, ${IN_FLIGHT} in flight, one unit per order; ${WARMUP_SALES} warm-up sale${WARMUP_SALES === 1 ? '' : 's'} per new server before the measured ones\n`);
    console.log(markdownTable(
      ['scenario', 'attempts', 'sold', 'attempts/s', 'sale p50 ms', 'sale p99 ms', 'sold-out p50 ms', 'sold-out p99 ms', 'answers', 'checks'],
      rows,
    ));
    console.log(`\n\`ordo check\`: exit ${check.ok ? 0 : 1} in ${fmt(check.seconds, 1)} s`);
    for (const r of results) for (const p of r.problems) console.log(`PROBLEM (${r.scenario}): ${p}`);
    if (!check.ok) console.log(check.output);
    if (!check.ok || results.some((r) => r.problems.length > 0)) exitCode = 1;
  } finally {
    api.close();
    await stopAll();
  }
  return exitCode;
}

if (isMainThread) runMain(main);

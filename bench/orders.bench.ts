/**
 * `npm run bench:orders`: the order hot paths over real HTTP on a fresh embedded PostgreSQL (or DATABASE_URL).
 *
 *   capture  POST /v1/orders, 3 lines of distinct SKUs with plenty of stock, a new customer each, the default review
 *            rules enabled; at 1, 8 and 32 concurrent clients: orders/s, p50/p99 latency, SQL round trips per capture
 *            (every query of the server's pool, BEGIN/COMMIT included), and the statements of one capture; then
 *            POST /v1/orders/bulk with 500 such orders, 3 times: ms per request. Beside it the bare-SQL floor
 *            (bench/floor.sql, before and after the capture rows) and an HTTP floor (a bare Fastify route, the same
 *            load worker and bodies), with the CPU each used per order and what 0.6× the floor leaves per capture.
 *   list     GET /v1/orders with each filter, one request at a time, at one million orders (`ordo seed --orders`
 *            logic, on a second database): p50/p95 latency, statements per request, and the indexes the search
 *            statement's plan uses (EXPLAIN ANALYZE); then `ordo check` on that database, timed (one run, its ms in
 *            the p50 column).
 *
 * Flags: --capture-only (only the capture part), --ledger-ab (only capture at 32 clients, with and without the payment ledger's authorisation row, rows
 * interleaved; BENCH_PAIRS pairs), --quick (short capture runs, the list part on 20,000 orders instead of a million), --million (the million
 * even with --quick; the default otherwise), --fresh-wal (measure capture without preparing WAL segments first, see
 * `recycleWal`). Knobs: BENCH_SECONDS (8), BENCH_WARMUP_SECONDS (1),
 * BENCH_CONCURRENCY (1,8,32), BENCH_ORDERS (1000000), DB_POOL_MAX (the server's default).
 */
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { seedOrders } from '../src/cli/seed-orders.js';
import { runFloor, setUpFloor, type FloorResult } from './floor.js';
import type { DB } from '../src/db/types.js';
import { encodeCursor } from '../src/http/pagination.js';
import { searchOrderKeys, type OrderFilter, type OrderKeyset, type OrderSort } from '../src/order/search-orders.js';
import {
  apiClient, fmt, machineLine, mainThreadCpuProbe, markdownTable, percentile, processCpuProbe, recycleWal, runLoad, startBenchServer,
  walCells, walMeter, type WalWritten,
  type ApiClient, type BenchServer, type CpuProbe, type LoadResult,
  runMain,
} from './lib.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const MILLION = args.has('--million') || !QUICK;
const FRESH_WAL = args.has('--fresh-wal');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 8));
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map(Number);
const LIST_ORDERS = MILLION ? Number(process.env.BENCH_ORDERS ?? 1_000_000) : 20_000;
const ALONE_CAPTURES = 50;
const LIST_REQUESTS = QUICK ? 20 : 60;
const SKU_COUNT = 300;
const BULK_ORDERS = 500;
const BULK_REQUESTS = 3;

const log = (line: string) => console.error(line);
const names = ['Anna Schmidt', 'Lukas Weber', 'Sophie Wagner', 'Jonas Becker', 'Marie Hoffmann', 'Paul Schäfer', 'Emma Koch', 'Felix Richter'];

// ---------------------------------------------------------------------------------------------------------------
// Capture

/** Order bodies: 3 distinct SKUs each; `{{seq}}` makes the reference and the customer new for every request. */
function captureBodies(skus: readonly string[], channel: string, run: string, count = 500): string[] {
  return Array.from({ length: count }, (_, i) => {
    const picked = new Set<string>();
    while (picked.size < 3) picked.add(skus[Math.floor(Math.random() * skus.length)] as string);
    const lines = [...picked].map((sku) => ({ sku, quantity: Math.random() < 0.2 ? 2 : 1, unitPriceMinor: 990 + Math.floor(Math.random() * 9000) }));
    const subtotal = lines.reduce((a, l) => a + l.quantity * l.unitPriceMinor, 0);
    const name = names[i % names.length] as string;
    return JSON.stringify({
      channel, externalRef: `BENCH-${run}-{{seq}}`, currency: 'EUR',
      customer: { email: `bench-${run}-{{seq}}@example.com`, name },
      shippingAddress: { name, line1: `Hauptstraße ${1 + (i % 90)}`, city: 'Berlin', postalCode: '10115', country: 'DE' },
      lines, shippingMinor: 495,
      totals: { subtotalMinor: subtotal, discountMinor: 0, shippingMinor: 495, taxMinor: 0, totalMinor: subtotal + 495 },
      payment: { method: 'card', authorizedMinor: subtotal + 495 },
    });
  });
}

async function setUpCapture(server: BenchServer, api: ApiClient, prefix: string): Promise<{ skus: string[]; channel: string; rules: string }> {
  const skus = Array.from({ length: SKU_COUNT }, (_, i) => `${prefix}-S${String(i).padStart(3, '0')}`);
  await api.expect(200, 'POST', '/v1/skus/bulk', { items: skus.map((code) => ({ code, name: `bench ${code}` })) });
  const location = `${prefix}-WH`;
  await api.expect(201, 'POST', '/v1/locations', { code: location, name: 'bench warehouse', type: 'warehouse' });
  await api.expect(201, 'POST', '/v1/stock/receipts', { location, reference: `${prefix}-in`, lines: skus.map((sku) => ({ sku, quantity: 100_000_000 })) });
  const channel = `${prefix}-WEB`;
  await api.expect(201, 'POST', '/v1/channels', { code: channel, name: 'bench web shop', type: 'web', currency: 'EUR', orderNumberPrefix: 'BW' });
  // The default review rules are evaluated on every capture once enabled, as a real shop would run them.
  const rules = await api.call<{ data: { id: string; enabled: boolean }[] }>('GET', '/v1/review-rules');
  if (rules.status === 200) {
    for (const rule of rules.body.data.filter((r) => !r.enabled)) await api.expect(200, 'PATCH', `/v1/review-rules/${rule.id}`, { enabled: true });
    return { skus, channel, rules: `${rules.body.data.length} default review rules enabled with PATCH /v1/review-rules/{id}` };
  }
  const enabled = await sql`UPDATE review_rules SET enabled = true`.execute(server.db);
  return { skus, channel, rules: `${enabled.numAffectedRows ?? 0} default review rules enabled with UPDATE review_rules (no PATCH route yet)` };
}

/** Captures one at a time: round trips per capture and the mean time of each statement (sent → answered). */
async function captureAlone(server: BenchServer, api: ApiClient, bodies: readonly string[]) {
  await api.expect(201, 'POST', '/v1/orders', JSON.parse((bodies[0] as string).replaceAll('{{seq}}', 'warm')) as unknown);
  const timings = new Map<string, { count: number; ms: number }>();
  server.queries.timings = timings;
  const before = server.queries.count;
  const t0 = performance.now();
  for (let i = 0; i < ALONE_CAPTURES; i++) {
    await api.expect(201, 'POST', '/v1/orders', JSON.parse((bodies[i % bodies.length] as string).replaceAll('{{seq}}', `alone-${i}`)) as unknown);
  }
  const ms = (performance.now() - t0) / ALONE_CAPTURES;
  server.queries.timings = undefined;
  const statements = [...timings].map(([statement, t]) => ({ statement, perRequest: t.count / ALONE_CAPTURES, ms: t.ms / t.count }));
  return { roundTrips: (server.queries.count - before) / ALONE_CAPTURES, statements, ms };
}

/** POST /v1/orders/bulk with BULK_ORDERS new orders, BULK_REQUESTS times one after another: ms per request. */
async function bulkCapture(api: ApiClient, bodies: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < BULK_REQUESTS; r++) {
    const orders = Array.from({ length: BULK_ORDERS }, (_, i) => JSON.parse((bodies[i % bodies.length] as string).replaceAll('{{seq}}', `bulk-${r}-${i}`)) as unknown);
    const t0 = performance.now();
    const res = await api.expect<{ created: number }>(200, 'POST', '/v1/orders/bulk', { orders });
    times.push(performance.now() - t0);
    if (res.created !== BULK_ORDERS) throw new Error(`bulk capture created ${res.created} of ${BULK_ORDERS} orders`);
  }
  return times;
}

/**
 * The HTTP floor: the same load generator and bodies against a bare Fastify route on the server's thread that parses
 * the body and answers 201 with it and an id, no database. What a capture's HTTP costs at the least, on this machine.
 */
async function httpFloor(bodies: readonly string[], concurrency: number, probes: Record<string, CpuProbe>): Promise<LoadResult> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.post('/v1/orders', async (req, reply) => reply.code(201).send({ id: randomUUID(), status: 'allocated', ...(req.body as object) }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    return await runLoad({
      url, key: 'none', method: 'POST', path: '/v1/orders', bodies, concurrency,
      warmupMs: WARMUP_SECONDS * 1000, durationMs: SECONDS * 1000, maxRequests: 2_000_000, timeoutMs: 30_000, okStatus: 201,
    }, probes);
  } finally {
    await app.close();
  }
}

/**
 * What the machine's cores leave for one capture at the issue's target (0.6× the floor), beside what the floor's
 * orders and Ordo's captures used, per order, measured in the same run.
 */
function cpuBudget(top: LoadResult, floors: readonly FloorResult[], floorMean: number, bare: LoadResult): string {
  const cores = os.cpus().length;
  /** ms of one core per order: `used` cores at `perSecond` orders a second. */
  const per = (used: number | undefined, perSecond: number) => fmt(((used ?? Number.NaN) * 1000) / perSecond, 2);
  const floorCpu = floors.map((f) => `PostgreSQL ${per(f.cpu.postgres, f.perSecond)} ms and its client (the node process) ${per(f.cpu.process, f.perSecond)} ms`);
  const server = top.cpu.server ?? Number.NaN;
  const rest = (top.cpu.process ?? Number.NaN) - server;
  return `CPU per order (ms of one core): the floor ${floorCpu.join(', then ')}; capture PostgreSQL ${per(top.cpu.postgres, top.perSecond)} ms, ` +
    `the server thread ${per(server, top.perSecond)} ms, the rest of the node process (the load worker, GC) ${per(rest, top.perSecond)} ms. ` +
    `At 0.6× the floor (${fmt(0.6 * floorMean)}/s) the ${cores} cores allow ${fmt((cores * 1000) / (0.6 * floorMean), 2)} ms per capture, all of it included. ` +
    `The HTTP floor (the same load worker and bodies against a bare Fastify route that answers 201 with the body, no database) ` +
    `ran ${fmt(bare.perSecond)}/s using ${per(bare.cpu.server, bare.perSecond)} ms of the server thread and ` +
    `${per((bare.cpu.process ?? Number.NaN) - (bare.cpu.server ?? Number.NaN), bare.perSecond)} ms of the rest of the process per request.`;
}

async function benchCapture(): Promise<{ out: string[]; ok: boolean; pgVersion: string; embedded: boolean }> {
  const server = await startBenchServer();
  const api = apiClient(server.url, server.key);
  try {
    const prefix = `B${Date.now().toString(36).toUpperCase()}`;
    const { skus, channel, rules } = await setUpCapture(server, api, prefix);
    const alone = await captureAlone(server, api, captureBodies(skus, channel, 'alone'));
    log(`capture alone: ${fmt(alone.roundTrips, 2)} round trips, ${fmt(alone.ms, 2)} ms`);
    const probes: Record<string, CpuProbe> = { process: processCpuProbe, server: mainThreadCpuProbe };
    if (server.postgresCpu) probes.postgres = server.postgresCpu;
    const wal = await recycleWal(server.db, FRESH_WAL);
    log(wal);
    const rows: { result: LoadResult; roundTrips: number; wal: WalWritten }[] = [];
    // The bare-SQL floor (bench/floor.sql) at the highest concurrency, before and after the capture rows.
    await setUpFloor(server.databaseUrl);
    const floorAt = Math.max(...CONCURRENCY);
    const floor = async () => {
      const f = await runFloor({ databaseUrl: server.databaseUrl, concurrency: floorAt, warmupMs: WARMUP_SECONDS * 1000, durationMs: SECONDS * 1000 }, probes);
      log(`floor @${floorAt}: ${fmt(f.perSecond)}/s, p50 ${fmt(f.p50, 1)} ms, p99 ${fmt(f.p99, 1)} ms, ${f.unguarded} unguarded, ${f.deadlocks} deadlocks retried`);
      return f;
    };
    const floors: FloorResult[] = [await floor()];
    let failures = 0;
    for (const concurrency of CONCURRENCY) {
      const walEnd = await walMeter(server.db);
      const before = server.queries.count;
      const result = await runLoad({
        url: server.url, key: server.key, method: 'POST', path: '/v1/orders', bodies: captureBodies(skus, channel, `c${concurrency}`),
        concurrency, warmupMs: WARMUP_SECONDS * 1000, durationMs: SECONDS * 1000, maxRequests: 500_000, timeoutMs: 30_000, okStatus: 201,
      }, probes);
      const roundTrips = (server.queries.count - before) / result.sent;
      const failed = Object.values(result.failures).reduce((a, b) => a + b, 0);
      failures += failed;
      rows.push({ result, roundTrips, wal: await walEnd() });
      log(`capture @${concurrency}: ${fmt(result.perSecond)}/s, p50 ${fmt(percentile(result.latenciesMs, 50), 1)} ms, p99 ` +
        `${fmt(percentile(result.latenciesMs, 99), 1)} ms, ${fmt(roundTrips, 2)} round trips, ${failed} non-201`);
      if (failed > 0) log(`  ${JSON.stringify(result.failures)}\n  ${result.failureSamples.join('\n  ')}`);
    }
    floors.push(await floor());
    const floorMean = floors.reduce((a, f) => a + f.perSecond, 0) / floors.length;
    const top = rows.find((r) => r.result.concurrency === floorAt)?.result;
    const bare = await httpFloor(captureBodies(skus, channel, 'http'), floorAt, probes);
    log(`HTTP floor @${floorAt}: ${fmt(bare.perSecond)}/s, server thread ${fmt(((bare.cpu.server ?? Number.NaN) * 1000) / bare.perSecond, 3)} ms/request, ` +
      `process ${fmt(((bare.cpu.process ?? Number.NaN) * 1000) / bare.perSecond, 3)} ms/request`);
    const bulk = await bulkCapture(api, captureBodies(skus, channel, 'bulk'));
    log(`bulk capture of ${BULK_ORDERS}: ${bulk.map((ms) => fmt(ms)).join(', ')} ms`);
    const held = await sql<{ n: number }>`SELECT count(*)::int AS n FROM orders WHERE status <> 'allocated'`.execute(server.db);
    const out = [
      `### Order capture: POST /v1/orders\n`,
      `3 lines of distinct SKUs (of ${SKU_COUNT}, stock plentiful at one warehouse), a new customer per order, ${rules}; ` +
      `${WARMUP_SECONDS} s warm-up then ${SECONDS} s measured per row; keep-alive HTTP from a worker thread; DB_POOL_MAX ${server.poolMax}. ${wal}.\n`,
      markdownTable(['concurrency', 'orders', 'orders/s', 'p50 ms', 'p99 ms', 'round trips/capture', 'non-201', 'WAL kB/capture', 'new WAL segment files'],
        rows.map(({ result: r, roundTrips, wal: w }) => [String(r.concurrency), fmt(r.measured), fmt(r.perSecond), fmt(percentile(r.latenciesMs, 50), 1),
          fmt(percentile(r.latenciesMs, 99), 1), fmt(roundTrips, 2), String(Object.values(r.failures).reduce((a, b) => a + b, 0)),
          ...walCells(w, r.sent)])),
      `\nThe bare-SQL floor (bench/floor.sql: the order, 3 lines, 3 guarded stock updates, 3 ledger rows and an outbox row in ` +
      `one statement per order, autocommit, ${floorAt} connections from a worker thread, no HTTP), before and after the rows above: ` +
      `${floors.map((f) => `${fmt(f.perSecond)}/s (p50 ${fmt(f.p50, 1)} ms, p99 ${fmt(f.p99, 1)} ms${f.deadlocks ? `, ${f.deadlocks} deadlocks sent again` : ''})`).join(' and ')}. ` +
      `Capture at ${floorAt} clients is **${top ? fmt(top.perSecond / floorMean, 2) : '?'}×** their mean.`,
      `\nBulk capture, POST /v1/orders/bulk with ${BULK_ORDERS} such orders, ${BULK_REQUESTS} requests one after another: ` +
      `${bulk.map((ms) => fmt(ms)).join(', ')} ms per request (every order created).`,
      `\nOrders not allocated at the end (held by a rule, expected 0): ${held.rows[0]?.n ?? '?'}.`,
      `\nWhere the time went (CPU in cores of the ${os.cpus().length}; an event loop waiting for a CPU counts as busy):\n`,
      markdownTable(['concurrency', 'PostgreSQL CPU', 'PostgreSQL CPU ms/capture', 'server thread CPU', 'server thread CPU ms/capture', 'server event loop busy', 'node process CPU'],
        rows.map(({ result: r }) => [String(r.concurrency), fmt(r.cpu.postgres ?? Number.NaN, 2), fmt(((r.cpu.postgres ?? Number.NaN) * 1000) / r.perSecond, 2),
          fmt(r.cpu.server ?? Number.NaN, 2), fmt(((r.cpu.server ?? Number.NaN) * 1000) / r.perSecond, 2), `${fmt(r.serverBusy * 100)} %`,
          fmt(r.cpu.process ?? Number.NaN, 2)])),
      ...(top ? ['\n' + cpuBudget(top, floors, floorMean, bare)] : []),
      `\nOne capture at a time (${ALONE_CAPTURES} captures): ${fmt(alone.roundTrips, 2)} SQL round trips and ${fmt(alone.ms, 2)} ms per capture; ` +
      `mean ms per statement (sent → answered):\n\n` +
      alone.statements.map((q) => `    ${fmt(q.ms, 2).padStart(6)} ms  ${q.perRequest === 1 ? '' : `(×${fmt(q.perRequest, 2)}) `}${q.statement}`).join('\n'),
    ];
    return { out, ok: failures === 0, pgVersion: server.pgVersion, embedded: server.embedded };
  } finally {
    api.close();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// List and search

interface ListCase {
  label: string;
  path: string;
  filter: OrderFilter;
  sort: OrderSort;
  after?: OrderKeyset;
}

async function listCases(db: Kysely<DB>): Promise<ListCase[]> {
  const one = async <T>(query: string) => (await sql.raw<T>(query).execute(db)).rows[0] as T;
  const channel = await one<{ id: string; code: string }>(`SELECT id, code FROM channels WHERE code = 'MARKET'`);
  // A customer with a few dozen orders, and the SKU in the middle of the popularity ranking.
  const customer = await one<{ id: string; name: string }>(`SELECT c.id, c.name FROM customers c WHERE c.id = (
    SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) BETWEEN 20 AND 60 ORDER BY customer_id LIMIT 1)`);
  const sku = await one<{ id: string; code: string }>(`SELECT k.id, k.code FROM skus k JOIN (SELECT sku_id, count(*) AS n FROM order_lines GROUP BY sku_id) x
    ON x.sku_id = k.id ORDER BY x.n OFFSET (SELECT count(DISTINCT sku_id) / 2 FROM order_lines) LIMIT 1`);
  const deep = await one<{ key: string; id: string }>(`SELECT to_char(placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS key, id
    FROM orders ORDER BY placed_at DESC, id DESC OFFSET (SELECT count(*) / 2 FROM orders) LIMIT 1`);
  const day = 86_400_000;
  const from = new Date(Date.now() - 60 * day).toISOString();
  const to = new Date(Date.now() - 30 * day).toISOString();
  const q = encodeURIComponent(customer.name.toLowerCase());
  return [
    { label: 'no filter (newest first)', path: '', filter: {}, sort: '-placedAt' },
    { label: 'no filter, cursor half-way through', path: `cursor=${encodeCursor(['-placedAt', deep.key, deep.id])}`, filter: {}, sort: '-placedAt', after: deep },
    { label: 'status=on_hold', path: 'status=on_hold', filter: { statuses: ['on_hold'] }, sort: '-placedAt' },
    { label: 'status=on_hold,allocated,in_fulfillment', path: 'status=on_hold&status=allocated&status=in_fulfillment', filter: { statuses: ['on_hold', 'allocated', 'in_fulfillment'] }, sort: '-placedAt' },
    { label: 'channel + 30-day range', path: `channel=${channel.code}&placedFrom=${from}&placedTo=${to}`, filter: { channelId: channel.id, placedFrom: from, placedTo: to }, sort: '-placedAt' },
    { label: 'customer', path: `customer=${customer.id}`, filter: { customerId: customer.id }, sort: '-placedAt' },
    { label: `sku (median popularity, ${sku.code})`, path: `sku=${sku.code}`, filter: { skuId: sku.id }, sort: '-placedAt' },
    { label: 'holdReason=payment_not_authorized', path: 'holdReason=payment_not_authorized', filter: { holdReason: 'payment_not_authorized' }, sort: '-placedAt' },
    { label: 'q = a customer\'s full name', path: `q=${q}`, filter: { q: customer.name }, sort: '-placedAt' },
    { label: 'q = a street', path: `q=${encodeURIComponent('mozartstraße 1')}`, filter: { q: 'mozartstraße 1' }, sort: '-placedAt' },
    { label: 'total 100.00–200.00', path: 'totalMin=10000&totalMax=20000', filter: { totalMin: 10_000, totalMax: 20_000 }, sort: '-placedAt' },
    { label: 'sorted by total (largest first)', path: 'sort=-total', filter: {}, sort: '-total' },
    { label: 'status=allocated sorted by total', path: 'status=allocated&sort=-total', filter: { statuses: ['allocated'] }, sort: '-total' },
  ];
}

/** The indexes (and any sequential scan) in the plan of the case's search statement, run with EXPLAIN ANALYZE. */
async function planOf(url: string, c: ListCase): Promise<string> {
  let compiled: CompiledQuery | undefined;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: (event) => { compiled = event.query; } });
  try {
    await searchOrderKeys(db, c.filter, c.sort, c.after, 51);
    if (!compiled) return '?';
    const plan = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${compiled.sql}`, [...compiled.parameters]);
    const used = new Set<string>();
    for (const { 'QUERY PLAN': line } of plan.rows) {
      const scan = /(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?(?: using (\w+))? on (\w+)/.exec(line);
      if (scan) used.add(scan[1] === 'Seq Scan' ? `SEQ SCAN ${scan[3]}` : (scan[2] ?? scan[3] ?? '?'));
      if (/Sort Method: top-N/.test(line)) used.add('top-N sort');
      if (/Merge Append/.test(line)) used.add('merge');
    }
    return [...used].join(', ');
  } finally {
    await db.destroy();
  }
}

async function benchList(): Promise<{ out: string[]; ok: boolean }> {
  const server = await startBenchServer();
  const api = apiClient(server.url, server.key);
  try {
    const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM orders`.execute(server.db)).rows[0]?.n ?? 0;
    const existing = await count();
    let seeded = `${fmt(existing)} orders were already there`;
    if (existing < LIST_ORDERS) {
      const t0 = performance.now();
      log(`seeding ${fmt(LIST_ORDERS - existing)} orders (ordo seed --orders) …`);
      await seedOrders(server.db, LIST_ORDERS - existing, { log });
      seeded = `seeding ${fmt(LIST_ORDERS - existing)} orders (ordo seed --orders, VACUUM ANALYZE included) took ${fmt((performance.now() - t0) / 1000, 1)} s`;
      log(seeded);
    }
    const total = await count();
    const rows: string[][] = [];
    let ok = true;
    for (const c of await listCases(server.db)) {
      const path = `/v1/orders${c.path ? `?${c.path}` : ''}`;
      let size = 0;
      for (let i = 0; i < 3; i++) size = (await api.expect<{ data: unknown[] }>(200, 'GET', path)).data.length;
      const latencies: number[] = [];
      const before = server.queries.count;
      for (let i = 0; i < LIST_REQUESTS; i++) {
        const t0 = performance.now();
        const res = await api.call('GET', path);
        latencies.push(performance.now() - t0);
        if (res.status !== 200) ok = false;
      }
      const statements = (server.queries.count - before) / LIST_REQUESTS;
      const sorted = Float64Array.from(latencies).sort();
      const plan = await planOf(server.databaseUrl, c);
      if (plan.includes('SEQ SCAN')) ok = false;
      rows.push([c.label, String(size), fmt(percentile(sorted, 50), 1), fmt(percentile(sorted, 95), 1), fmt(statements, 1), plan]);
      log(`list ${c.label}: p50 ${rows.at(-1)?.[2]} ms, p95 ${rows.at(-1)?.[3]} ms (${plan})`);
    }
    // `ordo check` on the same database, as an operator runs it (a process of its own): it must finish at a million
    // orders (docs/operations.md), and find every invariant of the seeded orders intact.
    const checkStarted = performance.now();
    const check = spawnSync(process.execPath, [path.resolve('bin/ordo.js'), 'check'], {
      env: { ...process.env, DATABASE_URL: server.databaseUrl, LOG_LEVEL: 'silent' }, encoding: 'utf8',
    });
    const checkSeconds = (performance.now() - checkStarted) / 1000;
    if (check.status !== 0) ok = false;
    log(`ordo check: ${fmt(checkSeconds, 1)} s, exit ${check.status}\n${check.stdout}${check.stderr}`);
    rows.push([`\`ordo check\` (all invariants, exit ${check.status})`, '', fmt(checkSeconds * 1000, 0), '', '', 'hash/merge joins (nested loops off)']);
    const out = [
      `### Order list and search: GET /v1/orders at ${fmt(total)} orders\n`,
      `${seeded}. ${LIST_REQUESTS} requests per row, one at a time after 3 warm-up requests; pages of 50 full orders ` +
      `(lines, holds, customer); statements = SQL statements per request (search + loadOrders).\n`,
      markdownTable(['filter', 'rows on page', 'p50 ms', 'p95 ms', 'statements', 'plan of the search statement'], rows),
    ];
    return { out, ok };
  } finally {
    api.close();
    await server.stop();
  }
}

/**
 * `-- --ledger-ab`: capture with and without the payment ledger's authorisation row (the statement trigger of
 * migration 0018) in the same run, on the same server: rows alternate, the trigger disabled (before) and enabled
 * (after), at BENCH_CONCURRENCY's last value (32), BENCH_PAIRS (3) pairs.
 */
async function benchLedgerAB(): Promise<number> {
  const server = await startBenchServer();
  const api = apiClient(server.url, server.key);
  const concurrency = CONCURRENCY.at(-1) ?? 32;
  const pairs = Number(process.env.BENCH_PAIRS ?? 3);
  const load = () => os.loadavg().map((l) => fmt(l, 2)).join(', ');
  try {
    const prefix = `B${Date.now().toString(36).toUpperCase()}`;
    const { skus, channel } = await setUpCapture(server, api, prefix);
    log(await recycleWal(server.db, FRESH_WAL));
    const rows: string[][] = [];
    const sums = { before: 0, after: 0 };
    for (let i = 1; i <= pairs; i++) {
      const cells: string[] = [String(i)];
      for (const side of ['before', 'after'] as const) {
        await sql.raw(`ALTER TABLE orders ${side === 'before' ? 'DISABLE' : 'ENABLE'} TRIGGER orders_authorized`).execute(server.db);
        const result = await runLoad({
          url: server.url, key: server.key, method: 'POST', path: '/v1/orders', bodies: captureBodies(skus, channel, `${side}${i}`),
          concurrency, warmupMs: WARMUP_SECONDS * 1000, durationMs: SECONDS * 1000, maxRequests: 500_000, timeoutMs: 30_000, okStatus: 201,
        }, {});
        sums[side] += result.perSecond;
        cells.push(`${fmt(result.perSecond)} (${fmt(percentile(result.latenciesMs, 99), 1)} ms)`);
        log(`ledger ${side} #${i}: ${fmt(result.perSecond)}/s, p99 ${fmt(percentile(result.latenciesMs, 99), 1)} ms, load ${load()}`);
      }
      rows.push(cells);
    }
    const rows_ = await sql<{ orders: number; rows: number }>`
      SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM payments WHERE kind = 'authorization') AS rows`.execute(server.db);
    const before = sums.before / pairs;
    const after = sums.after / pairs;
    rows.push(['mean', fmt(before), `${fmt(after)} (${fmt((after / before) * 100, 1)} %)`]);
    console.log(`\n${machineLine(server.pgVersion, server.embedded)}\nload average at the end: ${load()} (1, 5, 15 min)\n`);
    console.log(`Capture at ${concurrency} clients, orders/s (p99), ${SECONDS} s rows after ${WARMUP_SECONDS} s warm-up; before = the ledger's ` +
      `authorisation trigger disabled, after = enabled; ${rows_.rows[0]?.orders} orders, ${rows_.rows[0]?.rows} authorisation rows written.\n`);
    console.log(markdownTable(['pair', 'before (no ledger row)', 'after (ledger row in the capture statement)'], rows));
    return 0;
  } finally {
    api.close();
    await server.stop();
  }
}

async function main(): Promise<number> {
  if (args.has('--ledger-ab')) return benchLedgerAB();
  const started = performance.now();
  // Other work on the machine skews every number here: show how busy it was.
  const load = (when: string) => `load average ${when}: ${os.loadavg().map((l) => fmt(l, 2)).join(', ')} (1, 5, 15 min)`;
  const loadBefore = load('before');
  const capture = await benchCapture();
  // --capture-only: skip the list part (A/B runs of capture against another commit).
  const list = args.has('--capture-only') ? { out: [], ok: true } : await benchList();
  console.log(`\n${machineLine(capture.pgVersion, capture.embedded)}\n${loadBefore}; ${load('after')}\n`);
  console.log([...capture.out, '', ...list.out].join('\n'));
  console.log(`\ntotal time ${fmt((performance.now() - started) / 1000, 1)} s`);
  return capture.ok && list.ok ? 0 : 1;
}

runMain(main);

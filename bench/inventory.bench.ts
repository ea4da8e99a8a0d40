/**
 * `npm run bench:inventory`: reservations per second and latency (p50, p99) of POST /v1/reservations over real HTTP,
 * at 1, 8 and 32 concurrent clients, in two scenarios:
 *
 *   distinct SKUs  1,000 SKUs with plenty of stock at one location; each request reserves 1 unit of a random one.
 *   hot SKU        one SKU with enough stock for every request; each request reserves 1 unit of it.
 *
 * Also counts the SQL round trips per reservation (every query the server's pool sends, BEGIN/COMMIT included) and
 * checks at the end of each scenario that the units reserved by the 201 answers equal the reserved counters in
 * GET /v1/stock. Exits 1 on a mismatch or on any answer other than 201.
 *
 * Runs on a fresh embedded PostgreSQL in a temporary folder (removed at the end), or on DATABASE_URL when set
 * (data is written there under codes unique to the run). Knobs: BENCH_SECONDS (measured seconds per run, 8),
 * BENCH_WARMUP_SECONDS (1), BENCH_CONCURRENCY (1,8,32), BENCH_SCENARIOS (distinct,hot), DB_POOL_MAX (the server's default).
 * Flag --fresh-wal: measure without first creating and recycling WAL segments (see `recycleWal` in lib.ts).
 */
import os from 'node:os';
import {
  apiClient, chunks, fmt, machineLine, machineCpuProbe, mainThreadCpuProbe, mainThreadCpuWaitProbe, markdownTable, percentile, processCpuProbe, recycleWal,
  runLoad, startBenchServer, walCells, walMeter, type ApiClient, type BenchServer, type CpuProbe, type LoadResult, type WalWritten,
  runMain,
} from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map(Number);
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'distinct,hot').split(',').map((x) => x.trim()));
if (!(SECONDS > 0 && WARMUP_SECONDS >= 0 && CONCURRENCY.every((c) => Number.isInteger(c) && c >= 1 && c <= 1000))) {
  throw new Error('BENCH_SECONDS must be > 0, BENCH_WARMUP_SECONDS >= 0, BENCH_CONCURRENCY a list of whole numbers from 1 to 1000');
}
const DISTINCT_SKUS = 1000;
const ALONE_REQUESTS = 50;
const STOCK_PER_DISTINCT_SKU = 1_000_000;
const STOCK_OF_HOT_SKU = 100_000_000;

interface Scenario {
  name: string;
  location: string;
  skus: string[];
  stockPerSku: number;
}

interface Row {
  scenario: string;
  result: LoadResult;
  roundTrips: number;
  wal: WalWritten;
}

interface StockRow {
  sku: string;
  location: string;
  onHand: number;
  reserved: number;
}

const reservationBody = (sku: string, location: string, i: number) =>
  JSON.stringify({ reference: { type: 'bench', id: `inv-${i}` }, lines: [{ sku, location, quantity: 1 }] });

async function setUp(api: ApiClient, prefix: string): Promise<Scenario[]> {
  const distinct: Scenario = {
    name: 'distinct SKUs',
    location: `${prefix}-WH-D`,
    skus: Array.from({ length: DISTINCT_SKUS }, (_, i) => `${prefix}-D-${String(i).padStart(4, '0')}`),
    stockPerSku: STOCK_PER_DISTINCT_SKU,
  };
  const hot: Scenario = { name: 'hot SKU', location: `${prefix}-WH-H`, skus: [`${prefix}-HOT`], stockPerSku: STOCK_OF_HOT_SKU };
  const scenarios = [...(SCENARIOS.has('distinct') ? [distinct] : []), ...(SCENARIOS.has('hot') ? [hot] : [])];
  if (scenarios.length === 0) throw new Error('BENCH_SCENARIOS: expected distinct, hot or both (comma-separated)');
  for (const batch of chunks(scenarios.flatMap((s) => s.skus))) {
    await api.expect(200, 'POST', '/v1/skus/bulk', { items: batch.map((code) => ({ code, name: `bench ${code}` })) });
  }
  for (const s of scenarios) {
    await api.expect(201, 'POST', '/v1/locations', { code: s.location, name: `bench ${s.name}`, type: 'warehouse' });
    for (const batch of chunks(s.skus)) {
      await api.expect(201, 'POST', '/v1/stock/receipts', {
        location: s.location, reference: `${s.location}-initial`, lines: batch.map((sku) => ({ sku, quantity: s.stockPerSku })),
      });
    }
  }
  return scenarios;
}

/**
 * Reservations one at a time (after one that warms the server's caches: the API key, the codes): SQL round trips
 * per request, and the mean time from sending each statement to its answer.
 */
async function alone(server: BenchServer, api: ApiClient, s: Scenario, requests: number) {
  const body = JSON.parse(reservationBody(s.skus[0] ?? '', s.location, 0)) as unknown;
  await api.expect(201, 'POST', '/v1/reservations', body);
  const timings = new Map<string, { count: number; ms: number }>();
  server.queries.timings = timings;
  const before = server.queries.count;
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) await api.expect(201, 'POST', '/v1/reservations', body);
  const ms = (performance.now() - t0) / requests;
  server.queries.timings = undefined;
  const statements = [...timings].map(([statement, t]) => ({ statement, perRequest: t.count / requests, ms: t.ms / t.count }));
  return { roundTrips: (server.queries.count - before) / requests, statements, ms, units: requests + 1 };
}

async function verify(api: ApiClient, s: Scenario, reservedByAnswers: number) {
  const rows = await api.listAll<StockRow>(`/v1/stock?location=${encodeURIComponent(s.location)}&limit=200`);
  const reserved = rows.reduce((sum, r) => sum + r.reserved, 0);
  const onHand = rows.reduce((sum, r) => sum + r.onHand, 0);
  const problems: string[] = [];
  if (rows.length !== s.skus.length) problems.push(`${rows.length} stock rows, expected ${s.skus.length}`);
  if (reserved !== reservedByAnswers) problems.push(`reserved counters sum to ${reserved}, the 201 answers reserved ${reservedByAnswers}`);
  if (onHand !== s.skus.length * s.stockPerSku) problems.push(`on hand ${onHand}, expected ${s.skus.length * s.stockPerSku}`);
  return { ok: problems.length === 0, reserved, problems };
}

async function main(): Promise<number> {
  const started = performance.now();
  const server = await startBenchServer();
  let stopping: Promise<void> | undefined;
  const onSignal = () => {
    stopping ??= server.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const api = apiClient(server.url, server.key);
  let exitCode = 0;
  try {
    const prefix = `B${Date.now().toString(36).toUpperCase()}`;
    const scenarios = await setUp(api, prefix);
    const probes: Record<string, CpuProbe> = {
      machine: machineCpuProbe, process: processCpuProbe, server: mainThreadCpuProbe, serverWait: mainThreadCpuWaitProbe,
    };
    if (server.postgresCpu) probes.postgres = server.postgresCpu;
    const wal = await recycleWal(server.db, process.argv.includes('--fresh-wal'));
    console.error(wal);
    const rows: Row[] = [];
    const notes: string[] = [];
    const checks: string[] = [];
    for (const s of scenarios) {
      const one = await alone(server, api, s, ALONE_REQUESTS);
      notes.push(`${s.name}, one request at a time (${ALONE_REQUESTS} requests): ${fmt(one.roundTrips, 2)} SQL round trips ` +
        `and ${fmt(one.ms, 2)} ms per reservation; mean ms per statement (sent → answered):\n` +
        one.statements.map((q) => `    ${fmt(q.ms, 2).padStart(6)} ms  ${q.perRequest === 1 ? '' : `(×${fmt(q.perRequest, 2)}) `}${q.statement}`).join('\n'));
      let units = one.units;
      let failures = 0;
      const bodies = s.skus.map((sku, i) => reservationBody(sku, s.location, i));
      for (const concurrency of CONCURRENCY) {
        const walEnd = await walMeter(server.db);
        const before = server.queries.count;
        const result = await runLoad({
          url: server.url, key: server.key, method: 'POST', path: '/v1/reservations', bodies, concurrency,
          warmupMs: WARMUP_SECONDS * 1000, durationMs: SECONDS * 1000, maxRequests: 2_000_000, timeoutMs: 30_000,
          okStatus: 201, sum: { array: 'reservations', field: 'quantity' },
        }, probes);
        const roundTrips = (server.queries.count - before) / result.sent;
        rows.push({ scenario: s.name, result, roundTrips, wal: await walEnd() });
        units += result.summed;
        const failed = Object.values(result.failures).reduce((a, b) => a + b, 0);
        failures += failed;
        const line = `${s.name} @${concurrency}: ${fmt(result.perSecond)}/s, p50 ${fmt(percentile(result.latenciesMs, 50), 1)} ms, ` +
          `p99 ${fmt(percentile(result.latenciesMs, 99), 1)} ms, ${fmt(roundTrips, 2)} round trips/req, ${failed} non-201`;
        console.error(line);
        if (failed > 0) console.error(`  non-201 answers: ${JSON.stringify(result.failures)}\n  ${result.failureSamples.join('\n  ')}`);
      }
      const check = await verify(api, s, units);
      checks.push(`${s.name}: ${fmt(units)} units reserved by 201 answers, reserved counters ${fmt(check.reserved)} → ` +
        `${check.ok ? 'OK' : `MISMATCH (${check.problems.join('; ')})`}; non-201 answers: ${failures}${failures > 0 ? ' (expected none)' : ''}`);
      if (!check.ok || failures > 0) exitCode = 1;
    }

    const table = markdownTable(
      ['scenario', 'concurrency', 'requests', 'reservations/s', 'p50 ms', 'p99 ms', 'round trips/req', 'WAL kB/req', 'new WAL segment files'],
      rows.map(({ scenario, result: r, roundTrips, wal: w }) => [
        scenario, String(r.concurrency), fmt(r.measured), fmt(r.perSecond), fmt(percentile(r.latenciesMs, 50), 1),
        fmt(percentile(r.latenciesMs, 99), 1), fmt(roundTrips, 2), ...walCells(w, r.sent),
      ]),
    );
    const cores = (n: number | undefined) => fmt(n ?? Number.NaN, 2);
    const perRequest = (cpuCores: number | undefined, r: LoadResult) => fmt(((cpuCores ?? Number.NaN) * 1000) / r.perSecond, 2);
    const diagnostics = markdownTable(
      ['scenario', 'concurrency', 'PostgreSQL CPU', 'PostgreSQL CPU ms/req', 'server thread CPU', 'server thread CPU ms/req',
        'server thread waiting for a CPU', 'server event loop busy', 'client event loop busy', 'other processes CPU'],
      rows.map(({ scenario, result: r }) => [
        scenario, String(r.concurrency), cores(r.cpu.postgres), perRequest(r.cpu.postgres, r), cores(r.cpu.server),
        perRequest(r.cpu.server, r), `${fmt((r.cpu.serverWait ?? Number.NaN) * 100)} %`, `${fmt(r.serverBusy * 100)} %`,
        `${fmt(r.clientBusy * 100)} %`, cores(Math.max(0, (r.cpu.machine ?? Number.NaN) - (r.cpu.process ?? 0) - (r.cpu.postgres ?? 0))),
      ]),
    );
    const disturbed = rows.filter(({ result: r }) => (r.cpu.machine ?? 0) - (r.cpu.process ?? 0) - (r.cpu.postgres ?? 0) > 0.1);
    console.log(`\n${machineLine(server.pgVersion, server.embedded)}`);
    console.log(`POST /v1/reservations, 1 line of 1 unit; ${WARMUP_SECONDS} s warm-up then ${SECONDS} s measured per row; ` +
      `keep-alive HTTP from a worker thread; DB_POOL_MAX ${server.poolMax}; LOG_LEVEL silent. ${wal}.\n`);
    console.log(table);
    console.log(`\nrequests = answers inside the measured window; round trips/req = queries the server sent / requests sent ` +
      `(warm-up included).\n`);
    console.log(notes.join('\n'));
    console.log(`\nWhere the time went (CPU in cores of the ${os.cpus().length} on this machine, and per reservation; ` +
      `"other processes" is what the rest of the machine used; an event loop waiting for a CPU counts as busy):\n\n${diagnostics}\n`);
    if (disturbed.length > 0) {
      console.log(`WARNING: other processes used more than 0.1 CPU during ${disturbed.length} of ${rows.length} runs ` +
        '(see "other processes CPU"): those numbers are low; run again on a quiet machine.\n');
    }
    console.log(checks.join('\n'));
    console.log(`\ntotal time ${fmt((performance.now() - started) / 1000, 1)} s`);
  } finally {
    api.close();
    if (!stopping) await server.stop();
  }
  return exitCode;
}

runMain(main);

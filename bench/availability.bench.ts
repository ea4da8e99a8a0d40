/**
 * `npm run bench:availability`: availability reads as channels poll them, over real HTTP at 8 concurrent clients
 * (BENCH_CONCURRENCY), calls per second, SKU answers per second and latency (p50, p99):
 *
 *   query 1,000 × channel   POST /v1/availability/query, 1,000 random SKUs of 5,000 and one channel per call
 *   GET 200 × channel       GET /v1/availability, 200 SKUs (repeated `sku`) and one channel
 *   query 1,000, compact    the POST with `view: compact` (only `sku` and `available` per SKU)
 *
 * The stock is made to exercise every part of the channel ATP: 5,000 SKUs at 3 locations (one inactive), 3 channels
 * (one with a presale window) with a default percentage quota and some per-SKU unit quotas, safety stock and
 * quarantined units on some rows, channel reservations on a tenth of the SKUs and incoming supply on another tenth.
 *
 * Runs on a fresh embedded PostgreSQL in a temporary folder (removed at the end), or on DATABASE_URL when set (data
 * is written there under codes unique to the run). Knobs: BENCH_SECONDS (measured seconds per row, 8),
 * BENCH_WARMUP_SECONDS (1), BENCH_CONCURRENCY (8), BENCH_ROWS (query,get,compact).
 */
import type { RawBuilder } from 'kysely';
import {
  apiClient, chunks, fmt, machineCpuProbe, machineLine, mainThreadCpuProbe, markdownTable, percentile, processCpuProbe,
  runLoad, runMain, startBenchServer, type CpuProbe, type LoadResult,
} from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '8').split(',').map(Number);
const ROWS = new Set((process.env.BENCH_ROWS ?? 'query,get,compact').split(',').map((x) => x.trim()));
if (!(SECONDS > 0 && WARMUP_SECONDS >= 0 && CONCURRENCY.every((c) => Number.isInteger(c) && c >= 1 && c <= 1000))) {
  throw new Error('BENCH_SECONDS must be > 0, BENCH_WARMUP_SECONDS >= 0, BENCH_CONCURRENCY a list of whole numbers from 1 to 1000');
}
const SKUS = 5000;
const BODIES = 40;

/** A small deterministic random source, so that every run polls the same stock. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function pick<T>(items: readonly T[], n: number, rnd: () => number): T[] {
  const copy = [...items];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rnd() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}

async function main(): Promise<number> {
  const started = performance.now();
  const server = await startBenchServer();
  const api = apiClient(server.url, server.key);
  let exitCode = 0;
  try {
    const rnd = random(42);
    const prefix = `A${Date.now().toString(36).toUpperCase()}`;
    const skus = Array.from({ length: SKUS }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
    for (const batch of chunks(skus)) {
      await api.expect(200, 'POST', '/v1/skus/bulk', { items: batch.map((code) => ({ code, name: `bench ${code}` })) });
    }
    const locations = [`${prefix}-WH1`, `${prefix}-WH2`, `${prefix}-OLD`];
    const locationIds: string[] = [];
    for (const code of locations) {
      locationIds.push((await api.expect<{ id: string }>(201, 'POST', '/v1/locations', { code, name: `bench ${code}`, type: 'warehouse' })).id);
    }
    const channels = [`${prefix}-WEB`, `${prefix}-MKT`, `${prefix}-B2B`];
    for (const [i, code] of channels.entries()) {
      await api.expect(201, 'POST', '/v1/channels', {
        code, name: `bench ${code}`, type: i === 1 ? 'marketplace' : 'web', currency: 'EUR', policy: { presaleDays: i === 0 ? 30 : 0 },
      });
    }
    for (const [i, location] of locations.entries()) {
      for (const batch of chunks(skus)) {
        await api.expect(201, 'POST', '/v1/stock/receipts', {
          location, reference: `${location}-initial`, lines: batch.filter(() => rnd() < 0.8).map((sku) => ({ sku, quantity: 1 + Math.floor(rnd() * (i === 2 ? 5 : 200)) })),
        });
      }
    }
    await api.expect(200, 'PUT', '/v1/allocations', { channel: channels[1], quotaPercent: 30 });
    await api.expect(200, 'PUT', '/v1/allocations', { channel: channels[2], quotaPercent: 10 });
    for (const sku of pick(skus, 100, rnd)) await api.expect(200, 'PUT', '/v1/allocations', { channel: channels[0], sku, quotaUnits: 5 });
    for (const batch of chunks(pick(skus, SKUS / 10, rnd), 250)) {
      for (const [i, channel] of channels.entries()) {
        const res = await api.call('POST', '/v1/reservations', {
          channel, reference: { type: 'bench', id: `${prefix}-${i}-${batch[0]}` },
          lines: batch.slice(i * 80, i * 80 + 80).map((sku) => ({ sku, location: locations[0], quantity: 1 })),
        });
        if (res.status !== 201 && res.status !== 409) throw new Error(`reservation: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    for (const batch of chunks(pick(skus, SKUS / 10, rnd))) {
      await api.expect(201, 'POST', '/v1/supply', { type: 'purchase_order', location: locations[0], expectedOn: inTenDays, lines: batch.map((sku) => ({ sku, quantity: 50 })) });
    }
    await api.expect(200, 'PATCH', `/v1/locations/${locationIds[2]}`, { active: false });

    const queryBodies = (compact: boolean) => Array.from({ length: BODIES }, () =>
      JSON.stringify({ skus: pick(skus, 1000, rnd), channel: channels[1], ...(compact && { view: 'compact' }) }));
    const getPaths = Array.from({ length: BODIES }, () =>
      `/v1/availability?channel=${channels[1]}&${pick(skus, 200, rnd).map((s) => `sku=${s}`).join('&')}`);

    // The size of one answer, and that it answers every SKU asked.
    const sample = await api.expect<{ data: unknown[] }>(200, 'POST', '/v1/availability/query', JSON.parse(queryBodies(false)[0] ?? '{}'));
    if (sample.data.length !== 1000) throw new Error(`expected 1,000 answers, got ${sample.data.length}`);
    const answerBytes = JSON.stringify(sample).length;
    const compact = await api.call('POST', '/v1/availability/query', JSON.parse(queryBodies(true)[0] ?? '{}'));
    const compactBytes = compact.status === 200 ? JSON.stringify(compact.body).length : Number.NaN;
    if (process.env.BENCH_HOLD) {
      // For looking at plans by hand: the database stays up for BENCH_HOLD seconds.
      console.error(`database: ${server.databaseUrl}; ids of one body in /tmp/ordo-availability-ids.txt`);
      const { writeFileSync } = await import('node:fs');
      writeFileSync('/tmp/ordo-availability-ids.txt', `{${(sample.data as { skuId: string }[]).map((r) => r.skuId).join(',')}}`);
      await new Promise((resolve) => setTimeout(resolve, Number(process.env.BENCH_HOLD) * 1000));
    }
    if (process.env.BENCH_PROFILE) await profile(server, sample.data as { skuId: string }[], channels[1] ?? '');

    const probes: Record<string, CpuProbe> = { machine: machineCpuProbe, process: processCpuProbe, server: mainThreadCpuProbe };
    if (server.postgresCpu) probes.postgres = server.postgresCpu;
    const results: { row: string; skusPerCall: number; result: LoadResult }[] = [];
    const plan = [
      ...(ROWS.has('query') ? [{ row: 'POST query, 1,000 SKUs × 1 channel', method: 'POST' as const, path: '/v1/availability/query', bodies: queryBodies(false), skusPerCall: 1000 }] : []),
      ...(ROWS.has('get') ? [{ row: 'GET, 200 SKUs × 1 channel', method: 'GET' as const, path: '', bodies: getPaths, skusPerCall: 200 }] : []),
      ...(ROWS.has('compact') ? [{ row: 'POST query, 1,000 SKUs × 1 channel, compact', method: 'POST' as const, path: '/v1/availability/query', bodies: queryBodies(true), skusPerCall: 1000 }] : []),
    ];
    for (const p of plan) {
      for (const concurrency of CONCURRENCY) {
        // GET: one path per body (the load worker takes a body at random; for a GET the "body" is the path).
        const result = p.method === 'GET'
          ? await runGetLoad(server.url, server.key, p.bodies, concurrency, probes)
          : await runLoad({
            url: server.url, key: server.key, method: p.method, path: p.path, bodies: p.bodies, concurrency,
            warmupMs: WARMUP_SECONDS * 1000, durationMs: SECONDS * 1000, timeoutMs: 30_000, okStatus: 200,
          }, probes);
        const failed = Object.values(result.failures).reduce((a, b) => a + b, 0);
        if (failed > 0) {
          exitCode = 1;
          console.error(`${p.row}: ${failed} non-200 answers: ${JSON.stringify(result.failures)}\n  ${result.failureSamples.join('\n  ')}`);
        }
        console.error(`${p.row} @${concurrency}: ${fmt(result.perSecond)} calls/s, p99 ${fmt(percentile(result.latenciesMs, 99), 1)} ms`);
        results.push({ row: p.row, skusPerCall: p.skusPerCall, result });
      }
    }

    console.log(`\n${machineLine(server.pgVersion, server.embedded)}`);
    console.log(`${SKUS} SKUs, 3 locations (1 inactive), 3 channels; ${WARMUP_SECONDS} s warm-up then ${SECONDS} s measured per row; ` +
      `keep-alive HTTP from a worker thread; DB_POOL_MAX ${server.poolMax}; LOG_LEVEL silent. One answer of 1,000 SKUs: ${fmt(answerBytes / 1024, 1)} kB (compact: ${Number.isNaN(compactBytes) ? 'not served' : `${fmt(compactBytes / 1024, 1)} kB`}).\n`);
    console.log(markdownTable(
      ['call', 'clients', 'calls', 'calls/s', 'SKU answers/s', 'p50 ms', 'p99 ms', 'PostgreSQL CPU', 'server thread CPU', 'other processes CPU'],
      results.map(({ row, skusPerCall, result: r }) => [
        row, String(r.concurrency), fmt(r.measured), fmt(r.perSecond), fmt(r.perSecond * skusPerCall),
        fmt(percentile(r.latenciesMs, 50), 1), fmt(percentile(r.latenciesMs, 99), 1),
        fmt(r.cpu.postgres ?? Number.NaN, 2), fmt(r.cpu.server ?? Number.NaN, 2),
        fmt(Math.max(0, (r.cpu.machine ?? Number.NaN) - (r.cpu.process ?? 0) - (r.cpu.postgres ?? 0)), 2),
      ]),
    ));
    console.log(`\ntotal time ${fmt((performance.now() - started) / 1000, 1)} s`);
  } finally {
    api.close();
    await server.stop();
  }
  return exitCode;
}

/** Where the time of one call goes: each statement alone, EXPLAIN ANALYZE, the JSON of the answer. */
async function profile(server: Awaited<ReturnType<typeof startBenchServer>>, rows: { skuId: string }[], channel: string) {
  const { sql } = await import('kysely');
  const { channelAvailability, skuAvailability } = await import('../src/inventory/availability.repository.js');
  const ids = rows.map((r) => r.skuId);
  const ch = (await sql<{ id: string }>`SELECT id FROM channels WHERE code = ${channel}`.execute(server.db)).rows[0]?.id ?? '';
  const time = async (name: string, f: () => Promise<unknown>) => {
    await f();
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await f();
    console.error(`${name}: ${fmt((performance.now() - t0) / 20, 2)} ms`);
  };
  await time('channelAvailability', () => channelAvailability(server.db, ids, [ch]));
  await time('skuAvailability', () => skuAvailability(server.db, ids, {}));
  const modules = await import('../src/inventory/availability.repository.js') as Record<string, unknown>;
  const fast = modules.availabilityJson as undefined | ((db: unknown, q: unknown, opts?: unknown) => Promise<unknown>);
  if (fast) await time('availabilityJson', () => fast(server.db, { skuIds: ids, skuCodes: ids, channel: { id: ch, code: channel } }));
  if (fast) await time('availabilityJson compact', () => fast(server.db, { skuIds: ids, skuCodes: ids, channel: { id: ch, code: channel } }, { compact: true }));
  const body = { data: rows };
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) JSON.stringify(body);
  console.error(`JSON.stringify of the answer: ${fmt((performance.now() - t0) / 20, 2)} ms`);
  const statement = modules.availabilityStatement as undefined | ((q: unknown) => RawBuilder<unknown>);
  const plan = statement
    ? await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) ${statement({ skuIds: ids, skuCodes: ids, channel: { id: ch, code: channel } })}`.execute(server.db)
    : await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM ordo_channel_atp(${ids}::uuid[], ${[ch]}::uuid[], false)`.execute(server.db);
  console.error(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
}

/** GETs: the load worker sends one path per request, taken at random from `paths`. */
function runGetLoad(url: string, key: string, paths: readonly string[], concurrency: number, probes: Record<string, CpuProbe>) {
  return runLoad({
    url, key, method: 'GET', path: '/v1/availability', bodies: [''], paths, concurrency,
    warmupMs: WARMUP_SECONDS * 1000, durationMs: SECONDS * 1000, timeoutMs: 30_000, okStatus: 200,
  }, probes);
}

runMain(main);

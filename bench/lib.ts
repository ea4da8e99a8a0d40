/**
 * Shared helpers of the benchmark scripts (bench/*.bench.ts): a real Ordo server in this process on a throwaway
 * embedded PostgreSQL (or DATABASE_URL), a count of every SQL statement the server sends, a small keep-alive HTTP
 * client, and a closed-loop load generator that runs in a worker thread so that it does not share the server's
 * event loop.
 *
 * The server is put together the way `startServer` (src/server.ts) does it (locate the database, migrate, buildApp,
 * listen), but with a pool whose clients are wrapped to count queries: every query is one round trip to
 * PostgreSQL, BEGIN and COMMIT included.
 */
import { sql } from 'kysely';
import { closeApp } from '../src/server.js';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type pg from 'pg';
import { cpuWindow } from './cpu-window.js';
import type { App } from '../src/app.js';
import type { Db } from '../src/db/database.js';

// ---------------------------------------------------------------------------------------------------------------
// Counting SQL round trips

export interface QueryCounter {
  /** Queries sent by the server's pool since the start. */
  count: number;
  /** When set, the text of each query is appended here (for listing the statements of one request). */
  recording: string[] | undefined;
  /** When set, the time from sending each query to its answer is added up here, per statement (its first words). */
  timings: Map<string, { count: number; ms: number }> | undefined;
}

/** A statement's first 100 characters on one line: enough to tell the statements of a request apart. */
export const statementKey = (text: string) => text.slice(0, 400).replace(/\s+/g, ' ').trim().slice(0, 100);

/** Wraps `query` of every client the pool creates, so that each query the server sends is counted. */
function countQueries(pool: pg.Pool, counter: QueryCounter): void {
  pool.on('connect', (client) => {
    const target = client as unknown as { query: (...args: unknown[]) => unknown };
    const original = target.query;
    target.query = function countedQuery(this: unknown, ...args: unknown[]) {
      counter.count++;
      const { recording, timings } = counter;
      if (!recording && !timings) return original.apply(this, args);
      const first = args[0];
      const raw = typeof first === 'string' ? first : (first as { text?: unknown } | undefined)?.text;
      const text = typeof raw === 'string' ? raw : '(query object)';
      recording?.push(text);
      const t0 = performance.now();
      const result = original.apply(this, args);
      if (timings && result instanceof Promise) {
        const add = () => {
          const key = statementKey(text);
          const entry = timings.get(key) ?? { count: 0, ms: 0 };
          entry.count++;
          entry.ms += performance.now() - t0;
          timings.set(key, entry);
        };
        result.then(add, add);
      }
      return result;
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The server

export interface BenchServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** An admin API key. */
  key: string;
  app: App;
  /** The server's own database handle (its pool is the counted one: read the counter around your own queries). */
  db: Db;
  queries: QueryCounter;
  /** The database's connection string, for connections of your own (their queries are not counted). */
  databaseUrl: string;
  embedded: boolean;
  /** CPU of the embedded PostgreSQL (all its processes); with DATABASE_URL only when BENCH_POSTGRES_DATA_DIR names its folder. */
  postgresCpu: CpuProbe | undefined;
  poolMax: number;
  pgVersion: string;
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  /** DB_POOL_MAX of the server. Default: the DB_POOL_MAX environment variable, else the server's own default. */
  poolMax?: number;
  /** More settings, as environment variables (e.g. WEBHOOK_ALLOW_PRIVATE_ADDRESSES for a local receiver). */
  env?: Record<string, string>;
}

/**
 * Starts Ordo on 127.0.0.1 with a free port and silent logs. With DATABASE_URL set, that database is used (and
 * written to: give it a throwaway one); otherwise a new embedded PostgreSQL runs in a temporary folder that stop()
 * removes.
 */
export async function startBenchServer(opts: BenchServerOptions = {}): Promise<BenchServer> {
  const { loadConfig } = await import('../src/config.js');
  const { createLogger } = await import('../src/logger.js');
  const { locateDatabase } = await import('../src/db/connect.js');
  const { createDatabase } = await import('../src/db/database.js');
  const { migrateToLatest } = await import('../src/db/migrate.js');
  const { buildApp } = await import('../src/app.js');
  const { createApiKey } = await import('../src/access/create-api-key.js');
  const { sql } = await import('kysely');

  const databaseUrl = process.env.DATABASE_URL || undefined;
  let tempDir: string | undefined;
  if (!databaseUrl) {
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'ordo-bench-'));
    // mkdtemp makes the folder 0700; PostgreSQL runs as its own user when we are root and must reach the data.
    chmodSync(tempDir, 0o755);
  }
  const removeTemp = () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };

  const poolMax = opts.poolMax ?? (process.env.DB_POOL_MAX ? Number(process.env.DB_POOL_MAX) : undefined);
  const config = loadConfig(
    {
      DATABASE_URL: databaseUrl,
      ORDO_DATA_DIR: tempDir ? path.join(tempDir, 'data') : undefined,
      HOST: '127.0.0.1',
      PORT: '0',
      DB_POOL_MAX: poolMax === undefined ? undefined : String(poolMax),
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
      ...opts.env,
    },
    { loadDotEnv: false },
  );
  const logger = createLogger(config);

  let location: Awaited<ReturnType<typeof locateDatabase>> | undefined;
  let database: ReturnType<typeof createDatabase> | undefined;
  let app: App | undefined;
  const cleanUp = async () => {
    if (app) await closeApp(app).catch(() => undefined);
    if (database) await database.close().catch(() => undefined);
    if (location) await location.stop().catch(() => undefined);
    removeTemp();
  };
  try {
    location = await locateDatabase(config, { log: () => undefined, shareWithRunningServer: false });
    database = createDatabase(location.url, { poolMax: config.dbPoolMax });
    const queries: QueryCounter = { count: 0, recording: undefined, timings: undefined };
    countQueries(database.pool, queries);
    countQueries(database.batchPool, queries);
    await migrateToLatest(database.db);
    const pgVersion = (await sql<{ version: string }>`SELECT version()`.execute(database.db)).rows[0]?.version ?? '?';
    const created = await database.db
      .transaction()
      .execute((trx) => createApiKey(trx, { name: 'benchmark', role: 'admin', createdBy: null }));
    app = await buildApp({ db: database.db, pool: database.pool, batchDb: database.batchDb, batchPool: database.batchPool, config, logger });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const started = app;
    const db = database.db;
    let stopped = false;
    return {
      url,
      key: created.key,
      app: started,
      db,
      queries,
      databaseUrl: location.url,
      embedded: location.embedded,
      // BENCH_POSTGRES_DATA_DIR: the data folder of a PostgreSQL on this machine that DATABASE_URL names, to count its CPU too.
      postgresCpu: location.embedded ? postgresCpuProbe(path.join(config.dataDir, 'postgres'))
        : process.env.BENCH_POSTGRES_DATA_DIR ? postgresCpuProbe(process.env.BENCH_POSTGRES_DATA_DIR) : undefined,
      poolMax: config.dbPoolMax,
      pgVersion,
      async stop() {
        if (stopped) return;
        stopped = true;
        await cleanUp();
      },
    };
  } catch (e) {
    await cleanUp();
    throw e;
  }
}


// ---------------------------------------------------------------------------------------------------------------
// HTTP

export interface HttpAnswer {
  status: number;
  text: string;
}

/** One request over `agent` (keep-alive); rejects on a network error or after `timeoutMs`. */
export function httpRequest(
  agent: http.Agent,
  base: URL,
  req: { method: string; path: string; key: string; body?: string; timeoutMs?: number; contentType?: string },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${req.key}`, accept: 'application/json' };
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(req.body);
    }
    const r = http.request(
      { agent, host: base.hostname, port: base.port, method: req.method, path: req.path, headers },
      (res) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    r.setTimeout(req.timeoutMs ?? 30_000, () => r.destroy(new Error(`no answer within ${req.timeoutMs ?? 30_000} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** A JSON client for setting up data and checking results (not for load: see runLoad). */
export function apiClient(baseUrl: string, key: string) {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  async function call<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
    const answer = await httpRequest(agent, base, {
      method, path: urlPath, key, ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const parsed: unknown = answer.text ? JSON.parse(answer.text) : undefined;
    return { status: answer.status, body: parsed as T };
  }
  /** The call, which must answer `expected`; otherwise throws with the answer. */
  async function expect<T = unknown>(expected: number, method: string, urlPath: string, body?: unknown): Promise<T> {
    const res = await call<T>(method, urlPath, body);
    if (res.status !== expected) {
      throw new Error(`${method} ${urlPath}: expected ${expected}, got ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
    }
    return res.body;
  }
  /** Every row of a paginated list, following `next`. */
  async function listAll<T>(firstPath: string): Promise<T[]> {
    const rows: T[] = [];
    let next: string | null = firstPath;
    for (let pages = 0; next && pages < 100_000; pages++) {
      const page: { data: T[]; next: string | null } = await expect(200, 'GET', next);
      rows.push(...page.data);
      next = page.next;
    }
    return rows;
  }
  return { call, expect, listAll, close: () => agent.destroy() };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** Splits `items` into arrays of at most `size` (the API takes up to 1,000 items or lines per request). */
export function chunks<T>(items: readonly T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Load

export interface LoadSpec {
  url: string;
  key: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'GET';
  path: string;
  /** Request bodies (JSON text); each request takes one at random. `{{seq}}` in a body becomes a unique number. */
  bodies: readonly string[];
  /** Instead of `path`: each request takes one of these at random (GETs with different query strings; no body sent). */
  paths?: readonly string[];
  /** Closed-loop clients: each sends its next request when its previous one is answered. */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** A hard bound on requests sent (warm-up included), so the loop ends even if time is mismeasured. */
  maxRequests?: number;
  timeoutMs?: number;
  /** The answer status that counts as success (others are counted and sampled). Default 201. */
  okStatus?: number;
  /** For successful answers: sum `answer[sumArray][*][sumField]` (e.g. reservations / quantity). */
  sum?: { array: string; field: string };
}

export interface LoadResult {
  concurrency: number;
  /** Answers received inside the measured window. */
  measured: number;
  windowMs: number;
  perSecond: number;
  /** Latencies (ms) of the answers inside the window, ascending. */
  latenciesMs: Float64Array;
  /** Every request sent, warm-up and drain included, and its outcome. */
  sent: number;
  ok: number;
  /** Count of answers per non-ok status; 0 = a network error or timeout. */
  failures: Record<string, number>;
  failureSamples: string[];
  /** The sum of `sum` over ok answers (every request sent). */
  summed: number;
  /** Share of the window the client's event loop was busy (near 1: the client is the bottleneck). */
  clientBusy: number;
  /** Share of the window the main thread's (the server's) event loop was busy (waiting for a CPU counts as busy). */
  serverBusy: number;
  /** CPU used during the window by each probe, in cores (1.0 = one core busy the whole window). */
  cpu: Record<string, number>;
}

type WorkerOutput = Omit<LoadResult, 'serverBusy' | 'cpu' | 'concurrency'>;

/** A cumulative CPU time in seconds (of a thread, a process, a group of processes); NaN when unknown. */
export type CpuProbe = () => number;

const USER_HZ = 100; // clock ticks per second in /proc/*/stat on Linux

/** utime + stime (+ the reaped children's, with `children`) of a /proc stat line, in seconds; NaN if unreadable. */
function procCpuSeconds(statPath: string, children = false): number {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // fields[0] is the state (field 3); utime, stime, cutime, cstime are fields 14 to 17.
    const ticks = (fields[11] ?? 0) + (fields[12] ?? 0) + (children ? (fields[13] ?? 0) + (fields[14] ?? 0) : 0);
    return ticks / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

/** CPU of this whole process (every thread: the server, the load worker, GC and I/O helpers). */
export const processCpuProbe: CpuProbe = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** CPU of the main thread only (the server's event loop): Linux /proc; NaN elsewhere. */
export const mainThreadCpuProbe: CpuProbe = () => procCpuSeconds(`/proc/self/task/${process.pid}/stat`);

/** CPU busy on the whole machine, every process (Linux /proc/stat); NaN elsewhere. */
export const machineCpuProbe: CpuProbe = () => {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.split(/\s+/).slice(1).map(Number) ?? [];
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = (cpu[0] ?? 0) + (cpu[1] ?? 0) + (cpu[2] ?? 0) + (cpu[5] ?? 0) + (cpu[6] ?? 0) + (cpu[7] ?? 0);
    return busy / USER_HZ;
  } catch {
    return Number.NaN;
  }
};

/**
 * Time the main thread spent runnable but waiting for a CPU (Linux schedstat run delay), in seconds; NaN elsewhere.
 * Measured like CPU, its share of a window says how much of the time the server's event loop was starved.
 */
export const mainThreadCpuWaitProbe: CpuProbe = () => {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(' ');
    return Number(fields[1]) / 1e9;
  } catch {
    return Number.NaN;
  }
};

/**
 * CPU of a PostgreSQL server running on this machine: its postmaster (with its exited children) and every live
 * child process (backends, WAL writer, checkpointer…). Linux /proc only; NaN elsewhere.
 */
export function postgresCpuProbe(pgDataDir: string): CpuProbe {
  return () => {
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(path.join(pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    } catch {
      return Number.NaN;
    }
    let total = procCpuSeconds(`/proc/${pid}/stat`, true);
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return Number.NaN;
    }
    for (const child of children) {
      const t = procCpuSeconds(`/proc/${child}/stat`);
      if (Number.isFinite(t)) total += t;
    }
    return total;
  };
}

const WORKER_TAG = 'ordo-bench-load';

/**
 * Runs `spec` in a worker thread (a separate event loop, so the load generator does not steal the server's) and
 * returns the throughput and latencies of the window after the warm-up. Every request still in flight when the
 * window ends is awaited before this returns, so counts taken around a run (queries, stock) are complete.
 */
export async function runLoad(spec: LoadSpec, probes: Record<string, CpuProbe> = {}): Promise<LoadResult> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { tag: WORKER_TAG, spec } });
  const window = cpuWindow(probes);
  let eluAtWindow: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  let eluAfter: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  const output = await new Promise<WorkerOutput>((resolve, reject) => {
    worker.on('message', (msg: { kind: 'window-start' } | { kind: 'window-end' } | { kind: 'done'; output: WorkerOutput }) => {
      if (msg.kind === 'window-start') {
        eluAtWindow = performance.eventLoopUtilization();
        window.start();
      } else if (msg.kind === 'window-end') {
        eluAfter = performance.eventLoopUtilization(eluAtWindow);
        window.end();
      } else {
        resolve(msg.output);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the load worker exited with code ${code} before reporting`)));
  });
  await worker.terminate();
  return { ...output, concurrency: spec.concurrency, serverBusy: eluAfter?.utilization ?? Number.NaN, cpu: window.cores() };
}

async function loadWorker(spec: LoadSpec): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('loadWorker runs in a worker thread');
  const base = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency, maxFreeSockets: spec.concurrency });
  const okStatus = spec.okStatus ?? 201;
  const maxRequests = spec.maxRequests ?? 5_000_000;
  const hasSeq = spec.bodies.some((b) => b.includes('{{seq}}'));
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const failureSamples: string[] = [];
  let sent = 0;
  let ok = 0;
  let summed = 0;

  const start = performance.now();
  const windowStart = start + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  let eluAtWindow: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  let eluInWindow: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  // Timers mark the window for the main thread's measurements (server event loop, process CPU).
  const marks = [
    setTimeout(() => {
      eluAtWindow = performance.eventLoopUtilization();
      port.postMessage({ kind: 'window-start' });
    }, Math.max(0, windowStart - performance.now())),
    setTimeout(() => {
      eluInWindow = performance.eventLoopUtilization(eluAtWindow);
      port.postMessage({ kind: 'window-end' });
    }, Math.max(0, windowEnd - performance.now())),
  ];

  const record = (status: number, text: string) => {
    if (status === okStatus) {
      ok++;
      if (spec.sum) {
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const items = parsed[spec.sum.array];
        if (Array.isArray(items)) {
          for (const item of items) summed += Number((item as Record<string, unknown>)[spec.sum.field] ?? 0);
        }
      }
      return;
    }
    failures[String(status)] = (failures[String(status)] ?? 0) + 1;
    if (failureSamples.length < 5) failureSamples.push(`${status}: ${text.slice(0, 300)}`);
  };

  const lane = async () => {
    while (sent < maxRequests) {
      const t0 = performance.now();
      if (t0 >= windowEnd) return;
      const seq = sent++;
      const template = spec.bodies[Math.floor(Math.random() * spec.bodies.length)] ?? '';
      const body = spec.paths ? undefined : hasSeq ? template.replaceAll('{{seq}}', String(seq)) : template;
      const path = spec.paths ? (spec.paths[Math.floor(Math.random() * spec.paths.length)] ?? spec.path) : spec.path;
      let status = 0;
      let text = '';
      try {
        ({ status, text } = await httpRequest(agent, base, { method: spec.method, path, key: spec.key, body, timeoutMs: spec.timeoutMs ?? 30_000 }));
      } catch (e) {
        text = e instanceof Error ? e.message : String(e);
      }
      const t1 = performance.now();
      if (t1 >= windowStart && t1 < windowEnd) latencies.push(t1 - t0);
      record(status, text);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, lane));
  for (const m of marks) clearTimeout(m);
  agent.destroy();

  const windowMs = Math.min(performance.now(), windowEnd) - windowStart;
  const sorted = Float64Array.from(latencies).sort();
  const output: WorkerOutput = {
    measured: sorted.length,
    windowMs,
    perSecond: windowMs > 0 ? (sorted.length * 1000) / windowMs : 0,
    latenciesMs: sorted,
    sent,
    ok,
    failures,
    failureSamples,
    summed,
    clientBusy: eluInWindow?.utilization ?? Number.NaN,
  };
  port.postMessage({ kind: 'done', output });
}

if (!isMainThread && (workerData as { tag?: string } | null)?.tag === WORKER_TAG) {
  const { spec } = workerData as { spec: LoadSpec };
  loadWorker(spec).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics and printing

/** The p-th percentile (0 < p ≤ 100) of ascending values, nearest-rank method; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The short commit of the working tree (which may have uncommitted changes), or undefined outside git. */
export function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** "machine: <cpu model> × N, X GiB RAM · Node vX · PostgreSQL X · commit · <date>" */
export function machineLine(pgVersion: string, embedded: boolean): string {
  const commit = gitCommit();
  const cpus = os.cpus();
  const pgShort = /^PostgreSQL [^\s,]+/.exec(pgVersion)?.[0] ?? pgVersion;
  return [
    `machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'} × ${cpus.length}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.platform()} ${os.release()}`,
    `Node ${process.version}`,
    `${pgShort} (${embedded ? 'embedded' : 'DATABASE_URL'})`,
    ...(commit ? [`tree at commit ${commit}`] : []),
    new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  ].join(' · ');
}

/** Runs a benchmark's main and exits with its code (1 on a thrown error), without cutting short pending output. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

/**
 * A server that has been running reuses its 16 MB WAL segment files (recycled at checkpoints); a freshly initialised
 * cluster creates and zero-fills a new one inside whichever commit needs it (for order capture about every 1,000
 * orders: one batch write of ~50-60 ms instead of ~8, which set the p99 at 32 clients). Unless `fresh` (the
 * benchmarks' --fresh-wal), 40 segments are created and recycled before measuring (pg_switch_wal, CHECKPOINT:
 * superuser only), so the rows show the steady state; `walState`/`walBetween` tell how much WAL a row wrote and how
 * many segment files it had to create.
 */
export async function recycleWal(db: Db, fresh: boolean): Promise<string> {
  if (fresh) return 'WAL segments not prepared (--fresh-wal): new segments are zero-filled inside commits';
  try {
    for (let i = 0; i < 40; i++) await sql`SELECT pg_logical_emit_message(false, 'ordo-bench', 'wal'), pg_switch_wal()`.execute(db);
    await sql`CHECKPOINT`.execute(db);
    return 'WAL segments created and recycled before measuring (40 × pg_switch_wal, then CHECKPOINT), as on a server that has been running; --fresh-wal skips this';
  } catch (e) {
    return `WAL segments not prepared (${(e as Error).message}): new segments are zero-filled inside commits`;
  }
}

/** The WAL a run wrote: bytes, and segment files PostgreSQL had to create (NaN where the role may not read them). */
export interface WalWritten {
  bytes: number;
  files: number;
}

/** Starts measuring the WAL written from now; call the result when the run ends. */
export async function walMeter(db: Db): Promise<() => Promise<WalWritten>> {
  const from = await walState(db);
  return async () => {
    const to = await walState(db);
    if (!from || !to) return { bytes: Number.NaN, files: Number.NaN };
    const r = await sql<{ bytes: number }>`SELECT pg_wal_lsn_diff(${to.lsn}::pg_lsn, ${from.lsn}::pg_lsn)::float8 AS bytes`.execute(db);
    return { bytes: r.rows[0]?.bytes ?? Number.NaN, files: to.files - from.files };
  };
}

/** The table cells for a run's WAL: kB per request and new segment files. */
export const walCells = (w: WalWritten, requests: number): string[] =>
  [fmt(w.bytes / 1024 / requests, 1), Number.isNaN(w.files) ? '?' : String(w.files)];

/** The WAL position and the number of WAL segment files (null where the role may not read them). */
async function walState(db: Db): Promise<{ lsn: string; files: number } | null> {
  try {
    const r = await sql<{ lsn: string; files: number }>`SELECT pg_current_wal_lsn()::text AS lsn, (SELECT count(*)::int FROM pg_ls_waldir()) AS files`.execute(db);
    return r.rows[0] ?? null;
  } catch {
    return null;
  }
}

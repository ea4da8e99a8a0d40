/**
 * The bare-SQL floor of order capture (bench/floor.sql): closed-loop clients, each on its own connection, write one
 * order per statement (order, 3 lines, 3 guarded stock updates, 3 ledger rows, an outbox row), in autocommit, from a
 * worker thread. `npm run bench:orders` measures it beside Ordo's capture, interleaved, so the two share the machine's
 * state; the target is capture at ≥ 0.6× this floor.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pg from 'pg';
import { cpuWindow } from './cpu-window.js';
import type { CpuProbe } from './lib.js';

const WORKER_TAG = 'ordo-floor-load';
const SKUS = 300;

function floorSql(): { schema: string; statement: string } {
  const text = readFileSync(path.resolve('bench/floor.sql'), 'utf8');
  const [schema, statement] = text.split('-- STATEMENT\n');
  if (!schema || !statement) throw new Error('bench/floor.sql: expected a "-- STATEMENT" line before the statement');
  return { schema, statement };
}

/** Creates (or re-creates) the floor's schema in the database, with its stock. */
export async function setUpFloor(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(floorSql().schema);
  } finally {
    await client.end();
  }
}

export interface FloorSpec {
  databaseUrl: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface FloorResult {
  concurrency: number;
  measured: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Orders whose 3 stock updates did not all pass their guard (expected 0: stock is plentiful). */
  unguarded: number;
  /** Statements PostgreSQL broke off as a deadlock and the client sent again (see floorLoad). */
  deadlocks: number;
  /** CPU used during the window by each probe, in cores (as runLoad's). */
  cpu: Record<string, number>;
}

type FloorMessage = { kind: 'window-start' } | { kind: 'window-end' } | { kind: 'done'; result: Omit<FloorResult, 'cpu'> };

/** Runs the floor's load from a worker thread; `probes` are read at the start and the end of its window. */
export function runFloor(spec: FloorSpec, probes: Record<string, CpuProbe> = {}): Promise<FloorResult> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { tag: WORKER_TAG, spec } });
  const window = cpuWindow(probes);
  return new Promise<FloorResult>((resolve, reject) => {
    worker.on('message', (msg: FloorMessage) => {
      if (msg.kind === 'window-start') window.start();
      else if (msg.kind === 'window-end') window.end();
      else {
        void worker.terminate();
        resolve({ ...msg.result, cpu: window.cores() });
      }
    });
    worker.once('error', reject);
  });
}

async function floorLoad(spec: FloorSpec, signal: (kind: 'window-start' | 'window-end') => void = () => undefined): Promise<Omit<FloorResult, 'cpu'>> {
  const { statement } = floorSql();
  const pool = new pg.Pool({ connectionString: spec.databaseUrl, max: spec.concurrency });
  const latencies: number[] = [];
  let measured = 0;
  let unguarded = 0;
  let deadlocks = 0;
  let seq = 0;
  const run = randomUUID().slice(0, 8);
  const start = performance.now();
  const windowStart = start + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  const marks = [setTimeout(() => signal('window-start'), spec.warmupMs), setTimeout(() => signal('window-end'), spec.warmupMs + spec.durationMs)];
  const client = async () => {
    const conn = await pool.connect();
    try {
      while (performance.now() < windowEnd) {
        const skus = new Set<number>();
        while (skus.size < 3) skus.add(1 + Math.floor(Math.random() * SKUS));
        // In SKU order, but that does not fix the order the statement locks stock rows in: its UPDATE … FROM joins
        // the lines to the stock rows in whatever order the plan reads them, so two orders can lock two rows in
        // opposite orders. PostgreSQL then breaks one off (40P01) and the client sends it again, as any client would;
        // its latency counts from the first try. Ordo locks in key order instead (ordo_decide_reservations).
        const lines = [...skus].sort((x, y) => x - y).map((sku, i) => ({
          id: randomUUID(), line_no: i + 1, sku_id: sku, quantity: Math.random() < 0.2 ? 2 : 1, unit_price_minor: 990 + Math.floor(Math.random() * 9000),
        }));
        const total = lines.reduce((a, l) => a + l.quantity * l.unit_price_minor, 0) + 495;
        const n = seq++;
        const t0 = performance.now();
        const query = {
          name: 'ordo-floor', text: statement,
          values: [randomUUID(), `FLOOR-${run}-${n}`, `floor-${run}-${n}@example.com`, total, JSON.stringify(lines)],
        };
        let result: pg.QueryResult<{ guarded: number }> | undefined;
        while (!result) {
          result = await conn.query<{ guarded: number }>(query).catch((e: unknown) => {
            if ((e as { code?: string }).code !== '40P01') throw e;
            deadlocks++;
            return undefined;
          });
        }
        const t1 = performance.now();
        if ((result.rows[0]?.guarded ?? 0) !== 3) unguarded++;
        if (t0 >= windowStart && t1 <= windowEnd) {
          measured++;
          latencies.push(t1 - t0);
        }
      }
    } finally {
      conn.release();
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, client));
  await pool.end();
  marks.forEach(clearTimeout);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  return { concurrency: spec.concurrency, measured, perSecond: measured / (spec.durationMs / 1000), p50: at(50), p99: at(99), unguarded, deadlocks };
}

if (!isMainThread && (workerData as { tag?: string } | null)?.tag === WORKER_TAG) {
  const post = (msg: FloorMessage) => parentPort?.postMessage(msg);
  void floorLoad((workerData as { spec: FloorSpec }).spec, (kind) => post({ kind })).then((result) => post({ kind: 'done', result }));
}

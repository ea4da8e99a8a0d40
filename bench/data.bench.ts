/**
 * `npm run bench:data`: data import and export over real HTTP, with the server's peak memory.
 *
 *   CSV order import   BENCH_DATA_IMPORT orders (20,000; 1–3 lines each, one CSV row per line) of history as one
 *                      POST /v1/imports/orders body streamed from a file: orders/s and rows/s (target ≥ 2,000 orders/s)
 *   CSV order export   GET /v1/exports/orders?format=csv of BENCH_DATA_EXPORT orders (100,000: the imported ones,
 *                      then `ordo seed --orders` fills up to the number), streamed and counted: rows/s, MB/s
 *   XLSX order export  the same as .xlsx, when BENCH_DATA_XLSX=1
 *
 * CPU: of the server's main thread and of PostgreSQL's processes, in ms of one core per order imported and per
 * 1,000 rows exported (less distorted by a loaded machine than the rates).
 * Memory: the process's resident set (server and client are one process) sampled every 50 ms, before and at its
 * peak during each run; a flat import or export shows a peak near its start whatever the size.
 * A million orders take minutes to seed on a small shared machine: set BENCH_DATA_EXPORT=1000000 on a quiet one.
 */
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { seedOrders } from '../src/cli/seed-orders.js';
import { fmt, machineLine, mainThreadCpuProbe, markdownTable, runMain, startBenchServer, type CpuProbe } from './lib.js';

const IMPORT = Number(process.env.BENCH_DATA_IMPORT ?? 20_000);
const EXPORT = Number(process.env.BENCH_DATA_EXPORT ?? 100_000);
const XLSX = process.env.BENCH_DATA_XLSX === '1';

const header = 'channel,externalRef,status,placedAt,currency,customerName,customerEmail,shipLine1,shipCity,shipPostalCode,shipCountry,shippingMinor,sku,quantity,unitPriceMinor,discountMinor,taxMinor';

async function writeOrdersCsv(file: string, orders: number, skus: readonly string[], tag: string): Promise<number> {
  const out = createWriteStream(file);
  let rows = 0;
  const put = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await put(`${header}\n`);
  for (let i = 0; i < orders; i++) {
    const lines = 1 + (i % 3);
    const placed = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
    for (let l = 0; l < lines; l++) {
      const first = l === 0;
      const sku = skus[(i * 7 + l * 13) % skus.length];
      await put(first
        ? `WEB,${tag}-${i},${i % 17 === 0 ? 'cancelled' : 'completed'},${placed},EUR,Kunde ${i % 5000},kunde${i % 5000}@example.com,Hauptstraße ${1 + (i % 99)},Köln,50667,DE,495,${sku},${1 + (l % 2)},${1990 + l * 500},0,0\n`
        : `WEB,${tag}-${i},,,,,,,,,,,${sku},${1 + (l % 2)},${1990 + l * 500},0,0\n`);
      rows++;
    }
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

/** CPU seconds of the server's thread and of PostgreSQL from now; `stop` answers ms of one core per unit. */
function cpuMeter(probes: Record<string, CpuProbe>) {
  const start = Object.fromEntries(Object.entries(probes).map(([name, probe]) => [name, probe()]));
  return (units: number) => Object.fromEntries(Object.entries(probes).map(([name, probe]) => [name, ((probe() - (start[name] ?? Number.NaN)) * 1000) / units]));
}

/** Samples the resident set every 50 ms; `stop` answers the peak in MiB. */
function memoryProbe() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return { before: process.memoryUsage().rss / 2 ** 20, stop: () => { clearInterval(timer); return Math.max(peak, process.memoryUsage().rss) / 2 ** 20; } };
}

function request(url: string, key: string, method: string, body?: { file: string; type: string }): Promise<{ status: number; bytes: number; lines: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { authorization: `Bearer ${key}`, ...(body && { 'content-type': body.type, 'content-length': statSync(body.file).size }) } }, (res) => {
      let bytes = 0;
      let lines = 0;
      let text = '';
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
        if (text.length < 100_000) text += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) createReadStream(body.file).pipe(req);
    else req.end();
  });
}

async function main(): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordo-bench-data-'));
  const server = await startBenchServer();
  const results: string[][] = [];
  try {
    const { db } = server;
    // The demo world (channels WEB/MARKET/B2B, 200 SKUs, locations) that the order seeder needs too.
    const { seedDemo } = await import('../src/cli/seed.js');
    await seedDemo(db);
    const skus = (await db.selectFrom('skus').select('code').orderBy('code').execute()).map((s) => s.code);

    const file = path.join(dir, 'orders.csv');
    const rows = await writeOrdersCsv(file, IMPORT, skus, `H${Date.now().toString(36).toUpperCase()}`);
    const mb = statSync(file).size / 2 ** 20;
    if (process.env.BENCH_DATA_STATEMENTS === '1') server.queries.timings = new Map();
    const probes: Record<string, CpuProbe> = { server: mainThreadCpuProbe, ...(server.postgresCpu && { postgres: server.postgresCpu }) };
    const cpuCells = (perUnit: Record<string, number>, unit: string) => `server ${fmt(perUnit.server ?? Number.NaN, 3)}, PostgreSQL ${fmt(perUnit.postgres ?? Number.NaN, 3)} ms/${unit}`;
    let mem = memoryProbe();
    let cpu = cpuMeter(probes);
    let t0 = performance.now();
    const imported = await request(`${server.url}/v1/imports/orders`, server.key, 'POST', { file, type: 'text/csv' });
    let seconds = (performance.now() - t0) / 1000;
    let peak = mem.stop();
    const importCpu = cpu(IMPORT);
    const report = JSON.parse(imported.text) as { created: number; rejected: number; problems: unknown[] };
    if (imported.status !== 200 || report.rejected > 0 || report.created !== IMPORT) {
      console.error(imported.text.slice(0, 2000));
      return 1;
    }
    results.push(['CSV order import (history)', `${fmt(IMPORT)} orders, ${fmt(rows)} rows, ${fmt(mb, 1)} MB`, fmt(seconds, 1), `${fmt(IMPORT / seconds)} orders/s (${fmt(rows / seconds)} rows/s)`, `${fmt(mem.before)} → ${fmt(peak)} MiB`, cpuCells(importCpu, 'order')]);
    console.error(`import: ${fmt(IMPORT / seconds)} orders/s, ${cpuCells(importCpu, 'order')}`);
    if (server.queries.timings) {
      // Where the import's time goes in PostgreSQL, per statement (BENCH_DATA_STATEMENTS=1).
      for (const [statement, t] of [...server.queries.timings].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) console.error(`${fmt(t.ms)} ms ${t.count}× ${statement}`);
      server.queries.timings = undefined;
    }

    const have = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM orders`.execute(db)).rows[0]?.n);
    if (have < EXPORT) {
      t0 = performance.now();
      await seedOrders(db, EXPORT - have, { log: (line) => console.error(line) });
      console.error(`seeded ${fmt(EXPORT - have)} orders in ${fmt((performance.now() - t0) / 1000, 1)} s`);
    }
    const orders = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM orders`.execute(db)).rows[0]?.n);
    const lineRows = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM order_lines`.execute(db)).rows[0]?.n);

    for (const format of XLSX ? ['csv', 'xlsx'] : ['csv']) {
      mem = memoryProbe();
      cpu = cpuMeter(probes);
      t0 = performance.now();
      const exported = await request(`${server.url}/v1/exports/orders?format=${format}`, server.key, 'GET');
      seconds = (performance.now() - t0) / 1000;
      peak = mem.stop();
      const exportCpu = cpu(lineRows / 1000);
      if (exported.status !== 200) {
        console.error(exported.text.slice(0, 2000));
        return 1;
      }
      if (format === 'csv' && exported.lines !== lineRows + 1) {
        console.error(`the export has ${exported.lines} lines; expected ${lineRows + 1}`);
        return 1;
      }
      results.push([`${format.toUpperCase()} order export`, `${fmt(orders)} orders, ${fmt(lineRows)} rows, ${fmt(exported.bytes / 2 ** 20, 1)} MB`, fmt(seconds, 1),
        `${fmt(lineRows / seconds)} rows/s (${fmt(orders / seconds)} orders/s, ${fmt(exported.bytes / 2 ** 20 / seconds, 1)} MB/s)`, `${fmt(mem.before)} → ${fmt(peak)} MiB`, cpuCells(exportCpu, '1,000 rows')]);
      console.error(`${format} export: ${fmt(lineRows / seconds)} rows/s, ${fmt(peak)} MiB peak, ${cpuCells(exportCpu, '1,000 rows')}`);
    }
    writeFileSync(path.join(dir, 'done'), '');
    console.log(machineLine(server.pgVersion, server.embedded));
    console.log(markdownTable(['run', 'size', 's', 'rate', 'process memory (before → peak)', 'CPU (ms of one core)'], results));
    return 0;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);

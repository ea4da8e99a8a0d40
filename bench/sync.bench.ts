/**
 * `npm run bench:sync`: full-stock syncs as an ERP or WMS sends them, rows per second over real HTTP:
 *
 *   first load          200,000 rows (40,000 SKUs × 5 locations) Ordo has no stock of, PUT /v1/stock/sync in batches
 *                       of 5,000 (the route's maximum), one after the other
 *   5 % changed         the same rows with a newer version, 5 % of them with another number
 *   unchanged           the same rows with a newer version, none changed
 *   NDJSON, 5 % changed the whole snapshot as one POST /v1/stock/sync/snapshots body (application/x-ndjson)
 *   NDJSON, unchanged   the same, none changed
 *   CSV, 5 % changed    the same as text/csv
 *   CSV, unchanged      the same, none changed
 *
 * The first load can be a snapshot instead (runs ndjson-first or csv-first in place of first).
 *
 * After each run: the ledger rows and events it wrote, and a check that Ordo's on hand equals the snapshot.
 * Runs on a fresh embedded PostgreSQL in a temporary folder (removed at the end), or on DATABASE_URL when set (data
 * is written there under codes unique to the run). Knobs: BENCH_SYNC_SKUS (40,000), BENCH_SYNC_RUNS
 * (first,changed,unchanged,ndjson,csv; also ndjson-first, csv-first, ndjson-unchanged, csv-unchanged).
 */
import { sql } from 'kysely';
import http from 'node:http';
import {
  apiClient, chunks, fmt, httpRequest, machineCpuProbe, machineLine, markdownTable, processCpuProbe, runMain, startBenchServer, type CpuProbe,
} from './lib.js';

const SKUS = Number(process.env.BENCH_SYNC_SKUS ?? 40_000);
const LOCATIONS = 5;
const BATCH = 5000;
const RUNS = new Set((process.env.BENCH_SYNC_RUNS ?? 'first,changed,unchanged,ndjson,csv').split(',').map((x) => x.trim()));

interface Row { sku: string; location: string; onHand: number; version: number }

async function main(): Promise<number> {
  const started = performance.now();
  const server = await startBenchServer();
  const api = apiClient(server.url, server.key);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let exitCode = 0;
  try {
    const prefix = `S${Date.now().toString(36).toUpperCase()}`;
    const skus = Array.from({ length: SKUS }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
    for (const batch of chunks(skus)) {
      await api.expect(200, 'POST', '/v1/skus/bulk', { items: batch.map((code) => ({ code, name: `bench ${code}` })) });
    }
    const locations = Array.from({ length: LOCATIONS }, (_, i) => `${prefix}-L${i}`);
    for (const code of locations) await api.expect(201, 'POST', '/v1/locations', { code, name: `bench ${code}`, type: 'warehouse' });
    // A channel, so that every change of stock publishes its channel ATP (an event per changed SKU).
    await api.expect(201, 'POST', '/v1/channels', { code: `${prefix}-WEB`, name: 'bench web', type: 'web', currency: 'EUR' });
    let rows: Row[] = skus.flatMap((sku, i) => locations.map((location, j) => ({ sku, location, onHand: 10 + ((i * 7 + j * 13) % 90), version: 1 })));
    let version = 1;
    const next = (changedShare: number) => {
      version += 1;
      const every = changedShare > 0 ? Math.round(1 / changedShare) : 0;
      rows = rows.map((r, i) => ({ ...r, version, onHand: every > 0 && i % every === version % every ? r.onHand + 1 : r.onHand }));
      return rows;
    };

    const probes: Record<string, CpuProbe> = { machine: machineCpuProbe, process: processCpuProbe };
    if (server.postgresCpu) probes.postgres = server.postgresCpu;
    const results: string[][] = [];
    const base = new URL(server.url);
    const counts = async () => {
      const r = await sql<{ ledger: string; events: string }>`
        SELECT (SELECT count(*) FROM stock_movements) AS ledger, (SELECT count(*) FROM outbox_events) AS events`.execute(server.db);
      return { ledger: Number(r.rows[0]?.ledger ?? 0), events: Number(r.rows[0]?.events ?? 0) };
    };
    const verify = async (name: string) => {
      const r = await sql<{ sku: string; location: string; onHand: number }>`
        SELECT k.code AS sku, l.code AS location, s.on_hand AS "onHand" FROM stock_levels s
        JOIN skus k ON k.id = s.sku_id JOIN locations l ON l.id = s.location_id WHERE k.code LIKE ${`${prefix}-%`}`.execute(server.db);
      const ordo = new Map(r.rows.map((x) => [`${x.sku}/${x.location}`, x.onHand]));
      const wrong = rows.filter((x) => ordo.get(`${x.sku}/${x.location}`) !== x.onHand).length;
      if (wrong > 0) {
        exitCode = 1;
        console.error(`${name}: ${wrong} rows differ from the snapshot`);
      }
      return wrong;
    };
    const measure = async (name: string, changed: string, send: () => Promise<void>) => {
      const before = await counts();
      const cpu0 = Object.fromEntries(Object.entries(probes).map(([k, p]) => [k, p()]));
      const timings = new Map<string, { count: number; ms: number }>();
      server.queries.timings = timings;
      const t0 = performance.now();
      await send();
      const seconds = (performance.now() - t0) / 1000;
      server.queries.timings = undefined;
      // Where the time went: the statements that took most of it (sent → answered, summed over the run).
      const top = [...timings].sort((a, b) => b[1].ms - a[1].ms).slice(0, 5);
      console.error(`${name}: SQL ${fmt(top.reduce((a, [, v]) => a + v.ms, 0) / 1000, 2)} s of ${fmt(seconds, 2)} s in the top 5 statements:\n` +
        top.map(([k, v]) => `  ${fmt(v.ms / 1000, 2)} s ×${v.count} ${k}`).join('\n'));
      const cpu = Object.fromEntries(Object.entries(probes).map(([k, p]) => [k, (p() - (cpu0[k] ?? 0)) / seconds]));
      const after = await counts();
      const wrong = await verify(name);
      const line = [name, fmt(rows.length), changed, fmt(seconds, 2), fmt(rows.length / seconds), fmt(after.ledger - before.ledger), fmt(after.events - before.events),
        fmt(cpu.postgres ?? Number.NaN, 2), fmt(cpu.process ?? Number.NaN, 2),
        fmt(Math.max(0, (cpu.machine ?? Number.NaN) - (cpu.process ?? 0) - (cpu.postgres ?? 0)), 2), wrong === 0 ? 'OK' : `${wrong} wrong`];
      console.error(line.join(' | '));
      results.push(line);
    };
    const putBatches = async () => {
      for (const batch of chunks(rows, BATCH)) {
        const res = await httpRequest(agent, base, {
          method: 'PUT', path: '/v1/stock/sync', key: server.key, timeoutMs: 120_000,
          body: JSON.stringify({ source: 'erp', rows: batch, holdThreshold: { units: 0, percent: 0 } }),
        });
        if (res.status !== 200) throw new Error(`PUT /v1/stock/sync: ${res.status} ${res.text.slice(0, 300)}`);
      }
    };
    const postSnapshot = async (contentType: string, body: string) => {
      const res = await httpRequest(agent, base, {
        method: 'POST', path: '/v1/stock/sync/snapshots?source=erp&holdUnits=0&holdPercent=0', key: server.key, timeoutMs: 300_000, body, contentType,
      });
      if (res.status !== 200) throw new Error(`POST /v1/stock/sync/snapshots: ${res.status} ${res.text.slice(0, 300)}`);
    };

    const ndjson = () => rows.map((r) => JSON.stringify(r)).join('\n');
    const csv = () => `sku,location,onHand,version\n${rows.map((r) => `${r.sku},${r.location},${r.onHand},${r.version}`).join('\n')}\n`;
    if (RUNS.has('first')) await measure('first load, JSON batches of 5,000', '100 %', putBatches);
    if (RUNS.has('ndjson-first')) {
      const snapshot = ndjson();
      await measure('first load, one NDJSON snapshot', '100 %', () => postSnapshot('application/x-ndjson', snapshot));
    }
    if (RUNS.has('csv-first')) {
      const snapshot = csv();
      await measure('first load, one CSV snapshot', '100 %', () => postSnapshot('text/csv', snapshot));
    }
    if (RUNS.has('changed')) {
      next(0.05);
      await measure('JSON batches of 5,000', '5 %', putBatches);
    }
    if (RUNS.has('unchanged')) {
      next(0);
      await measure('JSON batches of 5,000', '0 %', putBatches);
    }
    for (const [run, changed] of [['ndjson', 0.05], ['ndjson-unchanged', 0]] as const) {
      if (!RUNS.has(run)) continue;
      next(changed);
      const snapshot = ndjson();
      await measure('one NDJSON snapshot', changed > 0 ? '5 %' : '0 %', () => postSnapshot('application/x-ndjson', snapshot));
    }
    for (const [run, changed] of [['csv', 0.05], ['csv-unchanged', 0]] as const) {
      if (!RUNS.has(run)) continue;
      next(changed);
      const snapshot = csv();
      await measure('one CSV snapshot', changed > 0 ? '5 %' : '0 %', () => postSnapshot('text/csv', snapshot));
    }

    console.log(`\n${machineLine(server.pgVersion, server.embedded)}`);
    console.log(`${fmt(SKUS)} SKUs × ${LOCATIONS} locations; one client, requests one after the other; DB_POOL_MAX ${server.poolMax}; LOG_LEVEL silent.\n`);
    console.log(markdownTable(['run', 'rows', 'changed', 'seconds', 'rows/s', 'ledger rows', 'events', 'PostgreSQL CPU', 'Node process CPU', 'other processes CPU', 'stock = snapshot'], results));
    console.log(`\ntotal time ${fmt((performance.now() - started) / 1000, 1)} s`);
  } finally {
    agent.destroy();
    api.close();
    await server.stop();
  }
  return exitCode;
}

runMain(main);

/**
 * `npm run bench:sourcing`: the sourcing engine (docs/sourcing.md).
 *
 *   decide     in-process decisions per second for 3-line orders over 50 locations and 10,000 SKUs (each location
 *              stocks a random 30 % of them; destinations are random Chinese prefecture-level cities): the order's
 *              candidates built from the stock rows of its SKUs and the decision, as capture does, with the
 *              explanation (as capture) and without (as a simulation); one core, per wall second and per CPU second.
 *   simulate   the pure simulation (two rule sets per order) over BENCH_SIM_ORDERS synthetic orders in-process, then
 *              POST /v1/sourcing/simulations over BENCH_ORDERS past orders (`ordo seed --orders` logic) on a fresh
 *              embedded PostgreSQL: the answer's own ms and the request's wall time.
 *
 * The stock rows a decision reads are objects of their own, made one after another, as capture gets them: its facts
 * statement reads them afresh for every batch and the batch copies them (capture-batch.ts); the transactional path
 * reads an order's own. Until 2026-12-03 every batch's and order's rows were the same 150,000 objects of one array,
 * in location order, so reading an order's ~45 rows was mostly cache misses (about a third of a batched decision's
 * CPU, which capture does not pay); --shared-rows measures that way still (docs/benchmarks.md).
 *
 * Flags: --quick (BENCH_ORDERS 20,000 instead of 100,000; 2 s per decide run instead of 5), --no-db (only the
 * in-process parts), --shared-rows. Knobs: BENCH_SECONDS, BENCH_ORDERS, BENCH_SIM_ORDERS (100,000).
 */
import { performance } from 'node:perf_hooks';
import { seedOrders } from '../src/cli/seed-orders.js';
import { locate, poolFromRows, simulate, sourcePool, StockIndex, type PastOrder, type Place, type RuleSet, type Site } from '../src/sourcing/index.js';
import { regionRows } from '../src/sourcing/regions.data.js';
import { apiClient, fmt, runMain, startBenchServer } from './lib.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const SHARED_ROWS = args.has('--shared-rows');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 2 : 5));
const ORDERS = Number(process.env.BENCH_ORDERS ?? (QUICK ? 20_000 : 100_000));
const SIM_ORDERS = Number(process.env.BENCH_SIM_ORDERS ?? 100_000);
const LOCATIONS = 50;
const SKUS = 10_000;

/** Orders per capture batch (src/order/capture-batch.ts): one stock index serves them all. */
const BATCH = 16;

/** A small deterministic generator, so runs compare. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

function world() {
  const rnd = random(42);
  const cities = regionRows.filter((r) => r[0].startsWith('CN-') && /^CN-\d{6}$/.test(r[0]));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const placeOf = (row: (typeof cities)[number]): Place => locate({ country: 'CN', city: row[4] }) as Place;
  const skus = Array.from({ length: SKUS }, (_, i) => `sku-${i}`);
  const rows: { locationId: string; code: string; priority: number; canShip: boolean; canPickup: boolean; skuId: string; free: number }[] = [];
  const sites = new Map<string, Site>();
  for (let l = 0; l < LOCATIONS; l++) {
    const id = `loc-${l}`;
    sites.set(id, { place: placeOf(pick(cities)), servesRegions: null, capacityLeft: l % 10 === 0 ? 100 : null, pastCutoff: null });
    for (const sku of skus) if (rnd() < 0.3) rows.push({ locationId: id, code: `L${l}`, priority: 10 + l, canShip: true, canPickup: l % 7 === 0, skuId: sku, free: 1 + Math.floor(rnd() * 50) });
  }
  const bySku = new Map<string, typeof rows>();
  for (const r of rows) (bySku.get(r.skuId) ?? bySku.set(r.skuId, []).get(r.skuId))?.push(r);
  // Rows as a statement reads them: objects of their own, made one after another (unless --shared-rows).
  const asRead = (list: typeof rows) => (SHARED_ROWS ? list : list.map((r) => ({ ...r })));
  // Each order's stock rows, as the transactional path's statement reads them: the rows of its own SKUs.
  const orders: { lines: { index: number; skuId: string; quantity: number }[]; destination: Place; rows: typeof rows }[] = Array.from({ length: 10_000 }, () => {
    const lines = [0, 1, 2].map((index) => ({ index, skuId: pick(skus), quantity: 1 + Math.floor(rnd() * 3) }));
    return { lines, destination: placeOf(pick(cities)), rows: [...new Set(lines.map((l) => l.skuId))].flatMap((sku) => bySku.get(sku) ?? []) };
  });
  // Capture's facts statement reads the stock rows of a batch's SKUs once: each batch of 16 orders' rows, as read.
  const batches = Array.from({ length: orders.length / BATCH }, (_, b) => {
    const batch = orders.slice(b * BATCH, (b + 1) * BATCH);
    return { orders: batch, rows: asRead([...new Set(batch.flatMap((o) => o.rows))]) };
  });
  for (const o of orders) o.rows = asRead(o.rows);
  return { rows, sites, orders, batches, skus, cities, pick, placeOf, rnd };
}

const china: RuleSet = { rules: ['fewest_shipments', 'same_region', 'nearest', 'priority'], splitLines: false };

/**
 * Decisions per wall second, and per second of this process's CPU (the machine may be shared: CPU time is what the
 * engine used). `batched`: as capture decides them, 16 orders at a time on one stock index built from their stock
 * rows, each taking what it was given; else each order's pool built alone from its rows (`poolFromRows`, as the
 * simulation does).
 */
function decide(w: ReturnType<typeof world>, explain: boolean, batched: boolean): { perSecond: number; perCpuSecond: number; candidatesPerOrder: number } {
  let n = 0;
  let seen = 0;
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() < end) {
    for (let i = 0; i < 1008; i += BATCH) {
      const batch = w.batches[((n + i) / BATCH) % w.batches.length]!;
      const index = batched ? new StockIndex(batch.rows, w.sites) : null;
      for (const o of batch.orders) {
        const pool = index ? index.poolFor(o.lines) : poolFromRows(o.rows, o.lines, w.sites);
        const d = sourcePool(o.lines, pool, { method: 'ship', destination: o.destination }, { ruleSet: china, explain });
        if (index) for (const [line, locationId] of d.assigned) index.take(o.lines[line]!.skuId, locationId, o.lines[line]!.quantity);
        seen += pool.locationId.length;
      }
    }
    n += 1008;
  }
  const used = process.cpuUsage(cpu);
  return { perSecond: n / ((performance.now() - started) / 1000), perCpuSecond: n / ((used.user + used.system) / 1e6), candidatesPerOrder: seen / n };
}

async function main(): Promise<number> {
  const w = world();
  console.log(`# sourcing: ${LOCATIONS} locations, ${SKUS} SKUs, 3-line orders, rules ${china.rules.join(' > ')}`);
  for (const [explain, batched, label] of [[true, true, 'with explanation, batched as capture'], [true, false, 'with explanation, one order alone'],
    [false, false, 'no explanation, one order alone, as a simulation']] as const) {
    const r = decide(w, explain, batched);
    console.log(`decide (${label}): ${fmt(r.perSecond)}/s wall, ${fmt(r.perCpuSecond)}/s of CPU, ${fmt(r.candidatesPerOrder, 1)} candidates per order`);
  }
  const past: PastOrder[] = Array.from({ length: SIM_ORDERS }, (_, i) => {
    const city = w.pick(w.cities);
    return {
      id: `o-${i}`, number: `N${i}`, channelId: 'c', deliveryMethod: 'ship', pickupLocationId: null,
      address: { country: 'CN', city: city[4], state: null }, skus: [0, 1, 2].map(() => w.pick(w.skus)), quantities: [1, 2, 1],
    };
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sim = simulate(past, w.rows, w.sites, { rules: ['same_region', 'nearest', 'priority'], splitLines: false }, () => china, 100);
  const cpu1 = process.cpuUsage(cpu0);
  console.log(`simulate in-process: ${fmt(SIM_ORDERS)} orders in ${fmt(performance.now() - t0)} ms wall, ${fmt((cpu1.user + cpu1.system) / 1000)} ms CPU (${fmt(sim.changed.count)} would change)`);
  if (args.has('--no-db')) return 0;

  const server = await startBenchServer();
  try {
    const t1 = performance.now();
    await seedOrders(server.db, ORDERS, { log: () => undefined });
    console.log(`seeded ${fmt(ORDERS)} past orders in ${fmt((performance.now() - t1) / 1000, 1)} s`);
    const api = apiClient(server.url, server.key);
    const t2 = performance.now();
    const res = await api.expect(200, 'POST', '/v1/sourcing/simulations', { ruleSet: { rules: ['nearest', 'priority'] }, limit: Math.min(ORDERS, 100_000) });
    const body = res as { orders: number; ms: number; changed: { count: number } };
    console.log(`simulation over ${fmt(body.orders)} past orders: ${fmt(body.ms)} ms in the server, ${fmt(performance.now() - t2)} ms wall (${fmt(body.changed.count)} would change)`);
  } finally {
    await server.stop();
  }
  return 0;
}

runMain(main);

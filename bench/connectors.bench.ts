/**
 * `npm run bench:connectors`: marketplace order payloads (Taobao/Tmall trades, JD and Pinduoduo orders, in their own
 * shapes) handed to their channels' connectors (POST /v1/channels/{code}/connector/orders), mapped by the shipped
 * JSONata mappings and captured, over real HTTP on a fresh embedded PostgreSQL (or DATABASE_URL): orders/s, p50/p99
 * and SQL round trips per order at each concurrency, and the same orders as capture requests posted to POST /v1/orders
 * (what the connector path adds to capture); then the mapping alone (no database) per second in this process.
 *
 * Then the same payloads in pages of BENCH_PAGE (20) to POST /v1/channels/{code}/connector/orders/bulk, as a pull job or
 * a backfill hands them in: orders/s counts the payloads.
 *
 * Knobs: BENCH_SECONDS (8), BENCH_STATEMENTS (0; 1 lists the statements of the connector runs), BENCH_WARMUP_SECONDS (1), BENCH_CONCURRENCY (32), BENCH_PAGE (20), DB_POOL_MAX (the server's default).
 */
import { sql } from 'kysely';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { mapPayload } from '../src/connector/mapping.js';
import { apiClient, fmt, machineLine, markdownTable, percentile, runLoad, runMain, startBenchServer, mainThreadCpuProbe, processCpuProbe, type CpuProbe, type LoadResult } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '32').split(',').map(Number);
const SKU_COUNT = 300;
/** Payloads per request of the page rows (POST …/connector/orders/bulk). */
const PAGE = Number(process.env.BENCH_PAGE ?? 20);
/** BENCH_STATEMENTS=1: list the statements of the connector runs (per order, mean ms from send to answer) on stderr. */
const STATEMENTS = process.env.BENCH_STATEMENTS === '1';
const log = (line: string) => console.error(line);
type Obj = Record<string, unknown>;
const fixture = (name: string): Obj => JSON.parse(readFileSync(new URL(`../../test/fixtures/connectors/${name}`, import.meta.url), 'utf8')) as Obj;
/** The object at a path of a fixture (the order inside the API's whole response). */
const at = (o: Obj, ...keys: string[]): Obj => keys.reduce<Obj>((x, k) => x[k] as Obj, o);

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const yuan = (fen: number) => (fen / 100).toFixed(2);
const mappingOf = (channel: string) => (channel === 'BTMALL' ? 'taobao' as const : channel === 'BJD' ? 'jd' as const : 'pinduoduo' as const);

/** 1–3 lines of distinct SKUs with prices in fen; the channel's own payload for them, with `{{seq}}` in its order id. */
function payloads(skus: readonly string[], count: number): { channel: string; body: string }[] {
  const taobao = fixture('taobao-trade.json');
  const jd = fixture('jd-order.json');
  const pdd = fixture('pinduoduo-order.json');
  return Array.from({ length: count }, (_, i) => {
    const picked = new Set<string>();
    const n = 1 + (i % 3);
    while (picked.size < n) picked.add(pick(skus));
    const lines = [...picked].map((sku) => ({ sku, qty: 1 + (i % 2), price: 1990 + Math.floor(Math.random() * 20000) }));
    const goods = lines.reduce((a, l) => a + l.qty * l.price, 0);
    const mobile = `138${String(10_000_000 + i).slice(-8)}`;
    switch (i % 3) {
      case 0: {
        const trade = structuredClone(at(taobao, 'trade_fullinfo_get_response', 'trade'));
        Object.assign(trade, {
          tid_str: `TB{{seq}}`, receiver_mobile: mobile, post_fee: '8.00', payment: yuan(goods + 800),
          orders: { order: lines.map((l) => ({ outer_sku_id: l.sku, num: l.qty, price: yuan(l.price), discount_fee: '0.00', payment: yuan(l.qty * l.price) })) },
        });
        return { channel: 'BTMALL', body: JSON.stringify({ payload: trade }) };
      }
      case 1: {
        const order = structuredClone(at(jd, 'jingdong_pop_order_get_responce', 'orderDetailInfo', 'orderInfo'));
        Object.assign(order, {
          orderId: `JD{{seq}}`, sellerDiscount: '0.00', freightPrice: '0.00', orderPayment: yuan(goods),
          consigneeInfo: { ...at(order, 'consigneeInfo'), mobile },
          itemInfoList: lines.map((l) => ({ outerSkuId: l.sku, itemTotal: String(l.qty), jdPrice: yuan(l.price) })),
        });
        return { channel: 'BJD', body: JSON.stringify({ payload: order }) };
      }
      default: {
        const order = structuredClone(at(pdd, 'order_info_get_response', 'order_info'));
        Object.assign(order, {
          order_sn: `PDD{{seq}}`, receiver_phone: mobile, discount_amount: 0, postage: 0, pay_amount: goods / 100,
          item_list: lines.map((l) => ({ outer_id: l.sku, goods_count: l.qty, goods_price: l.price / 100 })),
        });
        return { channel: 'BPDD', body: JSON.stringify({ payload: order }) };
      }
    }
  });
}

async function main(): Promise<number> {
  const server = await startBenchServer();
  const api = apiClient(server.url, server.key);
  try {
    const skus = Array.from({ length: SKU_COUNT }, (_, i) => `CN-S${String(i).padStart(3, '0')}`);
    await api.expect(200, 'POST', '/v1/skus/bulk', { items: skus.map((code) => ({ code, name: `bench ${code}` })) });
    await api.expect(201, 'POST', '/v1/locations', { code: 'CN-WH', name: 'bench warehouse', type: 'warehouse' });
    await api.expect(201, 'POST', '/v1/stock/receipts', { location: 'CN-WH', reference: 'bench-in', lines: skus.map((sku) => ({ sku, quantity: 100_000_000 })) });
    for (const [code, mapping] of [['BTMALL', 'taobao'], ['BJD', 'jd'], ['BPDD', 'pinduoduo']] as const) {
      await api.expect(201, 'POST', '/v1/channels', { code, name: code, type: 'marketplace', currency: 'CNY' });
      await api.expect(201, 'PUT', `/v1/channels/${code}/connector`, { kind: 'mapping', settings: { mapping } });
    }
    const all = payloads(skus, 600);
    // One of each, checked: a mapping that refused them would make the load below measure errors.
    for (const p of all.slice(0, 3)) await api.expect(201, 'POST', `/v1/channels/${p.channel}/connector/orders`, JSON.parse(p.body.replaceAll('{{seq}}', 'check')) as unknown);
    const probes: Record<string, CpuProbe> = { process: processCpuProbe, server: mainThreadCpuProbe };
    if (server.postgresCpu) probes.postgres = server.postgresCpu;
    const rows: string[][] = [];
    for (const concurrency of CONCURRENCY) {
      const before = server.queries.count;
      if (STATEMENTS) server.queries.timings = new Map();
      // runLoad posts to one path: one channel per run would favour one mapping, so each run sends the three in turn.
      const results = [];
      for (const channel of ['BTMALL', 'BJD', 'BPDD']) {
        results.push(await runLoad({
          url: server.url, key: server.key, method: 'POST', path: `/v1/channels/${channel}/connector/orders`,
          bodies: all.filter((p) => p.channel === channel).map((p) => p.body.replaceAll('{{seq}}', `${concurrency}-{{seq}}`)),
          concurrency, warmupMs: WARMUP_SECONDS * 1000, durationMs: (SECONDS * 1000) / 3, maxRequests: 200_000, timeoutMs: 30_000, okStatus: 201,
        }, probes));
      }
      const sent = results.reduce((a, r) => a + r.sent, 0);
      const roundTrips = (server.queries.count - before) / sent;
      if (server.queries.timings) {
        for (const [text, t] of [...server.queries.timings].sort((a, b) => b[1].ms - a[1].ms)) log(`  ${fmt(t.count / sent, 3)}/order ${fmt(t.ms / t.count, 1)} ms  ${text}`);
        server.queries.timings = undefined;
      }
      // The same orders as capture requests (what the mappings make of them) posted to POST /v1/orders: what the
      // connector path adds to capture, measured in the same minutes on the same server.
      const plainBefore = server.queries.count;
      const plain = [];
      for (const channel of ['BTMALL', 'BJD', 'BPDD']) {
        const bodies = await Promise.all(all.filter((p) => p.channel === channel).map(async (p) => {
          const { capture } = await mapPayload({ mapping: mappingOf(channel) }, (JSON.parse(p.body) as { payload: unknown }).payload, { code: channel, currency: 'CNY' });
          return JSON.stringify(capture).replaceAll('{{seq}}', `plain${concurrency}-{{seq}}`);
        }));
        plain.push(await runLoad({
          url: server.url, key: server.key, method: 'POST', path: '/v1/orders', bodies,
          concurrency, warmupMs: WARMUP_SECONDS * 1000, durationMs: (SECONDS * 1000) / 3, maxRequests: 200_000, timeoutMs: 30_000, okStatus: 201,
        }, probes));
      }
      const plainRoundTrips = (server.queries.count - plainBefore) / plain.reduce((a, r) => a + r.sent, 0);
      // Pages: the same payloads, PAGE to a request, each with an order id of its own.
      const pageBefore = server.queries.count;
      const pages: LoadResult[] = [];
      for (const channel of ['BTMALL', 'BJD', 'BPDD']) {
        const mine = all.filter((p) => p.channel === channel).map((p) => JSON.stringify((JSON.parse(p.body) as { payload: unknown }).payload));
        const bodies = Array.from({ length: 20 }, (_, b) => `{"payloads":[${Array.from({ length: PAGE }, (__, k) =>
          (mine[(b * PAGE + k) % mine.length] as string).replaceAll('{{seq}}', `page${concurrency}-{{seq}}-${k}`)).join(',')}]}`);
        pages.push(await runLoad({
          url: server.url, key: server.key, method: 'POST', path: `/v1/channels/${channel}/connector/orders/bulk`, bodies,
          concurrency, warmupMs: WARMUP_SECONDS * 1000, durationMs: (SECONDS * 1000) / 3, maxRequests: 200_000, timeoutMs: 60_000, okStatus: 200,
        }, probes));
      }
      const pagesSent = pages.reduce((a, r) => a + r.sent, 0);
      const pageRoundTrips = (server.queries.count - pageBefore) / (pagesSent * PAGE);
      // Every payload of every page sent became an order (a page answers 200 whatever each payload's fate).
      const pageOrders = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM orders WHERE external_ref LIKE ${`%page${concurrency}-%`}`.execute(server.db)).rows[0]?.n ?? 0);
      if (pageOrders !== pagesSent * PAGE) log(`pages @${concurrency}: ${pageOrders} orders for ${pagesSent * PAGE} payloads sent`);
      const row = (name: string, r: LoadResult, trips: number) => {
        const failed = Object.values(r.failures).reduce((a, b) => a + b, 0);
        log(`${name} @${concurrency}: ${fmt(r.perSecond)}/s (${r.sent} sent), p50 ${fmt(percentile(r.latenciesMs, 50), 1)} ms, p99 ${fmt(percentile(r.latenciesMs, 99), 1)} ms, ${failed} non-201`);
        if (failed > 0) log(`  ${JSON.stringify(r.failures)}\n  ${r.failureSamples.join('\n  ')}`);
        const perOrder = (cores: number | undefined) => fmt(((cores ?? Number.NaN) * 1000) / r.perSecond, 2);
        rows.push([name, String(concurrency), fmt(r.measured), fmt(r.perSecond), fmt(percentile(r.latenciesMs, 50), 1), fmt(percentile(r.latenciesMs, 99), 1),
          fmt(trips, 2), String(failed), fmt(r.cpu.server ?? Number.NaN, 2), fmt(r.cpu.postgres ?? Number.NaN, 2), perOrder(r.cpu.server), perOrder(r.cpu.postgres)]);
      };
      const total = (name: string, rs: LoadResult[], trips: number) => {
        const measured = rs.reduce((a, r) => a + r.measured, 0);
        const windowMs = rs.reduce((a, r) => a + r.windowMs, 0);
        const cpu = (probe: string) => fmt((rs.reduce((a, r) => a + (r.cpu[probe] ?? Number.NaN) * r.windowMs, 0) / measured), 2);
        log(`${name} @${concurrency}: ${fmt((measured / windowMs) * 1000)} orders/s`);
        rows.push([name, String(concurrency), fmt(measured), fmt((measured / windowMs) * 1000), '', '', fmt(trips, 2), '', '', '', cpu('server'), cpu('postgres')]);
      };
      for (const [i, r] of results.entries()) row(['Taobao', 'JD', 'Pinduoduo'][i] as string, r, roundTrips);
      total('all three', results, roundTrips);
      for (const [i, r] of plain.entries()) row(`${['Taobao', 'JD', 'Pinduoduo'][i] as string} as POST /v1/orders`, r, plainRoundTrips);
      total('all three as POST /v1/orders', plain, plainRoundTrips);
      // A page row counts payloads: its requests' rate times PAGE; latency is a page's.
      const asOrders = (r: LoadResult): LoadResult => ({ ...r, measured: r.measured * PAGE, perSecond: r.perSecond * PAGE });
      for (const [i, r] of pages.entries()) row(`${['Taobao', 'JD', 'Pinduoduo'][i] as string}, pages of ${PAGE}`, asOrders(r), pageRoundTrips);
      total(`all three, pages of ${PAGE}`, pages.map(asOrders), pageRoundTrips);
      rows.push([`orders made of the pages' ${fmt(pagesSent * PAGE)} payloads`, String(concurrency), fmt(pageOrders), '', '', '', '', String(pagesSent * PAGE - pageOrders), '', '', '', '']);
    }
    // The mapping alone: JSONata evaluation and the exact money conversion, without HTTP or the database.
    const channel = { code: 'BTMALL', currency: 'CNY' };
    const alone = all.slice(0, 300).map((p) => ({ mapping: mappingOf(p.channel), payload: (JSON.parse(p.body.replaceAll('{{seq}}', '1')) as { payload: unknown }).payload }));
    const t0 = performance.now();
    let mapped = 0;
    while (performance.now() - t0 < 2_000) {
      for (const a of alone) await mapPayload({ mapping: a.mapping }, a.payload, channel);
      mapped += alone.length;
    }
    const mapPerSecond = mapped / ((performance.now() - t0) / 1000);
    log(`mapping alone: ${fmt(mapPerSecond)} payloads/s on one thread`);
    console.log([
      '### Marketplace orders through their mappings: POST /v1/channels/{code}/connector/orders\n',
      `1–3 lines of distinct SKUs (of ${SKU_COUNT}, stock plentiful), the channel's own payload shape, mapped by the shipped JSONata mapping and captured; ` +
      `${WARMUP_SECONDS} s warm-up then ${fmt(SECONDS / 3, 1)} s measured per channel; keep-alive HTTP from a worker thread; DB_POOL_MAX ${server.poolMax}.\n`,
      'The rows "as POST /v1/orders" send the capture requests the mappings make of the same payloads to capture itself, right after: what the connector path adds. ' +
      `The rows "pages of ${PAGE}" send the same payloads ${PAGE} to a request to POST …/connector/orders/bulk (orders/s counts payloads; p50/p99 are a page's). ` +
      'CPU per order is ms of one core (the server\'s main thread; PostgreSQL\'s processes), less distorted by a loaded machine than orders/s.\n',
      markdownTable(['mapping', 'concurrency', 'orders', 'orders/s', 'p50 ms', 'p99 ms', 'round trips/order', 'non-201', 'server CPU (cores)', 'PostgreSQL CPU (cores)',
        'server ms/order', 'PostgreSQL ms/order'], rows),
      `\nThe mapping alone (no HTTP, no database): ${fmt(mapPerSecond)} payloads/s on one thread.\n`,
      machineLine(server.pgVersion, server.embedded),
    ].join('\n'));
    return 0;
  } finally {
    await server.stop();
  }
}

runMain(main);

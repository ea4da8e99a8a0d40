/** Sourcing scenarios (issue #19 parts 1-3): where each order ships from, why, and what a rule set would change. */
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { fulfillmentChecks } from '../src/fulfillment/index.js';
import { inventoryChecks } from '../src/inventory/check.js';
import { jobHandlers } from '../src/jobs/jobs.js';
import { orderChecks } from '../src/order/check.js';
import { useTestApp } from './harness.js';
import { anOrder } from './order-fixtures.js';

const t = useTestApp();
const fill = () => jobHandlers({ db: t.db, idempotencyTtlHours: 24 })['orders.fill-backorders']();

const shenzhen = { name: '张三', line1: '南山区科技园 1 号', city: '深圳市', state: '广东省', postalCode: '518000', country: 'CN', phone: '+86 138 0013 8000' };
const site = (code: string, city: string, state: string, priority: number, more: Record<string, unknown> = {}) =>
  ({ code, name: code, type: 'warehouse', priority, address: { line1: '1 号', city, state, country: 'CN' }, ...more });

let n = 0;
async function skus(...codes: string[]) {
  await t.http('POST', '/v1/skus/bulk', { body: { items: codes.map((code) => ({ code, name: code })) } });
}
async function receive(location: string, lines: Record<string, number>) {
  const res = await t.http('POST', '/v1/stock/receipts', { body: { location, lines: Object.entries(lines).map(([sku, quantity]) => ({ sku, quantity })) } });
  expect(res.status).toBe(201);
}
/** A fresh set of SKUs, so each scenario sees only its own stock. */
function fresh(...names: string[]): string[] {
  n++;
  return names.map((x) => `${x}-${n}`);
}
async function capture(channel: string, lines: Record<string, number>, more: Record<string, unknown> = {}) {
  const body = anOrder({ channel, currency: 'CNY', shippingAddress: shenzhen, ...more }, Object.entries(lines).map(([sku, quantity]) => ({ sku, quantity, unitPriceMinor: 100 })));
  return t.http('POST', '/v1/orders', { body });
}
const locationsOf = (order: { lines: { location: string | null }[] }) => order.lines.map((l) => l.location);
async function sourcing(orderId: string) {
  const res = await t.http('GET', `/v1/orders/${orderId}/sourcing`);
  expect(res.status).toBe(200);
  return res.body.decisions as { trigger: string; reason: string | null; explanation: any }[];
}
async function rules(channel: string, body: unknown) {
  return t.http('PUT', `/v1/channels/${channel}/sourcing-rules`, { body });
}

beforeAll(async () => {
  for (const l of [site('SH', '上海市', '上海市', 10), site('CD', '成都市', '四川省', 20), site('GZ', '广州市', '广东省', 30),
    site('BJ', '北京市', '北京市', 40, { type: 'store', capabilities: { ship: true, pickup: true } })]) {
    expect((await t.http('POST', '/v1/locations', { body: l })).status).toBe(201);
  }
  await t.http('POST', '/v1/channels', { body: { code: 'TMALL', name: 'Tmall', type: 'marketplace', currency: 'CNY' } });
  await t.http('POST', '/v1/channels', { body: { code: 'CNB2B', name: 'B2B', type: 'b2b', currency: 'CNY', policy: { allowBackorder: true } } });
  await t.http('POST', '/v1/channels', { body: { code: 'PLAIN', name: 'Plain', type: 'web', currency: 'CNY' } });
  expect((await rules('TMALL', { rules: ['fewest_shipments', 'same_region', 'nearest', 'priority'] })).status).toBe(200);
  expect((await rules('CNB2B', { rules: ['fewest_shipments', 'nearest', 'priority'] })).status).toBe(200);
});

describe('sourcing at capture', () => {
  it('the nearest location wins, and the decision says why for every candidate', async () => {
    const [tee] = fresh('TEE');
    await skus(tee!);
    await receive('SH', { [tee!]: 10 });
    await receive('GZ', { [tee!]: 10 });
    await receive('CD', { [tee!]: 10 });
    const res = await capture('CNB2B', { [tee!]: 1 });
    expect(res.status).toBe(201);
    expect(locationsOf(res.body)).toEqual(['GZ']);
    const [decision] = await sourcing(res.body.id);
    expect(decision).toMatchObject({ trigger: 'capture', explanation: { rules: ['fewest_shipments', 'nearest', 'priority'], ruleSet: 'channel',
      destination: { how: 'city', region: 'CN-440300', area: 'CN-GD' }, parcels: [{ location: 'GZ', lines: [{ index: 0, quantity: 1 }] }] } });
    const byCode = Object.fromEntries(decision!.explanation.candidates.map((c: any) => [c.location, c]));
    expect(byCode.GZ.scores.nearest).toBeLessThan(200);
    expect(byCode.SH.scores.nearest).toBeGreaterThan(1000);
    expect(byCode.SH.rejected).toMatch(/ranked lower/);
    expect(byCode.CD.eligible).toBe(true);
  });

  it('one location with everything beats a nearer split', async () => {
    const [tee, mug] = fresh('TEE', 'MUG');
    await skus(tee!, mug!);
    await receive('GZ', { [tee!]: 5 });
    await receive('CD', { [mug!]: 5 });
    await receive('SH', { [tee!]: 5, [mug!]: 5 });
    const res = await capture('TMALL', { [tee!]: 1, [mug!]: 1 });
    expect(res.status).toBe(201);
    expect(locationsOf(res.body)).toEqual(['SH', 'SH']);
  });

  it('a location in the destination\'s province goes first: fewer cross-province parcels than by priority', async () => {
    const [tee] = fresh('TEE');
    await skus(tee!);
    await receive('SH', { [tee!]: 5 });
    await receive('GZ', { [tee!]: 5 });
    const byPriority = await capture('PLAIN', { [tee!]: 1 });
    expect(locationsOf(byPriority.body)).toEqual(['SH']);
    expect((await sourcing(byPriority.body.id))[0]?.explanation).toMatchObject({ ruleSet: 'default', rules: ['fewest_shipments', 'priority'] });
    const byRegion = await capture('TMALL', { [tee!]: 1 });
    expect(locationsOf(byRegion.body)).toEqual(['GZ']);
    const sameRegion = (await sourcing(byRegion.body.id))[0]?.explanation.candidates.map((c: any) => [c.location, c.scores.same_region]);
    expect(sameRegion).toEqual([['GZ', 0], ['SH', 1]]);
  });

  it('a pickup order is served only at its store: short there, it is backordered or refused, never sourced elsewhere', async () => {
    const [tee] = fresh('TEE');
    await skus(tee!);
    await receive('BJ', { [tee!]: 1 });
    await receive('SH', { [tee!]: 100 });
    const pickup = { deliveryMethod: 'pickup', pickupLocation: 'BJ' };
    const ok = await capture('PLAIN', { [tee!]: 1 }, pickup);
    expect(locationsOf(ok.body)).toEqual(['BJ']);
    expect((await sourcing(ok.body.id))[0]?.explanation).toMatchObject({ destination: { how: 'pickup' }, fallbacks: ['pickup order: only the pickup store may serve it'] });
    const refused = await capture('PLAIN', { [tee!]: 2 }, pickup);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_stock');
    const waiting = await capture('CNB2B', { [tee!]: 2 }, pickup);
    expect(waiting.body).toMatchObject({ status: 'confirmed', lines: [{ backordered: 2, location: null }] });
    expect((await sourcing(waiting.body.id))[0]?.explanation.candidates.find((c: any) => c.location === 'SH')?.rejected).toBe('not the pickup store');
  });

  it('respects daily capacity and the cut-off in the location\'s time zone, and uses a full location only when nothing else can ship', async () => {
    const [tee, solo] = fresh('TEE', 'SOLO');
    await skus(tee!, solo!);
    await receive('GZ', { [tee!]: 10 });
    await receive('SH', { [tee!]: 10 });
    const gz = (await t.http('GET', '/v1/locations?code=GZ')).body.data[0];
    expect((await t.http('PATCH', `/v1/locations/${gz.id}`, { body: { dailyCapacity: 1, timeZone: 'Asia/Shanghai' } })).status).toBe(200);
    expect(locationsOf((await capture('TMALL', { [tee!]: 1 })).body)).toEqual(['GZ']);
    const second = await capture('TMALL', { [tee!]: 1 });
    expect(locationsOf(second.body)).toEqual(['SH']);
    expect((await sourcing(second.body.id))[0]?.explanation.candidates.find((c: any) => c.location === 'GZ')?.rejected).toBe('no capacity left today');

    // A cut-off of 00:00 has always passed: GZ is passed by while another location can ship.
    await t.http('PATCH', `/v1/locations/${gz.id}`, { body: { dailyCapacity: null, cutoffTime: '00:00' } });
    const late = await capture('TMALL', { [tee!]: 1 });
    expect(locationsOf(late.body)).toEqual(['SH']);
    expect((await sourcing(late.body.id))[0]?.explanation.candidates.find((c: any) => c.location === 'GZ')?.rejected).toBe('past its cut-off (00:00 Asia/Shanghai)');
    // Only GZ has it: used anyway, and the explanation says so.
    await receive('GZ', { [solo!]: 3 });
    const only = await capture('TMALL', { [solo!]: 1 });
    expect(locationsOf(only.body)).toEqual(['GZ']);
    expect((await sourcing(only.body.id))[0]?.explanation.fallbacks).toEqual([expect.stringMatching(/used GZ \(past its cut-off/)]);
    await t.http('PATCH', `/v1/locations/${gz.id}`, { body: { cutoffTime: null } });
    expect((await t.http('PATCH', `/v1/locations/${gz.id}`, { body: { timeZone: 'Mars/Olympus' } })).body.code).toBe('validation_failed');
  });

  it('an address matching no region falls back to priority and says so', async () => {
    const [tee] = fresh('TEE');
    await skus(tee!);
    await receive('GZ', { [tee!]: 5 });
    await receive('CD', { [tee!]: 5 });
    const res = await capture('TMALL', { [tee!]: 1 }, { shippingAddress: { ...shenzhen, city: 'Atlantis', state: 'Nowhere', country: 'ZZ', postalCode: '1' } });
    expect(res.status).toBe(201);
    expect(locationsOf(res.body)).toEqual(['CD']);
    const { explanation } = (await sourcing(res.body.id))[0]!;
    expect(explanation.destination.how).toBe('none');
    expect(explanation.fallbacks[0]).toMatch(/the address matched no region: same_region, nearest skipped; ranked by fewest_shipments, priority, then priority order/);
  });

  it('an address with coordinates is measured from them', async () => {
    const [tee] = fresh('TEE');
    await skus(tee!);
    await receive('SH', { [tee!]: 5 });
    await receive('CD', { [tee!]: 5 });
    // Chongqing's coordinates, with an address that names nothing the table knows.
    const res = await capture('CNB2B', { [tee!]: 1 }, { shippingAddress: { ...shenzhen, city: '?', state: null, coordinates: { lat: 29.56, lon: 106.55 } } });
    expect(locationsOf(res.body)).toEqual(['CD']);
    expect((await sourcing(res.body.id))[0]?.explanation.destination.how).toBe('coordinates');
  });
});

describe('splitting a line over locations', () => {
  it('a line of 100 no location has: refused without splitLines, split 60 + 40 with it, totals exact, one fulfilment order per location', async () => {
    const [tee] = fresh('SPLIT');
    await skus(tee!);
    await receive('SH', { [tee!]: 60 });
    await receive('GZ', { [tee!]: 40 });
    await t.http('POST', '/v1/channels', { body: { code: 'SPLITS', name: 'Splits', type: 'web', currency: 'CNY' } });
    expect((await rules('SPLITS', { rules: ['fewest_shipments', 'nearest', 'priority'], splitLines: false })).status).toBe(200);
    const lines = [{ sku: tee!, quantity: 100, unitPriceMinor: 999, discountMinor: 1001, taxMinor: 1903 }];
    const body = () => anOrder({
      channel: 'SPLITS', currency: 'CNY', shippingAddress: shenzhen, orderDiscountMinor: 7,
      totals: { subtotalMinor: 99_900, discountMinor: 1008, shippingMinor: 495, taxMinor: 1903, totalMinor: 101_290 }, payment: { method: 'card', authorizedMinor: 101_290 },
    }, lines);
    const refused = await t.http('POST', '/v1/orders', { body: body() });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_stock');

    expect((await rules('SPLITS', { rules: ['fewest_shipments', 'nearest', 'priority'], splitLines: true })).status).toBe(200);
    const res = await t.http('POST', '/v1/orders', { body: body() });
    expect(res.status).toBe(201);
    const order = (await t.http('GET', `/v1/orders/${res.body.id}`)).body;
    expect(res.body.lines).toEqual(order.lines);
    // Nearest first: Guangzhou's 40, then Shanghai's 60; the first part keeps line 1, the other follows.
    expect(order.lines.map((l: any) => [l.lineNo, l.sku, l.location, l.quantity, l.allocated, l.splitFromLineNo]))
      .toEqual([[1, tee, 'GZ', 40, 40, 1], [2, tee, 'SH', 60, 60, 1]]);
    expect(order.lines.reduce((a: number, l: any) => a + l.discountMinor, 0)).toBe(1001);
    expect(order.lines.reduce((a: number, l: any) => a + l.taxMinor, 0)).toBe(1903);
    expect(order.lines.reduce((a: number, l: any) => a + l.totalMinor, 0) + 495).toBe(101_290);
    expect(order.status).toBe('allocated');
    const [decision] = await sourcing(order.id);
    expect(decision!.explanation.fallbacks).toContain('line 1 (100 units) split over GZ (40), SH (60): no single location has them all');
    expect(decision!.explanation.parcels.map((p: any) => [p.location, p.lines])).toEqual([['GZ', [{ index: 0, quantity: 40 }]], ['SH', [{ index: 0, quantity: 60 }]]]);

    expect((await t.http('POST', `/v1/orders/${order.id}/release`, { body: {} })).status).toBeLessThan(300);
    const fos = (await t.http('GET', `/v1/fulfillment-orders?orderId=${order.id}`)).body.data as { location: string; lines: { lineNo: number; quantity: number }[] }[];
    expect(fos.map((f) => [f.location, f.lines.map((l) => [l.lineNo, l.quantity])]).sort()).toEqual([['GZ', [[1, 40]]], ['SH', [[2, 60]]]]);

    // A pickup order is never split away from its store.
    const pickup = await t.http('POST', '/v1/orders', { body: { ...body(), deliveryMethod: 'pickup', pickupLocation: 'BJ' } });
    expect(pickup.status).toBe(409);
    const checks = await runChecks(t.db, [...inventoryChecks, ...orderChecks, ...fulfillmentChecks]);
    expect(checks.lines.filter((l) => !l.startsWith('ok')), checks.lines.join('\n')).toEqual([]);
  });
});

describe('splitting a line added later', () => {
  it('an added line no location has whole is split like at capture when the channel allows it, and refused with what there is when not', async () => {
    const [base, added] = fresh('ADDBASE', 'ADDSPLIT');
    await skus(base!, added!);
    await receive('SH', { [base!]: 5, [added!]: 30 });
    await receive('GZ', { [added!]: 20 });
    await t.http('POST', '/v1/channels', { body: { code: 'ADDS', name: 'Adds', type: 'web', currency: 'CNY' } });
    expect((await rules('ADDS', { rules: ['fewest_shipments', 'nearest', 'priority'], splitLines: false })).status).toBe(200);
    const created = await capture('ADDS', { [base!]: 1 });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const line = { sku: added!, quantity: 50, unitPriceMinor: 100, discountMinor: 101, taxMinor: 33 };
    const refused = await t.http('POST', `/v1/orders/${id}/lines`, { body: line });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_stock');
    expect(refused.body.detail).toMatch(/50 requested, 30 available in one location; nothing was added/);

    expect((await rules('ADDS', { rules: ['fewest_shipments', 'nearest', 'priority'], splitLines: true })).status).toBe(200);
    const added1 = await t.http('POST', `/v1/orders/${id}/lines`, { body: line });
    expect(added1.status).toBe(201);
    const order = (await t.http('GET', `/v1/orders/${id}`)).body;
    // Nearest to Shenzhen first: Guangzhou's 20, then Shanghai's 30; the parts are lines 2 and 3, both split from line 2.
    expect(order.lines.filter((l: any) => l.sku === added).map((l: any) => [l.lineNo, l.location, l.quantity, l.allocated, l.splitFromLineNo]))
      .toEqual([[2, 'GZ', 20, 20, 2], [3, 'SH', 30, 30, 2]]);
    const parts = order.lines.filter((l: any) => l.sku === added);
    expect(parts.reduce((a: number, l: any) => a + l.discountMinor, 0)).toBe(101);
    expect(parts.reduce((a: number, l: any) => a + l.taxMinor, 0)).toBe(33);
    const decisions = await sourcing(id);
    const last = decisions[decisions.length - 1]!;
    expect(last.trigger).toBe('line_added');
    expect(last.reason).toBe('line 2 added and split over 2 locations (lines 2, 3)');
    expect(last.explanation.fallbacks).toContain('line 2 (50 units) split over GZ (20), SH (30): no single location has them all');
    expect(last.explanation.summary).toMatch(/^2 parcel\(s\): GZ \(line 2\); SH \(line 2\)/);
    const checks = await runChecks(t.db, [...inventoryChecks, ...orderChecks]);
    expect(checks.lines.filter((l) => !l.startsWith('ok')), checks.lines.join('\n')).toEqual([]);
  });
});

describe('lowest cost from the carriers\' rate tables', () => {
  it('ranks by the cheapest service\'s price, names the cost model, and promises by the destination\'s province', async () => {
    // A carrier cheap from Shanghai to Guangdong and dear within Guangdong: cost, not distance, decides.
    const carrier = await t.http('POST', '/v1/carriers', { body: { code: 'cheapsh', name: 'Cheap from Shanghai',
      services: [{ code: 'std', name: 'Standard', transitDaysMin: 1, transitDaysMax: 2 }] } });
    expect(carrier.status, JSON.stringify(carrier.body)).toBe(201);
    const table = await t.http('PUT', '/v1/carriers/cheapsh/services/std/rate-table', { body: { currency: 'CNY', pricing: 'first_additional', zones: [
      { code: 'sh-gd', routes: [{ from: ['CN-SH'], to: ['CN-GD'] }], transitDaysMin: 2, transitDaysMax: 2,
        first: { weightGrams: 1000, priceMinor: 300 }, additional: { weightGrams: 1000, priceMinor: 100 } },
      { code: 'in-gd', routes: [{ from: ['CN-GD'], to: ['CN-GD'] }], transitDaysMin: 1, transitDaysMax: 1,
        first: { weightGrams: 1000, priceMinor: 5000 }, additional: { weightGrams: 1000, priceMinor: 1000 } },
    ] } });
    expect(table.status, JSON.stringify(table.body)).toBe(201);
    await t.http('POST', '/v1/channels', { body: { code: 'CHEAP', name: 'Cheapest', type: 'web', currency: 'CNY' } });
    expect((await rules('CHEAP', { rules: ['lowest_cost', 'priority'] })).status).toBe(200);
    const [tee] = fresh('TEE');
    await skus(tee!);
    await receive('SH', { [tee!]: 5 });
    await receive('GZ', { [tee!]: 5 });
    const res = await capture('CHEAP', { [tee!]: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(locationsOf(res.body)).toEqual(['SH']);
    const [decision] = await sourcing(res.body.id);
    expect(decision?.explanation.costModel).toBe('rate tables');
    const cost = Object.fromEntries(decision!.explanation.candidates.map((c: any) => [c.location, c.scores.lowest_cost]));
    expect(cost).toMatchObject({ SH: 300, GZ: 5000 });
    // 广东省 is found as CN-GD by the region table: promised on the placed day + 1 handling day + 2 days in transit.
    const placed = new Date(res.body.placedAt);
    expect(res.body.promisedDeliveryDate).toBe(new Date(Date.UTC(placed.getUTCFullYear(), placed.getUTCMonth(), placed.getUTCDate() + 3)).toISOString().slice(0, 10));
    // Without the rule, the engine does not price anything.
    const plain = await capture('PLAIN', { [tee!]: 1 });
    expect((await sourcing(plain.body.id))[0]?.explanation.costModel).toBeNull();
  });
});

describe('re-sourcing', () => {
  it('backordered lines are sourced by the engine when stock arrives, with the decision on the timeline', async () => {
    const [tee] = fresh('TEE');
    await skus(tee!);
    const res = await capture('CNB2B', { [tee!]: 2 });
    expect(res.body).toMatchObject({ status: 'confirmed', lines: [{ backordered: 2, location: null }] });
    await receive('SH', { [tee!]: 5 });
    await receive('GZ', { [tee!]: 5 });
    expect(await fill()).toMatchObject({ orders: 1, units: 2 });
    const order = (await t.http('GET', `/v1/orders/${res.body.id}`)).body;
    expect(order).toMatchObject({ status: 'allocated', lines: [{ location: 'GZ', allocated: 2 }] });
    const decisions = await sourcing(res.body.id);
    expect(decisions.map((d) => d.trigger)).toEqual(['capture', 'backorder']);
    expect(decisions[1]).toMatchObject({ reason: 'stock arrived for backordered lines', explanation: { parcels: [{ location: 'GZ' }] } });
    const timeline = (await t.http('GET', `/v1/orders/${res.body.id}/timeline`)).body.data;
    expect(timeline.find((e: any) => e.type === 'backorder_filled')?.details.sourcing).toMatch(/1 parcel\(s\): GZ/);
  });
});

describe('availability agrees with sourcing', () => {
  it('says per delivery method what one order line can get', async () => {
    const [tee] = fresh('TEE');
    await skus(tee!);
    await t.http('POST', '/v1/locations', { body: { code: `PICKUP-${tee}`, name: 'Pickup only', type: 'store', capabilities: { ship: false, pickup: true } } });
    await receive(`PICKUP-${tee}`, { [tee!]: 35 });
    await receive('SH', { [tee!]: 67 });
    await receive('CD', { [tee!]: 63 });
    const res = await t.http('GET', `/v1/availability?sku=${tee}&channel=PLAIN`);
    expect(res.body.data[0]).toMatchObject({ available: 165, channel: { available: 165 },
      byDeliveryMethod: { ship: { available: 130, largestLine: 67 }, pickup: { largestLine: 35 } } });
    // What capture does with a line of 68: no one location has it.
    expect((await capture('PLAIN', { [tee!]: 68 })).body).toMatchObject({ code: 'insufficient_stock' });
    expect((await capture('PLAIN', { [tee!]: 67 })).status).toBe(201);
  });
});

describe('re-sourcing away from a location', () => {
  it('moves reserved lines to the next best location, or backorders them, with the reason on the timeline and in the event', async () => {
    const [tee, mug] = fresh('TEE', 'MUG');
    await skus(tee!, mug!);
    await receive('GZ', { [tee!]: 5, [mug!]: 5 });
    await receive('CD', { [tee!]: 5 });
    const res = await capture('CNB2B', { [tee!]: 2, [mug!]: 1 });
    expect(locationsOf(res.body)).toEqual(['GZ', 'GZ']);
    const moved = await t.http('POST', `/v1/orders/${res.body.id}/resource`, { body: { excludeLocations: ['GZ'], reason: 'fulfilment rejected at GZ: stock missing' } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'confirmed', lines: [{ location: 'CD', allocated: 2, backordered: 0 }, { location: null, allocated: 0, backordered: 1 }] });
    const decisions = await sourcing(res.body.id);
    expect(decisions.at(-1)).toMatchObject({ trigger: 'resource', reason: 'fulfilment rejected at GZ: stock missing' });
    expect(decisions.at(-1)?.explanation.candidates.map((c: any) => c.location)).not.toContain('GZ');
    const timeline = (await t.http('GET', `/v1/orders/${res.body.id}/timeline`)).body.data;
    expect(timeline.find((e: any) => e.type === 'resourced')?.message).toMatch(/^Sourced again \(fulfilment rejected at GZ: stock missing\): .* 2 unit\(s\) from GZ to CD; .* 1 unit\(s\) backordered/);
    const event = await t.db.selectFrom('outbox_events').select('payload').where('aggregate_id', '=', res.body.id).where('type', '=', 'order.changed').executeTakeFirstOrThrow();
    expect(event.payload).toMatchObject({ change: 'resourced', lines: [{ from: 'GZ', to: 'CD', quantity: 2 }, { from: 'GZ', to: null, quantity: 1 }] });
    const stock = (await t.http('GET', `/v1/stock?sku=${mug}`)).body.data[0];
    expect(stock).toMatchObject({ onHand: 5, reserved: 0 });
    expect((await t.http('POST', `/v1/orders/${res.body.id}/resource`, { body: { excludeLocations: ['NOWHERE'], reason: 'x' } })).status).toBe(404);
  });
});

describe('a location that closes', () => {
  it('has its orders sourced again over the other locations', async () => {
    const [tee] = fresh('TEE');
    await skus(tee!);
    const created = await t.http('POST', '/v1/locations', { body: site('SZ-POP', '深圳市', '广东省', 1) });
    await receive('SZ-POP', { [tee!]: 5 });
    await receive('CD', { [tee!]: 5 });
    const res = await capture('CNB2B', { [tee!]: 1 });
    expect(locationsOf(res.body)).toEqual(['SZ-POP']);
    const closed = await t.http('PATCH', `/v1/locations/${created.body.id}`, { body: { active: false } });
    expect(closed.status).toBe(200);
    const order = (await t.http('GET', `/v1/orders/${res.body.id}`)).body;
    expect(order).toMatchObject({ status: 'allocated', lines: [{ location: 'CD', allocated: 1 }] });
    expect((await sourcing(res.body.id)).at(-1)).toMatchObject({ trigger: 'resource', reason: 'location SZ-POP closed' });
  });
});

describe('stock balancing', () => {
  it('ranks by weeks of supply (on hand ÷ recent demand, kept by the hourly job), falling back to free units without demand', async () => {
    const [mug] = fresh('MUG');
    await skus(mug!);
    await receive('SH', { [mug!]: 100 });
    await receive('CD', { [mug!]: 20 });
    await t.http('POST', '/v1/channels', { body: { code: 'BALANCE', name: 'Balance', type: 'web', currency: 'CNY' } });
    expect((await rules('BALANCE', { rules: ['stock_balance', 'priority'] })).status).toBe(200);
    // No demand history yet: the most free units (SH), and the explanation says so.
    const first = await capture('BALANCE', { [mug!]: 1 });
    expect(locationsOf(first.body)).toEqual(['SH']);
    const before = (await sourcing(first.body.id))[0]!.explanation;
    expect(before.fallbacks).toEqual([expect.stringMatching(/^stock_balance: no demand for these SKUs in the last 28 days at any candidate; ranked by free units/)]);
    expect(before.candidates.map((c: any) => [c.location, c.scores.stock_balance])).toEqual([['SH', 100], ['CD', 20]]);
    // SH sells the mug (27 units over the window); CD sells none.
    for (let i = 0; i < 2; i++) expect((await capture('PLAIN', { [mug!]: 13 })).body.lines[0].location).toBe('SH');
    const refreshed = await jobHandlers({ db: t.db, idempotencyTtlHours: 24 })['sourcing.refresh-demand']() as { rows: number };
    expect(refreshed.rows).toBeGreaterThan(0);
    // SH: 100 on hand ÷ (27/28 a day × 7) = 14.8 weeks; CD: 20 ÷ (1/28 × 7) = 80 weeks (none sold counts as one).
    const second = await capture('BALANCE', { [mug!]: 1 });
    expect(locationsOf(second.body)).toEqual(['CD']);
    const after = (await sourcing(second.body.id))[0]!.explanation;
    expect(after.fallbacks).toEqual([]);
    expect(after.candidates.map((c: any) => [c.location, c.scores.stock_balance, c.supply])).toEqual([
      ['CD', 80, { onHand: 20, demandPerDay: 0, weeks: 80 }],
      ['SH', 14.8, { onHand: 100, demandPerDay: 0.96, weeks: 14.8 }],
    ]);
  });
});

describe('rule sets and simulations', () => {
  it('reads and sets a channel\'s rule set, refusing unknown rules and an empty ranking', async () => {
    expect((await t.http('GET', '/v1/channels/PLAIN/sourcing-rules')).body).toEqual({ channel: 'PLAIN', rules: ['fewest_shipments', 'priority'], splitLines: false, source: 'default', version: 0 });
    const bad = await rules('PLAIN', { rules: ['nearest', 'cheapest_please'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', errors: [{ path: '/body/rules/1' }] });
    expect((await rules('PLAIN', { rules: [] })).body.code).toBe('validation_failed');
    expect((await t.http('GET', '/v1/channels/NOPE/sourcing-rules')).status).toBe(404);
  });

  it('simulates a rule set over past orders, changing nothing', async () => {
    const before = await t.db.selectFrom('order_lines').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const res = await t.http('POST', '/v1/sourcing/simulations', { body: { channel: 'PLAIN', ruleSet: { rules: ['same_region', 'nearest', 'priority'] } } });
    expect(res.status).toBe(200);
    expect(res.body.orders).toBeGreaterThan(0);
    expect(res.body.proposed.crossRegionShare).toBeLessThan(res.body.current.crossRegionShare);
    expect(res.body.proposed.averageDistanceKm).toBeLessThan(res.body.current.averageDistanceKm);
    expect(res.body.changed.count).toBeGreaterThan(0);
    expect(res.body.changed.orders[0]).toMatchObject({ current: ['SH'], proposed: ['GZ'] });
    const after = await t.db.selectFrom('order_lines').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect((await t.http('POST', '/v1/sourcing/simulations', { body: { ruleSet: { rules: ['fastest'] } } })).status).toBe(400);
  });
});

describe('re-sourcing splits and simulated stock balancing (issue #19 gaps)', () => {
  it('a re-sourced line no other location has whole is split over locations when the channel allows it, money exact', async () => {
    const [big, mate] = fresh('RSPLIT', 'RMATE');
    await skus(big!, mate!);
    await receive('GZ', { [big!]: 50, [mate!]: 5 });
    await receive('SH', { [big!]: 30 });
    await receive('CD', { [big!]: 25 });
    await t.http('POST', '/v1/channels', { body: { code: 'RSPL', name: 'Re-split', type: 'web', currency: 'CNY' } });
    expect((await rules('RSPL', { rules: ['fewest_shipments', 'nearest', 'priority'], splitLines: true })).status).toBe(200);
    const lines = [{ sku: big!, quantity: 50, unitPriceMinor: 999, discountMinor: 1001, taxMinor: 1903 }, { sku: mate!, quantity: 1, unitPriceMinor: 100 }];
    const res = await t.http('POST', '/v1/orders', { body: anOrder({
      channel: 'RSPL', currency: 'CNY', shippingAddress: shenzhen, orderDiscountMinor: 7,
      totals: { subtotalMinor: 50_050, discountMinor: 1008, shippingMinor: 495, taxMinor: 1903, totalMinor: 51_440 }, payment: { method: 'card', authorizedMinor: 51_440 },
    }, lines) });
    expect(res.status).toBe(201);
    expect(locationsOf(res.body)).toEqual(['GZ', 'GZ']);
    const line1 = res.body.lines[0];

    const moved = await t.http('POST', `/v1/orders/${res.body.id}/resource`, { body: { excludeLocations: ['GZ'], reason: 'GZ flooded' } });
    expect(moved.status).toBe(200);
    // Neither SH (30) nor CD (25) has 50: nearest first, SH then CD; the first part keeps line 1, the other is line 3.
    // The mate is nowhere else: backordered.
    expect(moved.body.lines.map((l: any) => [l.lineNo, l.sku, l.location, l.quantity, l.allocated, l.backordered, l.splitFromLineNo])).toEqual([
      [1, big, 'SH', 30, 30, 0, 1], [2, mate, null, 1, 0, 1, null], [3, big, 'CD', 20, 20, 0, 1],
    ]);
    expect(moved.body.lines[0].id).toBe(line1.id);
    const parts = moved.body.lines.filter((l: any) => l.sku === big);
    expect(parts.reduce((a: number, l: any) => a + l.discountMinor, 0)).toBe(1001);
    // The line's share of the order discount (all 7 of it: the mate is worth too little to take a unit) is divided too.
    const shares = await t.db.selectFrom('order_lines').select(['line_no', 'order_discount_minor']).where('order_id', '=', res.body.id).orderBy('line_no').execute();
    expect(shares.map((r) => [r.line_no, Number(r.order_discount_minor)])).toEqual([[1, 4], [2, 0], [3, 3]]);
    expect(parts.reduce((a: number, l: any) => a + l.taxMinor, 0)).toBe(1903);
    expect(parts.map((l: any) => l.taxMinor)).toEqual([1142, 761]);
    expect(moved.body.totals).toEqual(res.body.totals);
    expect(moved.body.status).toBe('confirmed');

    const decision = (await sourcing(res.body.id)).at(-1)!;
    expect(decision).toMatchObject({ trigger: 'resource', reason: 'GZ flooded; line 1 split over 2 locations (lines 1, 3)' });
    expect(decision.explanation.fallbacks).toContain('line 1 (50 units) split over SH (30), CD (20): no single location has them all');
    const timeline = (await t.http('GET', `/v1/orders/${res.body.id}/timeline`)).body.data;
    expect(timeline.find((e: any) => e.type === 'resourced')?.message).toMatch(/30 unit\(s\) from GZ to SH .*20 unit\(s\) from GZ to CD \(split from line 1\)/);
    const event = await t.db.selectFrom('outbox_events').select('payload').where('aggregate_id', '=', res.body.id).where('type', '=', 'order.changed').executeTakeFirstOrThrow();
    expect(event.payload).toMatchObject({ change: 'resourced', lines: [
      { lineId: line1.id, lineNo: 1, from: 'GZ', to: 'SH', quantity: 30, splitFromLineNo: 1 },
      { lineNo: 3, from: 'GZ', to: 'CD', quantity: 20, splitFromLineNo: 1 },
      { lineNo: 2, from: 'GZ', to: null, quantity: 1 },
    ] });
    const stock = Object.fromEntries((await t.http('GET', `/v1/stock?sku=${big}`)).body.data.map((s: any) => [s.location, s.reserved]));
    expect(stock).toEqual({ GZ: 0, SH: 30, CD: 20 });
    const checks = await runChecks(t.db, [...inventoryChecks, ...orderChecks, ...fulfillmentChecks]);
    expect(checks.lines.filter((l) => !l.startsWith('ok')), checks.lines.join('\n')).toEqual([]);
  });

  it('a partly shipped line is never split when its fulfilment order is rejected; a line with nothing shipped is', async () => {
    const [shipped, unshipped] = fresh('RPART', 'RWHOLE');
    await skus(shipped!, unshipped!);
    await receive('GZ', { [shipped!]: 10, [unshipped!]: 10 });
    await receive('SH', { [shipped!]: 5, [unshipped!]: 6 });
    await receive('CD', { [shipped!]: 5, [unshipped!]: 6 });
    await t.http('POST', '/v1/channels', { body: { code: 'RPART', name: 'Partly shipped', type: 'web', currency: 'CNY' } });
    expect((await rules('RPART', { rules: ['fewest_shipments', 'nearest', 'priority'], splitLines: true })).status).toBe(200);
    const res = await capture('RPART', { [shipped!]: 10, [unshipped!]: 10 });
    expect(locationsOf(res.body)).toEqual(['GZ', 'GZ']);
    expect((await t.http('POST', `/v1/orders/${res.body.id}/release`, { body: {} })).status).toBeLessThan(300);
    const [fo] = (await t.http('GET', `/v1/fulfillment-orders?orderId=${res.body.id}`)).body.data;
    expect((await t.http('POST', '/v1/shipments', { body: { fulfillmentOrderId: fo.id, lines: [{ lineId: res.body.lines[0].id, quantity: 2 }] } })).status).toBe(201);
    expect((await t.http('POST', `/v1/fulfillment-orders/${fo.id}/reject`, { body: { reason: 'shelf empty' } })).status).toBe(200);

    const order = (await t.http('GET', `/v1/orders/${res.body.id}`)).body;
    // Line 1 shipped 2 from GZ: its 8 left are whole nowhere, so they wait (anywhere: GZ said it has not got them).
    // Line 2 shipped nothing: split over SH (6) and CD (4).
    expect(order.lines.map((l: any) => [l.lineNo, l.location, l.quantity, l.shipped, l.allocated, l.backordered, l.splitFromLineNo])).toEqual([
      [1, null, 10, 2, 0, 8, null], [2, 'SH', 6, 0, 6, 0, 2], [3, 'CD', 4, 0, 4, 0, 2],
    ]);
    const decisions = (await sourcing(res.body.id)).filter((d) => d.trigger === 'resource');
    expect(decisions.map((d) => d.reason)).toEqual([
      expect.stringMatching(/ \(lines with shipped units, each kept whole\)$/), expect.stringMatching(/; line 2 split over 2 locations \(lines 2, 3\)$/),
    ]);
    const fos = (await t.http('GET', `/v1/fulfillment-orders?orderId=${res.body.id}`)).body.data as { location: string; status: string; lines: { lineNo: number; quantity: number }[] }[];
    expect(fos.filter((f) => f.status === 'requested').map((f) => [f.location, f.lines.map((l) => [l.lineNo, l.quantity])]).sort()).toEqual([['CD', [[3, 4]]], ['SH', [[2, 6]]]]);
    const checks = await runChecks(t.db, [...inventoryChecks, ...orderChecks, ...fulfillmentChecks]);
    expect(checks.lines.filter((l) => !l.startsWith('ok')), checks.lines.join('\n')).toEqual([]);
  });

  it('a simulation with stock_balance ranks by weeks of supply, as capture does, and says so in its basis', async () => {
    const [mug] = fresh('SIMBAL');
    await skus(mug!);
    await receive('SH', { [mug!]: 100 });
    await receive('CD', { [mug!]: 20 });
    await t.http('POST', '/v1/channels', { body: { code: 'SIMBAL', name: 'Simulated balance', type: 'web', currency: 'CNY' } });
    // The default rule set in force: SH by priority, twice, so SH has demand (26 units over the window) and CD none.
    for (let i = 0; i < 2; i++) expect((await capture('SIMBAL', { [mug!]: 13 })).body.lines[0].location).toBe('SH');
    const simulate = () => t.http('POST', '/v1/sourcing/simulations', { body: { channel: 'SIMBAL', ruleSet: { rules: ['stock_balance', 'priority'] } } });

    // No demand for the mug read yet: ranked by free units, SH's 100 over CD's 20 — nothing changes.
    const byFree = await simulate();
    expect(byFree.status).toBe(200);
    expect(byFree.body).toMatchObject({ orders: 2, changed: { count: 0 } });
    expect(byFree.body.basis).toMatch(/stock_balance by weeks of supply/);

    await jobHandlers({ db: t.db, idempotencyTtlHours: 24 })['sourcing.refresh-demand']();
    // SH: 100 ÷ (26/28 a day × 7) = 15.4 weeks; CD: 20 ÷ (1/28 × 7) = 80 weeks — CD, though it has fewer free units.
    const byWeeks = await simulate();
    expect(byWeeks.body).toMatchObject({ orders: 2, changed: { count: 2 } });
    expect(byWeeks.body.changed.orders.map((o: any) => [o.current, o.proposed])).toEqual([[['SH'], ['CD']], [['SH'], ['CD']]]);

    // A rule set without stock_balance reads no demand and says nothing of it.
    const plain = await t.http('POST', '/v1/sourcing/simulations', { body: { channel: 'SIMBAL', ruleSet: { rules: ['priority'] } } });
    expect(plain.body.basis).not.toMatch(/stock_balance/);
  });
});

describe('filling a backorder over locations (issue #19 gaps)', () => {
  it('a waiting line no location has whole is split over locations when stock arrives and the channel splits lines', async () => {
    const [big] = fresh('BOSPLIT');
    await skus(big!);
    await t.http('POST', '/v1/channels', { body: { code: 'BOSPL', name: 'Backorder split', type: 'b2b', currency: 'CNY', policy: { allowBackorder: true } } });
    expect((await rules('BOSPL', { rules: ['fewest_shipments', 'nearest', 'priority'], splitLines: true })).status).toBe(200);
    const lines = [{ sku: big!, quantity: 50, unitPriceMinor: 999, discountMinor: 1001, taxMinor: 1903 }];
    const res = await t.http('POST', '/v1/orders', { body: anOrder({
      channel: 'BOSPL', currency: 'CNY', shippingAddress: shenzhen,
      totals: { subtotalMinor: 49_950, discountMinor: 1001, shippingMinor: 495, taxMinor: 1903, totalMinor: 51_347 }, payment: { method: 'card', authorizedMinor: 51_347 },
    }, lines) });
    expect(res.body).toMatchObject({ status: 'confirmed', lines: [{ backordered: 50, location: null }] });
    await receive('SH', { [big!]: 30 });
    await receive('CD', { [big!]: 25 });
    expect((await fill()).units).toBeGreaterThanOrEqual(50);
    const order = (await t.http('GET', `/v1/orders/${res.body.id}`)).body;
    // Filled in part at SH it would wait for 20 more there; split, it is all reserved now.
    expect(order.lines.map((l: any) => [l.lineNo, l.location, l.quantity, l.allocated, l.backordered, l.splitFromLineNo])).toEqual([
      [1, 'SH', 30, 30, 0, 1], [2, 'CD', 20, 20, 0, 1],
    ]);
    expect(order.lines.reduce((a: number, l: any) => a + l.discountMinor, 0)).toBe(1001);
    expect(order.lines.reduce((a: number, l: any) => a + l.taxMinor, 0)).toBe(1903);
    expect(order.totals).toEqual(res.body.totals);
    expect(order.status).toBe('allocated');
    const event = (await t.db.selectFrom('outbox_events').select('payload').where('aggregate_id', '=', res.body.id).where('type', '=', 'order.changed').execute())
      .map((e) => e.payload as any).find((p) => p.change === 'backorder_filled');
    expect(event.lines).toMatchObject([
      { lineNo: 1, location: 'SH', reserved: 30, backordered: { from: 50, to: 0 }, splitFromLineNo: 1 },
      { lineNo: 2, location: 'CD', reserved: 20, backordered: { from: 0, to: 0 }, splitFromLineNo: 1 },
    ]);
    const decision = (await sourcing(res.body.id)).at(-1)!;
    expect(decision.reason).toBe('stock arrived for backordered lines; line 1 split over 2 locations (lines 1, 2)');
    expect(decision.explanation.fallbacks).toContain('line 1 (50 units) split over SH (30), CD (20): no single location has them all');
    const checks = await runChecks(t.db, [...inventoryChecks, ...orderChecks, ...fulfillmentChecks]);
    expect(checks.lines.filter((l) => !l.startsWith('ok')), checks.lines.join('\n')).toEqual([]);
  });
});

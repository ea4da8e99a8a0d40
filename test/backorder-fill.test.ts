import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { jobHandlers, startJobs } from '../src/jobs/jobs.js';
import { fillBackorders } from '../src/order/fill-backorders.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
let stopJobs: (() => Promise<void>) | undefined;
afterAll(async () => stopJobs?.());

const fill = () => jobHandlers({ db: t.db, idempotencyTtlHours: 24 })['orders.fill-backorders']();

async function skus(...codes: string[]) {
  await t.http('POST', '/v1/skus/bulk', { body: { items: codes.map((code) => ({ code, name: code })) } });
}

async function receive(location: string, sku: string, quantity: number) {
  const res = await t.http('POST', '/v1/stock/receipts', { body: { location, lines: [{ sku, quantity }] } });
  expect(res.status).toBe(201);
}

/** A B2B order (the channel takes backorders) of `quantity` × `sku`, waiting for stock. */
async function waitingOrder(sku: string, quantity: number, overrides: Record<string, unknown> = {}) {
  const res = await t.http('POST', '/v1/orders', { body: anOrder({ channel: 'B2B', ...overrides }, [{ sku, quantity, unitPriceMinor: 1000 }]) });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ status: 'confirmed', lines: [{ allocated: 0, backordered: quantity, location: null }] });
  return res.body.id as string;
}

const order = async (id: string) => (await t.http('GET', `/v1/orders/${id}`)).body;
const events = (id: string) => t.db.selectFrom('outbox_events').select(['type', 'payload']).where('aggregate_id', '=', id).orderBy('id').execute();

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.http('POST', '/v1/locations', { body: { code: 'BSTORE', name: 'Store', type: 'store', capabilities: { ship: true, pickup: true }, priority: 1 } });
  await t.http('POST', '/v1/channels', { body: { code: 'SHOP', name: 'Shop', type: 'web', currency: 'EUR' } });
});

describe('backordered units are reserved when stock arrives', () => {
  it('3 orders wait, 2 units arrive: the two oldest get them and become allocated', async () => {
    await skus('BO-1');
    const ids = [await waitingOrder('BO-1', 1), await waitingOrder('BO-1', 1), await waitingOrder('BO-1', 1)];
    await receive('OWH1', 'BO-1', 2);

    expect(await fill()).toMatchObject({ orders: 2, units: 2 });

    const [first, second, third] = await Promise.all(ids.map(order));
    for (const o of [first, second]) {
      expect(o).toMatchObject({ status: 'allocated', lines: [{ allocated: 1, backordered: 0, location: 'OWH1' }] });
    }
    expect(third).toMatchObject({ status: 'confirmed', lines: [{ allocated: 0, backordered: 1, location: null }] });
    const stock = await t.http('GET', '/v1/stock?sku=BO-1');
    expect(stock.body.data[0]).toMatchObject({ onHand: 2, reserved: 2, available: 0 });

    // The timeline says what happened and who did it; the outbox has the change and the status event.
    const timeline = (await t.http('GET', `/v1/orders/${ids[0]}/timeline`)).body.data;
    expect(timeline.slice(-2)).toMatchObject([
      { type: 'backorder_filled', actor: 'system:backorders', message: 'line 1 (BO-1): 1 unit(s) reserved at OWH1' },
      { type: 'status_changed', actor: 'system:backorders', fromStatus: 'confirmed', toStatus: 'allocated' },
    ]);
    expect((await events(ids[0] as string)).slice(-2)).toMatchObject([
      { type: 'order.changed', payload: { change: 'backorder_filled', lines: [{ sku: 'BO-1', location: 'OWH1', reserved: 1, backordered: { from: 1, to: 0 } }] } },
      { type: 'order.allocated', payload: { from: 'confirmed', to: 'allocated' } },
    ]);
    expect((await events(ids[2] as string)).map((e) => e.type)).not.toContain('order.changed');

    // Nothing free is left: the next run does nothing.
    expect(await fill()).toMatchObject({ orders: 0, units: 0 });
  });

  it('a line partly filled stays confirmed with fewer units backordered, and takes the rest at its location later', async () => {
    await skus('BO-PART');
    const id = await waitingOrder('BO-PART', 3);
    await receive('OWH1', 'BO-PART', 2);
    await fill();
    expect(await order(id)).toMatchObject({ status: 'confirmed', lines: [{ quantity: 3, allocated: 2, backordered: 1, location: 'OWH1' }] });
    const timeline = (await t.http('GET', `/v1/orders/${id}/timeline`)).body.data;
    expect(timeline.at(-1)).toMatchObject({ type: 'backorder_filled', message: 'line 1 (BO-PART): 2 unit(s) reserved at OWH1, 1 still backordered' });

    // A line ships from one location: a unit elsewhere does not complete it, one at its location does.
    await receive('OWH2', 'BO-PART', 1);
    await fill();
    expect((await order(id)).lines[0]).toMatchObject({ allocated: 2, backordered: 1 });
    await receive('OWH1', 'BO-PART', 1);
    await fill();
    expect(await order(id)).toMatchObject({ status: 'allocated', lines: [{ allocated: 3, backordered: 0, location: 'OWH1' }] });
  });

  it('a pickup order only takes units at its pickup store', async () => {
    await skus('BO-PICK');
    const pickup = await waitingOrder('BO-PICK', 1, { deliveryMethod: 'pickup', pickupLocation: 'BSTORE' });
    const shipped = await waitingOrder('BO-PICK', 1);
    await receive('OWH1', 'BO-PICK', 1);
    await fill();
    // The older pickup order cannot use the warehouse's unit; the younger shipping order can.
    expect(await order(pickup)).toMatchObject({ status: 'confirmed', lines: [{ backordered: 1, location: null }] });
    expect(await order(shipped)).toMatchObject({ status: 'allocated', lines: [{ location: 'OWH1' }] });

    await receive('BSTORE', 'BO-PICK', 1);
    await fill();
    expect(await order(pickup)).toMatchObject({ status: 'allocated', lines: [{ allocated: 1, location: 'BSTORE' }] });
  });

  it('respects the channel allocation: units another channel\'s quota holds are not taken', async () => {
    await skus('BO-QUOTA');
    const quota = await t.http('PUT', '/v1/allocations', { body: { channel: 'SHOP', sku: 'BO-QUOTA', quotaUnits: 2 } });
    expect(quota.status).toBe(200);
    const ids = [await waitingOrder('BO-QUOTA', 1), await waitingOrder('BO-QUOTA', 1), await waitingOrder('BO-QUOTA', 1)];
    await receive('OWH1', 'BO-QUOTA', 3);
    await fill();
    // 3 sellable, 2 of them SHOP's: B2B may take 1, and the oldest order gets it.
    const statuses = (await Promise.all(ids.map(order))).map((o) => o.status);
    expect(statuses).toEqual(['allocated', 'confirmed', 'confirmed']);
    const atp = await t.http('GET', '/v1/availability?sku=BO-QUOTA&channel=B2B');
    expect(JSON.stringify(atp.body)).toContain('"available":0');
  });

  it('a held order gets its units but keeps its status', async () => {
    await skus('BO-HELD');
    const res = await t.http('POST', '/v1/orders', { body: anOrder({ channel: 'B2B' }, [{ sku: 'BO-HELD', quantity: 1, unitPriceMinor: 1000 }]) });
    const id = res.body.id as string;
    const hold = await t.http('POST', `/v1/orders/${id}/holds`, { body: { reasonCode: 'manual', note: 'check the customer' } });
    expect(hold.status).toBe(201);
    await receive('OWH1', 'BO-HELD', 1);
    await fill();
    expect(await order(id)).toMatchObject({ status: 'on_hold', lines: [{ allocated: 1, backordered: 0 }] });
  });

  it('concurrent fills reserve each unit once', async () => {
    await skus('BO-RACE');
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await waitingOrder('BO-RACE', 1));
    await receive('OWH1', 'BO-RACE', 5);
    const runs = await Promise.all(Array.from({ length: 4 }, () => fillBackorders(t.db)));
    expect(runs.reduce((a, r) => a + r.units, 0)).toBe(5);
    const statuses = (await Promise.all(ids.map(order))).map((o) => o.status);
    expect(statuses).toEqual([...Array(5).fill('allocated'), ...Array(3).fill('confirmed')]);
    const stock = await t.http('GET', '/v1/stock?sku=BO-RACE');
    expect(stock.body.data[0]).toMatchObject({ onHand: 5, reserved: 5 });
  });

  it('units released by a cancelled order go to the oldest waiting order', async () => {
    await skus('BO-FREED');
    await receive('OWH1', 'BO-FREED', 1);
    const holder = await t.http('POST', '/v1/orders', { body: anOrder({ channel: 'B2B' }, [{ sku: 'BO-FREED', quantity: 1, unitPriceMinor: 1000 }]) });
    expect(holder.body.status).toBe('allocated');
    const waiting = await waitingOrder('BO-FREED', 1);
    expect((await t.http('POST', `/v1/orders/${holder.body.id}/cancel`, { body: { reason: 'customer changed their mind' } })).status).toBe(200);
    await fill();
    expect(await order(waiting)).toMatchObject({ status: 'allocated', lines: [{ location: 'OWH1' }] });
  });

  it('the rest of a line partly filled goes where all of it is: split off when the channel splits lines', async () => {
    await skus('BO-REST');
    await t.http('POST', '/v1/channels', { body: { code: 'BSPLIT', name: 'B2B split', type: 'b2b', currency: 'EUR', policy: { allowBackorder: true } } });
    expect((await t.http('PUT', '/v1/channels/BSPLIT/sourcing-rules', { body: { rules: ['fewest_shipments', 'priority'], splitLines: true } })).status).toBe(200);
    const id = await waitingOrder('BO-REST', 5, { channel: 'BSPLIT' });
    await receive('OWH1', 'BO-REST', 2);
    await fill();
    expect(await order(id)).toMatchObject({ status: 'confirmed', lines: [{ quantity: 5, allocated: 2, backordered: 3, location: 'OWH1' }] });

    // Its own location has none of the rest; another has all 3.
    await receive('OWH2', 'BO-REST', 3);
    expect(await fill()).toMatchObject({ orders: 1, units: 3 });
    const after = await order(id);
    expect(after).toMatchObject({ status: 'allocated', totals: { subtotalMinor: 5000 } });
    expect(after.lines).toMatchObject([
      { lineNo: 1, quantity: 2, allocated: 2, backordered: 0, location: 'OWH1' },
      { lineNo: 2, quantity: 3, allocated: 3, backordered: 0, location: 'OWH2', splitFromLineNo: 1 },
    ]);
    const timeline = (await t.http('GET', `/v1/orders/${id}/timeline`)).body.data;
    expect(timeline.find((e: { type: string; message: string }) => e.type === 'backorder_filled' && e.message.includes('split off')))
      .toMatchObject({ message: expect.stringContaining('the 3 unit(s) of line 1 still waiting are not at OWH1; split off to OWH2 (line 2)') });
    const decisions = (await t.http('GET', `/v1/orders/${id}/sourcing`)).body.decisions;
    expect(decisions.at(-1)).toMatchObject({ trigger: 'backorder', reason: expect.stringContaining('split off to OWH2'), explanation: { parcels: [{ location: 'OWH2' }] } });
  });

  it('the rest of a line partly filled goes where all of it is: the whole line moved when the channel does not split', async () => {
    await skus('BO-MOVE');
    const id = await waitingOrder('BO-MOVE', 4);
    await receive('OWH1', 'BO-MOVE', 1);
    await fill();
    expect(await order(id)).toMatchObject({ lines: [{ allocated: 1, backordered: 3, location: 'OWH1' }] });

    // 3 more at OWH2 are not the whole line: it keeps waiting at OWH1. 1 more there makes it whole.
    await receive('OWH2', 'BO-MOVE', 3);
    expect(await fill()).toMatchObject({ units: 0 });
    await receive('OWH2', 'BO-MOVE', 1);
    expect(await fill()).toMatchObject({ orders: 1, units: 3 });
    expect(await order(id)).toMatchObject({ status: 'allocated', lines: [{ quantity: 4, allocated: 4, backordered: 0, location: 'OWH2' }] });
    const stock = (await t.http('GET', '/v1/stock?sku=BO-MOVE')).body.data;
    expect(stock.find((s: { location: string }) => s.location === 'OWH1')).toMatchObject({ onHand: 1, reserved: 0 });
    expect(stock.find((s: { location: string }) => s.location === 'OWH2')).toMatchObject({ onHand: 4, reserved: 4 });
    const timeline = (await t.http('GET', `/v1/orders/${id}/timeline`)).body.data;
    expect(timeline.find((e: { type: string; message: string }) => e.type === 'backorder_filled' && e.message.includes('moved whole')))
      .toMatchObject({ message: 'line 1 (BO-MOVE): 4 unit(s) reserved at OWH2; the 3 unit(s) line 1 waited for are not at OWH1; moved whole to OWH2, which has all 4' });
    const decisions = (await t.http('GET', `/v1/orders/${id}/sourcing`)).body.decisions;
    expect(decisions.at(-1)).toMatchObject({ trigger: 'backorder', reason: expect.stringContaining('moved whole to OWH2'), explanation: { parcels: [{ location: 'OWH2' }] } });
    expect((await events(id)).filter((e) => e.type === 'order.changed').at(-1)).toMatchObject({ payload: { change: 'backorder_filled', lines: [
      { location: 'OWH2', reserved: 4, backordered: { from: 3, to: 0 }, movedFrom: 'OWH1', released: 1 },
    ] } });
  });

  it('the running jobs fill a waiting order within seconds of a receipt', async () => {
    await skus('BO-NUDGE');
    const id = await waitingOrder('BO-NUDGE', 1);
    const jobs = await startJobs({ db: t.db, databaseUrl: t.database.url, logger: pino({ level: 'silent' }), idempotencyTtlHours: 24, backorderNudgeMs: 200 });
    stopJobs = () => jobs.stop();
    await receive('OWH2', 'BO-NUDGE', 1);
    const deadline = Date.now() + 30_000;
    let status = 'confirmed';
    while (status === 'confirmed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await order(id)).status;
    }
    expect(status).toBe('allocated');
  });

  it('ordo check finds stock, reservations and order lines in step after all of it', async () => {
    const result = await runChecks(t.db);
    expect(result.lines.filter((l) => !l.startsWith('ok'))).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

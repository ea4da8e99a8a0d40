/**
 * Fulfilment (issue #19 parts 4, 6, 7): fulfilment orders per location, the location's steps, shipments in parts,
 * tracking to delivery, a carrier exception holding the order, a rejection handing units back for sourcing, store
 * pickup with its code, pick lists and the packing slip PDF.
 */
import { PDFParse } from 'pdf-parse';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { completeDeliveredOrders, expireUncollectedPickups, fulfillmentChecks, fulfillmentFillHooks } from '../src/fulfillment/index.js';
import { inventoryChecks } from '../src/inventory/check.js';
import { orderChecks } from '../src/order/check.js';
import { fillBackorders } from '../src/order/index.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-A', quantity: 500 }] } });
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH2', lines: [{ sku: 'ORD-C', quantity: 200 }, { sku: 'ORD-B', quantity: 20 }] } });
  await t.http('POST', '/v1/locations', { body: { code: 'FSTORE', name: '静安门店 Jing\'an store', type: 'store', capabilities: { ship: false, pickup: true }, priority: 5 } });
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'FSTORE', lines: [{ sku: 'ORD-B', quantity: 10 }] } });
  await t.http('PUT', '/v1/carriers', { body: { code: 'SF', name: '顺丰速运', services: [{ code: 'STD', name: '标快', transitDays: 2 }, { code: 'EXP', name: '特快', transitDays: 1 }] } });
});

type Line = { sku: string; quantity: number; unitPriceMinor: number };
const post = (url: string, body?: unknown, key?: string) => t.http('POST', url, { body, key });
const ok = async (url: string, body?: unknown, key?: string) => {
  const res = await post(url, body, key);
  expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
};
const capture = async (lines: Line[], overrides: Record<string, unknown> = {}) => {
  const res = await t.http('POST', '/v1/orders', { body: anOrder(overrides, lines) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};
const stock = async (sku: string, location: string) => {
  const { onHand, reserved } = (await t.http('GET', `/v1/stock?sku=${sku}&location=${location}`)).body.data[0] as { onHand: number; reserved: number };
  return { onHand, reserved };
};
const getOrder = async (id: string) => (await t.http('GET', `/v1/orders/${id}`)).body;
const fulfillmentOrdersOf = async (orderId: string) => (await t.http('GET', `/v1/fulfillment-orders?orderId=${orderId}`)).body.data;
const eventsOf = async (aggregateId: string) =>
  t.db.selectFrom('outbox_events').select(['type', 'payload', 'aggregate_version']).where('aggregate_id', '=', aggregateId).orderBy('id').execute();
/** An order with ORD-A at OWH1 and ORD-C at OWH2, released: two fulfilment orders. */
async function releasedTwoLocations(a = 3, c = 2) {
  const order = await capture([{ sku: 'ORD-A', quantity: a, unitPriceMinor: 100 }, { sku: 'ORD-C', quantity: c, unitPriceMinor: 100 }]);
  await ok(`/v1/orders/${order.id}/release`);
  const fos = await fulfillmentOrdersOf(order.id);
  const at = (loc: string) => fos.find((f: { location: string }) => f.location === loc);
  return { order, wh1: at('OWH1'), wh2: at('OWH2') };
}
const trackingEvent = (eventId: string, type: string, occurredAt = new Date().toISOString(), extra: Record<string, unknown> = {}) =>
  ({ eventId, type, occurredAt, ...extra });

describe('fulfilment orders', () => {
  it('releasing an order sends one fulfilment order per location, with what to pick and where it goes', async () => {
    const { order, wh1, wh2 } = await releasedTwoLocations();
    expect(wh1).toMatchObject({ number: `${order.number}-F1`, status: 'requested', kind: 'ship', orderNumber: order.number,
      lines: [{ lineNo: 1, sku: 'ORD-A', quantity: 3, shipped: 0, open: 3 }] });
    expect(wh2).toMatchObject({ number: `${order.number}-F2`, lines: [{ lineNo: 2, sku: 'ORD-C', quantity: 2 }] });
    const [requested] = await eventsOf(wh1.id);
    expect(requested).toMatchObject({ type: 'fulfillment.requested', aggregate_version: 1 });
    expect(requested!.payload).toMatchObject({ location: 'OWH1', orderNumber: order.number, lines: [{ sku: 'ORD-A', quantity: 3, name: 'ORD-A' }],
      shipTo: { name: 'Erika Mustermann', city: 'Köln' } });
    expect((await getOrder(order.id)).status).toBe('in_fulfillment');
  });

  it('the warehouse role accepts, picks and packs, in turn; it may not edit or cancel the order', async () => {
    const { order, wh1 } = await releasedTwoLocations();
    const early = await post(`/v1/fulfillment-orders/${wh1.id}/pack`, {}, 'warehouse');
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'invalid_state', currentStatus: 'requested', allowed: ['accepted', 'shipped', 'rejected', 'cancelled'] });
    expect((await ok(`/v1/fulfillment-orders/${wh1.id}/accept`, { note: 'wave 7' }, 'warehouse')).status).toBe('accepted');
    expect((await ok(`/v1/fulfillment-orders/${wh1.id}/start-picking`, {}, 'warehouse')).status).toBe('picking');
    const packed = await ok(`/v1/fulfillment-orders/${wh1.id}/pack`, {}, 'warehouse');
    expect(packed).toMatchObject({ status: 'packed', version: 4 });
    expect((await eventsOf(wh1.id)).map((e) => e.type)).toEqual(['fulfillment.requested', 'fulfillment.accepted', 'fulfillment.picking_started', 'fulfillment.packed']);
    expect((await post(`/v1/orders/${order.id}/cancel`, { reason: 'x' }, 'warehouse')).status).toBe(403);
    expect((await post(`/v1/fulfillment-orders/${wh1.id}/cancel`, { reason: 'x' }, 'warehouse')).status).toBe(403);
    expect((await post(`/v1/fulfillment-orders/${wh1.id}/accept`, {}, 'viewer')).status).toBe(403);
    expect((await t.http('GET', `/v1/fulfillment-orders/${wh1.id}`, { key: 'viewer' })).status).toBe(200);
  });

  it('cancelling the order in the warehouse withdraws its fulfilment orders', async () => {
    const { order, wh1, wh2 } = await releasedTwoLocations();
    await ok(`/v1/orders/${order.id}/cancel`, { reason: 'customer called' });
    for (const fo of [wh1, wh2]) {
      expect((await t.http('GET', `/v1/fulfillment-orders/${fo.id}`)).body.status).toBe('cancelled');
      expect((await eventsOf(fo.id)).at(-1)?.type).toBe('fulfillment.cancelled');
    }
  });

  it('a recall withdraws them; releasing again sends new ones', async () => {
    const { order, wh1 } = await releasedTwoLocations();
    await ok(`/v1/orders/${order.id}/recall`, { reason: 'edit the address' });
    expect((await t.http('GET', `/v1/fulfillment-orders/${wh1.id}`)).body.status).toBe('cancelled');
    await ok(`/v1/orders/${order.id}/release`);
    const again = (await fulfillmentOrdersOf(order.id)).filter((f: { status: string }) => f.status === 'requested');
    expect(again.map((f: { number: string }) => f.number).sort()).toEqual([`${order.number}-F3`, `${order.number}-F4`]);
  });
});

describe('shipments', () => {
  it('ships part of a fulfilment order, then the rest; refuses more than it holds, a second shipment of the same units, an unknown carrier or service', async () => {
    const { order, wh1, wh2 } = await releasedTwoLocations(4, 2);
    const a0 = await stock('ORD-A', 'OWH1');
    const first = await post('/v1/shipments', {
      fulfillmentOrderId: wh1.id, lines: [{ lineId: order.lines[0].id, quantity: 1 }], carrier: 'SF', service: 'EXP', trackingNumber: 'SF100', parcels: 1, weightGrams: 850,
    }, 'warehouse');
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.shipment).toMatchObject({ fulfillmentOrderId: wh1.id, carrier: 'SF', service: 'EXP', trackingNumber: 'SF100', parcels: 1, weightGrams: 850, status: 'shipped', lines: [{ lineId: order.lines[0].id, quantity: 1 }] });
    expect(first.body.fulfillmentOrder).toMatchObject({ status: 'requested', lines: [{ quantity: 4, shipped: 1, open: 3 }] });
    expect(await stock('ORD-A', 'OWH1')).toEqual({ onHand: a0.onHand - 1, reserved: a0.reserved - 1 });
    expect((await getOrder(order.id)).status).toBe('partially_shipped');

    const over = await post('/v1/shipments', { fulfillmentOrderId: wh1.id, lines: [{ lineId: order.lines[0].id, quantity: 5 }] });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: 'ship_exceeds_open', lines: [{ index: 0, lineId: order.lines[0].id, requested: 5, open: 3 }] });
    const elsewhere = await post('/v1/shipments', { fulfillmentOrderId: wh1.id, lines: [{ lineId: order.lines[1].id, quantity: 1 }] });
    expect(elsewhere.body).toMatchObject({ code: 'ship_exceeds_open', lines: [{ requested: 1, open: 0 }] });
    expect((await post('/v1/shipments', { fulfillmentOrderId: wh1.id, carrier: 'NOPE' })).body).toMatchObject({ code: 'not_found', entity: 'carrier' });
    expect((await post('/v1/shipments', { fulfillmentOrderId: wh1.id, carrier: 'SF', service: 'SLOW' })).body).toMatchObject({ code: 'not_found', entity: 'carrier_service', services: ['STD', 'EXP'] });
    expect((await post('/v1/shipments', { fulfillmentOrderId: wh1.id, service: 'STD' })).status).toBe(400);
    expect((await post('/v1/shipments', { fulfillmentOrderId: '0190a000-0000-7000-8000-000000000000' })).status).toBe(404);

    const rest = await post('/v1/shipments', { fulfillmentOrderId: wh1.id, carrier: 'SF', trackingNumber: 'SF101' });
    expect(rest.status).toBe(201);
    expect(rest.body.shipment.lines).toEqual([{ lineId: order.lines[0].id, quantity: 3 }]);
    expect(rest.body.fulfillmentOrder.status).toBe('shipped');
    const twice = await post('/v1/shipments', { fulfillmentOrderId: wh1.id, lines: [{ lineId: order.lines[0].id, quantity: 3 }] });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'invalid_state', currentStatus: 'shipped' });
    await ok('/v1/shipments', { fulfillmentOrderId: wh2.id, carrier: 'SF', trackingNumber: 'SF102' });
    expect(await getOrder(order.id)).toMatchObject({ status: 'shipped', lines: [{ shipped: 4, allocated: 0 }, { shipped: 2, allocated: 0 }] });
    expect(await stock('ORD-A', 'OWH1')).toEqual({ onHand: a0.onHand - 4, reserved: a0.reserved - 4 });
    expect((await t.http('GET', `/v1/shipments?orderId=${order.id}`)).body.data).toHaveLength(3);
  });

  it('tracks every parcel to the door: idempotent by event id, out of order refused, the order delivered when every parcel is', async () => {
    const { order, wh1, wh2 } = await releasedTwoLocations(1, 1);
    const s1 = (await ok('/v1/shipments', { fulfillmentOrderId: wh1.id, carrier: 'SF', trackingNumber: 'SF200' })).shipment;
    const s2 = (await ok('/v1/shipments', { fulfillmentOrderId: wh2.id, carrier: 'SF', trackingNumber: 'SF201' })).shipment;
    const before = await post(`/v1/shipments/${s1.id}/events`, trackingEvent('e0', 'delivered', new Date(Date.now() - 86_400_000).toISOString()));
    expect(before.status).toBe(409);
    expect(before.body).toMatchObject({ code: 'tracking_out_of_order', eventType: 'delivered', shippedAt: s1.shippedAt });
    const unknown = await post('/v1/shipments/0190a000-0000-7000-8000-000000000000/events', trackingEvent('e0', 'in_transit'));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'not_found', entity: 'shipment' });

    const moving = await post(`/v1/shipments/${s1.id}/events`, trackingEvent('sf-1', 'in_transit', undefined, { location: '上海转运中心' }), 'integration');
    expect(moving.status).toBe(201);
    expect(moving.body).toMatchObject({ status: 'in_transit', events: [{ eventId: 'sf-1', type: 'in_transit', location: '上海转运中心', applied: true }] });
    const replay = await post(`/v1/shipments/${s1.id}/events`, trackingEvent('sf-1', 'in_transit'));
    expect(replay.status).toBe(200);
    expect(replay.body.events).toHaveLength(1);
    expect((await post(`/v1/shipments/${s1.id}/events`, trackingEvent('sf-1', 'delivered'))).body).toMatchObject({ code: 'conflict', recorded: 'in_transit' });

    await ok(`/v1/shipments/${s1.id}/events`, trackingEvent('sf-2', 'delivered'));
    expect((await getOrder(order.id)).status).toBe('shipped');
    const late = await post(`/v1/shipments/${s1.id}/events`, trackingEvent('sf-3', 'in_transit'));
    expect(late.body).toMatchObject({ code: 'tracking_out_of_order', currentStatus: 'delivered', allowed: [], requested: 'in_transit' });
    await ok(`/v1/shipments/${s2.id}/events`, trackingEvent('sf-9', 'delivered'));
    expect((await getOrder(order.id)).status).toBe('delivered');
    expect((await eventsOf(s1.id)).map((e) => e.type)).toEqual(['shipment.created', 'shipment.in_transit', 'shipment.delivered']);

    const tracking = (await t.http('GET', `/track/${order.trackingToken}`, { key: null })).body;
    expect(tracking.shipments).toHaveLength(2);
    expect(tracking.shipments.map((s: { trackingNumber: string; status: string; deliveredAt: string | null }) => [s.trackingNumber, s.status, s.deliveredAt !== null]))
      .toEqual([['SF200', 'delivered', true], ['SF201', 'delivered', true]]);

    // Delivered long enough ago, it completes by itself (the daily job).
    expect(await completeDeliveredOrders(t.db, { completeAfterDays: 0 }, new Date(Date.now() + 1000))).toMatchObject({ completed: 1 });
    expect((await getOrder(order.id)).status).toBe('completed');
  });

  it('a carrier exception holds the order while part of it is still in the warehouse', async () => {
    const { order, wh1 } = await releasedTwoLocations(1, 1);
    const s = (await ok('/v1/shipments', { fulfillmentOrderId: wh1.id, carrier: 'SF', trackingNumber: 'SF300' })).shipment;
    const res = await post(`/v1/shipments/${s.id}/events`, trackingEvent('x-1', 'exception', undefined, { description: '地址不详 address unknown' }));
    expect(res.body.status).toBe('exception');
    const held = await getOrder(order.id);
    expect(held.status).toBe('on_hold');
    expect(held.holds).toEqual([expect.objectContaining({ reasonCode: 'carrier_exception', status: 'open' })]);
    expect(held.holds[0].note).toContain('address unknown');
    const [event] = (await eventsOf(s.id)).filter((e) => e.type === 'shipment.exception');
    expect(event!.payload).toMatchObject({ orderId: order.id, from: 'shipped', to: 'exception', trackingNumber: 'SF300' });
    // The parcel goes on; a second exception adds no second hold.
    await ok(`/v1/shipments/${s.id}/events`, trackingEvent('x-2', 'in_transit'));
    await ok(`/v1/shipments/${s.id}/events`, trackingEvent('x-3', 'exception'));
    expect((await getOrder(order.id)).holds).toHaveLength(1);
    // The held order ships nothing more until a person releases the hold.
    const wh2 = (await fulfillmentOrdersOf(order.id)).find((f: { location: string }) => f.location === 'OWH2');
    expect((await post('/v1/shipments', { fulfillmentOrderId: wh2.id })).body).toMatchObject({ code: 'invalid_state', currentStatus: 'on_hold' });
  });

  it('a carrier exception holds a shipped order too; released, it goes back to shipped, or to delivered when every parcel arrived meanwhile', async () => {
    const { order, wh1, wh2 } = await releasedTwoLocations(1, 1);
    const s1 = (await ok('/v1/shipments', { fulfillmentOrderId: wh1.id, carrier: 'SF', trackingNumber: 'SF310' })).shipment;
    const s2 = (await ok('/v1/shipments', { fulfillmentOrderId: wh2.id, carrier: 'SF', trackingNumber: 'SF311' })).shipment;
    expect((await getOrder(order.id)).status).toBe('shipped');
    await ok(`/v1/shipments/${s1.id}/events`, trackingEvent('y-1', 'exception', undefined, { description: '包裹破损 parcel damaged' }));
    const held = await getOrder(order.id);
    expect(held.status).toBe('on_hold');
    expect(held.holds).toEqual([expect.objectContaining({ reasonCode: 'carrier_exception', status: 'open' })]);
    // Nothing open to cancel: rejecting the hold is refused, with what to do instead.
    const reject = await post(`/v1/orders/${order.id}/holds/${held.holds[0].id}/reject`, { note: 'x' });
    expect(reject.status).toBe(409);
    expect(reject.body).toMatchObject({ code: 'invalid_state', currentStatus: 'on_hold' });
    // Both parcels arrive while the order is held: it stays held, the timeline says so.
    await ok(`/v1/shipments/${s1.id}/events`, trackingEvent('y-2', 'delivered'));
    const at = new Date().toISOString();
    await ok(`/v1/shipments/${s2.id}/events`, trackingEvent('y-3', 'delivered', at));
    const stillHeld = await getOrder(order.id);
    expect(stillHeld.status).toBe('on_hold');
    const timeline = (await t.http('GET', `/v1/orders/${order.id}/timeline`)).body;
    expect(JSON.stringify(timeline)).toContain('delivered_while_held');
    // Released: back to shipped, and on to delivered (as of the last parcel), never to the warehouse again.
    const released = await ok(`/v1/orders/${order.id}/holds/${held.holds[0].id}/release`, { note: 'parcel re-packed by SF' });
    expect(released.status).toBe('delivered');
    expect((await fulfillmentOrdersOf(order.id)).map((f: { status: string }) => f.status)).toEqual(['shipped', 'shipped']);
    const statuses = (await eventsOf(order.id)).map((e) => e.type).filter((type) => /^order\.(held|shipped|delivered|confirmed)$/.test(type));
    expect(statuses.slice(-3), JSON.stringify((await eventsOf(order.id)).map((e) => e.type))).toEqual(['order.held', 'order.shipped', 'order.delivered']);

    // Released before the parcel arrives: shipped again; the delivery then delivers the order as usual.
    const two = await releasedTwoLocations(1, 1);
    const p1 = (await ok('/v1/shipments', { fulfillmentOrderId: two.wh1.id, carrier: 'SF', trackingNumber: 'SF320' })).shipment;
    await ok('/v1/shipments', { fulfillmentOrderId: two.wh2.id, carrier: 'SF', trackingNumber: 'SF321' });
    await ok(`/v1/shipments/${p1.id}/events`, trackingEvent('z-1', 'exception'));
    const hold = (await getOrder(two.order.id)).holds[0];
    expect((await ok(`/v1/orders/${two.order.id}/holds/${hold.id}/release`, {})).status).toBe('shipped');
  });

  it('POST /v1/orders/{id}/ship still records a parcel across fulfilment orders, counted on each', async () => {
    const { order, wh1, wh2 } = await releasedTwoLocations(2, 1);
    const res = await ok(`/v1/orders/${order.id}/ship`, { lines: [{ lineId: order.lines[0].id, quantity: 2 }, { lineId: order.lines[1].id, quantity: 1 }], carrier: 'SF' }, 'warehouse');
    expect(res.shipment).toMatchObject({ fulfillmentOrderId: null, carrier: 'SF' });
    expect(res.order.status).toBe('shipped');
    for (const fo of [wh1, wh2]) expect((await t.http('GET', `/v1/fulfillment-orders/${fo.id}`)).body.status).toBe('shipped');
  });
});

describe('rejection', () => {
  it('a rejected fulfilment order writes the shortfall off and hands its units back to be sourced again', async () => {
    const { order, wh1, wh2 } = await releasedTwoLocations(3, 1);
    // Stock arrives at the other warehouse: where the units can be sourced again.
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH2', lines: [{ sku: 'ORD-A', quantity: 10 }] } });
    const [a1, a2] = [await stock('ORD-A', 'OWH1'), await stock('ORD-A', 'OWH2')];
    const tooMuch = await post(`/v1/fulfillment-orders/${wh1.id}/reject`, { reason: 'shelf empty', shortfall: [{ lineId: order.lines[0].id, quantity: 4, disposition: 'write_off' }] }, 'warehouse');
    expect(tooMuch.body).toMatchObject({ code: 'invalid_state', requested: 4, open: 3 });
    const rejected = await ok(`/v1/fulfillment-orders/${wh1.id}/reject`, {
      reason: 'shelf empty', shortfall: [{ lineId: order.lines[0].id, quantity: 2, disposition: 'write_off' }],
    }, 'warehouse');
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'shelf empty' });
    // Reservation released (3), then 2 written off the books.
    expect(await stock('ORD-A', 'OWH1')).toEqual({ onHand: a1.onHand - 2, reserved: a1.reserved - 3 });
    const back = await getOrder(order.id);
    expect(back).toMatchObject({ status: 'confirmed', lines: [expect.objectContaining({ allocated: 0, backordered: 3, location: null }), expect.objectContaining({ allocated: 1 })] });
    expect((await t.http('GET', `/v1/fulfillment-orders/${wh2.id}`)).body.status).toBe('cancelled');
    const [event] = (await eventsOf(wh1.id)).filter((e) => e.type === 'fulfillment.rejected');
    expect(event!.payload).toMatchObject({ reason: 'shelf empty', shortfall: [{ sku: 'ORD-A', quantity: 2, disposition: 'write_off' }], released: [{ quantity: 3 }] });

    // The backorder fill sources the units again where stock is free, and the order can be released again.
    await fillBackorders(t.db);
    const refilled = await getOrder(order.id);
    expect(refilled.status).toBe('allocated');
    expect(refilled.lines[0]).toMatchObject({ allocated: 3, backordered: 0 });
    expect((await stock('ORD-A', refilled.lines[0].location)).reserved).toBeGreaterThan(refilled.lines[0].location === 'OWH2' ? a2.reserved : 0);
    await ok(`/v1/orders/${order.id}/release`);
    expect((await fulfillmentOrdersOf(order.id)).filter((f: { status: string }) => f.status === 'requested')).toHaveLength(refilled.lines[0].location === 'OWH2' ? 1 : 2);
  });

  it('a partly shipped fulfilment order can be rejected: the shipped units stay shipped, the rest is written off and sourced again at once', async () => {
    // More ORD-A than OWH2 has: ORD-A from OWH1, ORD-C from OWH2.
    const { order, wh1, wh2 } = await releasedTwoLocations(20, 2);
    await ok('/v1/shipments', { fulfillmentOrderId: wh1.id, lines: [{ lineId: order.lines[0].id, quantity: 1 }], carrier: 'SF', trackingNumber: 'SF400' }, 'warehouse');
    expect((await getOrder(order.id)).status).toBe('partially_shipped');
    // Stock elsewhere: OWH2 can take the rest.
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH2', lines: [{ sku: 'ORD-A', quantity: 30 }] } });
    const [a1, a2] = [await stock('ORD-A', 'OWH1'), await stock('ORD-A', 'OWH2')];
    const tooMuch = await post(`/v1/fulfillment-orders/${wh1.id}/reject`, { reason: 'shelf empty', shortfall: [{ lineId: order.lines[0].id, quantity: 20, disposition: 'write_off' }] }, 'warehouse');
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ code: 'invalid_state', lineId: order.lines[0].id, requested: 20, open: 19 });

    const rejected = await ok(`/v1/fulfillment-orders/${wh1.id}/reject`, {
      reason: 'shelf empty', shortfall: [{ lineId: order.lines[0].id, quantity: 19, disposition: 'write_off' }],
    }, 'warehouse');
    expect(rejected).toMatchObject({ status: 'rejected', lines: [{ quantity: 20, shipped: 1 }] });
    const [event] = (await eventsOf(wh1.id)).filter((e) => e.type === 'fulfillment.rejected');
    expect(event!.payload).toMatchObject({ released: [{ quantity: 19 }], shipped: [{ quantity: 1 }], shortfall: [{ quantity: 19, disposition: 'write_off' }] });
    // Reservation of 19 released at OWH1 and written off; reserved at OWH2 instead, in the same transaction.
    expect(await stock('ORD-A', 'OWH1')).toEqual({ onHand: a1.onHand - 19, reserved: a1.reserved - 19 });
    expect(await stock('ORD-A', 'OWH2')).toEqual({ onHand: a2.onHand, reserved: a2.reserved + 19 });
    const after = await getOrder(order.id);
    expect(after).toMatchObject({ status: 'partially_shipped', lines: [expect.objectContaining({ shipped: 1, allocated: 19, backordered: 0, location: 'OWH2' }), expect.objectContaining({ allocated: 2 })] });
    // OWH2's open fulfilment order takes the units (one open per order and location) and goes on.
    const f2 = (await t.http('GET', `/v1/fulfillment-orders/${wh2.id}`)).body;
    expect(f2.status).toBe('requested');
    expect(f2.lines).toEqual(expect.arrayContaining([expect.objectContaining({ sku: 'ORD-A', quantity: 19, shipped: 0 }), expect.objectContaining({ sku: 'ORD-C', quantity: 2 })]));
    expect((await t.http('GET', `/v1/orders/${order.id}/sourcing`)).body.decisions.at(-1)).toMatchObject({ trigger: 'resource', reason: expect.stringContaining('shelf empty') });
    await ok('/v1/shipments', { fulfillmentOrderId: wh2.id, carrier: 'SF', trackingNumber: 'SF401' }, 'warehouse');
    expect(await getOrder(order.id)).toMatchObject({ status: 'shipped', lines: [expect.objectContaining({ shipped: 20 }), expect.objectContaining({ shipped: 2 })] });
    // Nothing is left to reject.
    expect((await post(`/v1/fulfillment-orders/${wh1.id}/reject`, { reason: 'again' }, 'warehouse')).body).toMatchObject({ code: 'invalid_state', currentStatus: 'rejected' });
  });

  it('a partly shipped order\'s rest that no other location has waits for stock anywhere; the fill hands it to the warehouse', async () => {
    // More ORD-A than OWH2 got in the tests above: ORD-A from OWH1, ORD-C from OWH2.
    const { order, wh1, wh2 } = await releasedTwoLocations(20, 3);
    await ok('/v1/shipments', { fulfillmentOrderId: wh1.id, carrier: 'SF', trackingNumber: 'SF410' }, 'warehouse');
    expect((await getOrder(order.id)).status).toBe('partially_shipped');
    await ok(`/v1/fulfillment-orders/${wh2.id}/reject`, { reason: 'wrong bin', shortfall: [{ lineId: order.lines[1].id, quantity: 1, disposition: 'write_off' }] }, 'warehouse');
    // ORD-C is only at OWH2, which said it has not got these units: backordered, with no location.
    expect(await getOrder(order.id)).toMatchObject({ status: 'partially_shipped', lines: [expect.objectContaining({ shipped: 20 }), expect.objectContaining({ allocated: 0, backordered: 3, location: null })] });
    expect((await fulfillmentOrdersOf(order.id)).map((f: { status: string }) => f.status)).toEqual(['shipped', 'rejected']);
    // The fill (as the job runs it) reserves the units where stock is free and hands them to that location at once.
    await fillBackorders(t.db, 100, fulfillmentFillHooks);
    const filled = await getOrder(order.id);
    expect(filled).toMatchObject({ status: 'partially_shipped', lines: [expect.anything(), expect.objectContaining({ allocated: 3, backordered: 0, location: 'OWH2' })] });
    const fresh = (await fulfillmentOrdersOf(order.id)).find((f: { status: string }) => f.status === 'requested');
    expect(fresh).toMatchObject({ number: `${order.number}-F3`, location: 'OWH2', lines: [{ sku: 'ORD-C', quantity: 3 }] });
    await ok('/v1/shipments', { fulfillmentOrderId: fresh.id, carrier: 'SF', trackingNumber: 'SF411' }, 'warehouse');
    expect((await getOrder(order.id)).status).toBe('shipped');
  });

  it('quarantines a damaged shortfall', async () => {
    const { order, wh2 } = await releasedTwoLocations(1, 2);
    const c = await stock('ORD-C', 'OWH2');
    await ok(`/v1/fulfillment-orders/${wh2.id}/reject`, { reason: 'crushed box', shortfall: [{ lineId: order.lines[1].id, quantity: 1, disposition: 'quarantine' }] });
    const level = (await t.http('GET', '/v1/stock?sku=ORD-C&location=OWH2')).body.data[0];
    expect(level).toMatchObject({ onHand: c.onHand, reserved: c.reserved - 2, quarantined: 1 });
  });
});

describe('store pickup', () => {
  async function pickupOrder() {
    const order = await capture([{ sku: 'ORD-B', quantity: 2, unitPriceMinor: 300 }], { deliveryMethod: 'pickup', pickupLocation: 'FSTORE' });
    expect(order.lines[0].location).toBe('FSTORE');
    await ok(`/v1/orders/${order.id}/release`);
    const [fo] = await fulfillmentOrdersOf(order.id);
    expect(fo).toMatchObject({ kind: 'pickup', location: 'FSTORE' });
    for (const step of ['accept', 'start-picking', 'pack']) await ok(`/v1/fulfillment-orders/${fo.id}/${step}`, {}, 'warehouse');
    return { order, fo };
  }

  it('is ready for pickup with a code for the customer; handing it over needs that code (a wrong one refused and counted)', async () => {
    const { order, fo } = await pickupOrder();
    expect((await post('/v1/shipments', { fulfillmentOrderId: fo.id })).body).toMatchObject({ code: 'invalid_state', kind: 'pickup' });
    const early = await post(`/v1/fulfillment-orders/${fo.id}/hand-over`, { pickupCode: '000000' }, 'warehouse');
    expect(early.body).toMatchObject({ code: 'invalid_state', currentStatus: 'packed' });
    const ready = await ok(`/v1/fulfillment-orders/${fo.id}/ready-for-pickup`, {}, 'warehouse');
    expect(ready.status).toBe('ready_for_pickup');
    expect(JSON.stringify(ready)).not.toMatch(/pickupCode/);
    const [event] = (await eventsOf(fo.id)).filter((e) => e.type === 'fulfillment.ready_for_pickup');
    const code = (event!.payload as { pickupCode: string }).pickupCode;
    expect(code).toMatch(/^[0-9]{6}$/);
    const wrongCode = code === '999999' ? '111111' : '999999';
    const s0 = await stock('ORD-B', 'FSTORE');

    const wrong = await post(`/v1/fulfillment-orders/${fo.id}/hand-over`, { pickupCode: wrongCode }, 'warehouse');
    expect(wrong.status).toBe(409);
    expect(wrong.body).toMatchObject({ code: 'pickup_code_mismatch', attempts: 1 });
    expect((await post(`/v1/fulfillment-orders/${fo.id}/hand-over`, { pickupCode: wrongCode }, 'warehouse')).body.attempts).toBe(2);
    expect((await t.http('GET', `/v1/fulfillment-orders/${fo.id}`)).body).toMatchObject({ status: 'ready_for_pickup', pickupAttempts: 2 });
    expect(await stock('ORD-B', 'FSTORE')).toEqual(s0);

    const handed = await ok(`/v1/fulfillment-orders/${fo.id}/hand-over`, { pickupCode: code }, 'warehouse');
    expect(handed).toMatchObject({ status: 'picked_up', lines: [{ shipped: 2, open: 0 }] });
    expect(await stock('ORD-B', 'FSTORE')).toEqual({ onHand: s0.onHand - 2, reserved: s0.reserved - 2 });
    expect((await getOrder(order.id)).status).toBe('delivered');
    const [parcel] = (await t.http('GET', `/v1/shipments?fulfillmentOrderId=${fo.id}`)).body.data;
    expect(parcel).toMatchObject({ kind: 'pickup', status: 'delivered' });
  });

  it('uncollected after the set days, it is cancelled and its units restocked', async () => {
    const { order, fo } = await pickupOrder();
    await ok(`/v1/fulfillment-orders/${fo.id}/ready-for-pickup`);
    const s0 = await stock('ORD-B', 'FSTORE');
    expect(await expireUncollectedPickups(t.db, { pickupExpiryDays: 7 })).toMatchObject({ expired: 0 });
    expect(await expireUncollectedPickups(t.db, { pickupExpiryDays: 7 }, new Date(Date.now() + 8 * 86_400_000))).toMatchObject({ expired: 1 });
    expect((await getOrder(order.id)).status).toBe('cancelled');
    expect((await t.http('GET', `/v1/fulfillment-orders/${fo.id}`)).body).toMatchObject({ status: 'cancelled', reason: 'not collected within 7 days' });
    expect(await stock('ORD-B', 'FSTORE')).toEqual({ onHand: s0.onHand, reserved: s0.reserved - 2 });
  });
});

describe('pick lists and packing slips', () => {
  it('batches a location\'s open fulfilment orders by SKU, with each order\'s quantity', async () => {
    await capture([{ sku: 'ORD-DUP', quantity: 1, unitPriceMinor: 100 }]);
    const x = await capture([{ sku: 'ORD-DUP', quantity: 2, unitPriceMinor: 100 }, { sku: 'ORD-A', quantity: 1, unitPriceMinor: 100 }]);
    const y = await capture([{ sku: 'ORD-DUP', quantity: 3, unitPriceMinor: 100 }]);
    for (const o of [x, y]) await ok(`/v1/orders/${o.id}/release`);
    const list = (await t.http('GET', '/v1/locations/OWH1/pick-list?limit=500', { key: 'warehouse' })).body;
    const dup = list.skus.find((s: { sku: string }) => s.sku === 'ORD-DUP');
    expect(dup).toMatchObject({ sku: 'ORD-DUP', quantity: 5, orders: [{ orderNumber: x.number, quantity: 2 }, { orderNumber: y.number, quantity: 3 }] });
    expect(list.units).toBe(list.skus.reduce((a: number, s: { quantity: number }) => a + s.quantity, 0));
    expect((await t.http('GET', '/v1/locations/NOPE/pick-list')).status).toBe(404);
  });

  it('renders a packing slip PDF with the order number and a Chinese address (text read back from the PDF)', async () => {
    const 地址 = { name: '张伟', line1: '南山区科技园南路 88 号 3 栋', city: '深圳市', state: '广东省', postalCode: '518057', country: 'CN', phone: '13812345678' };
    const order = await capture([{ sku: 'ORD-A', quantity: 2, unitPriceMinor: 100 }], { shippingAddress: 地址, buyerRemark: '请放快递柜' });
    await ok(`/v1/orders/${order.id}/release`);
    const [fo] = await fulfillmentOrdersOf(order.id);
    const res = await t.app.inject({ method: 'GET', url: `/v1/fulfillment-orders/${fo.id}/packing-slip.pdf`, headers: { authorization: `Bearer ${t.keys.warehouse}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { text } = await new PDFParse({ data: new Uint8Array(pdf) }).getText();
    const flat = text.replace(/\s+/g, '');
    expect(flat).toContain(order.number);
    expect(flat).toContain(fo.number);
    expect(flat).toContain('张伟');
    expect(flat).toContain('南山区科技园南路88号3栋');
    expect(flat).toContain('深圳市');
    expect(flat).toContain('广东省');
    expect(flat).toContain('请放快递柜');
    expect((await t.http('GET', `/v1/fulfillment-orders/${fo.id}/packing-slip.pdf`, { key: 'viewer' })).status).toBe(403);

    // Packing slips per second, measured once (a tiny loop; reported, not asserted).
    const started = performance.now();
    const n = 20;
    for (let i = 0; i < n; i++) await t.app.inject({ method: 'GET', url: `/v1/fulfillment-orders/${fo.id}/packing-slip.pdf`, headers: { authorization: `Bearer ${t.keys.admin}` } });
    console.log(`packing slips: ${Math.round(n / ((performance.now() - started) / 1000))}/s through the API (${n} in a row, ${pdf.length} bytes each)`);
  });
});

describe('after all of the above', () => {
  it('ordo check finds stock, ledger, reservations, order lines and fulfilment orders in step', async () => {
    const result = await runChecks(t.db, [...inventoryChecks, ...orderChecks, ...fulfillmentChecks]);
    expect(result.lines.filter((l) => !l.startsWith('ok')), result.lines.join('\n')).toEqual([]);
  });
});

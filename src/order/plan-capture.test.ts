import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock.js';
import { prepareCapture } from './capture-order.js';
import type { RequestFacts, SharedFacts } from './capture.repository.js';
import type { CaptureOrder } from './order.js';
import { captureStatusPath, captureStock, chooseCaptureLocations, coverUncovered, planCapture, resolveCapture, reviewFactsOf } from './plan-capture.js';

const channel = { id: '00000000-0000-7000-8000-00000000c001', code: 'WEB', currency: 'EUR', active: true, allow_backorder: false, presale_days: 0, order_number_prefix: 'W' };
const skuA = { id: '00000000-0000-7000-8000-00000000a001', code: 'A', active: true };
const wh = { locationId: '00000000-0000-7000-8000-00000000f001', code: 'WH', priority: 1, canShip: true, canPickup: false };
const shared: SharedFacts = { channels: [channel], skus: [skuA], pickups: [], rules: [], stock: [{ ...wh, skuId: skuA.id, free: 5 }], incoming: [], allocatedSkus: [], sites: [], ruleSets: [] };
const request: RequestFacts = { item: 0, order_seq: 7, customer: null, existing: null, minutes_since_identical: null, prior: null };
const input = (over: Partial<CaptureOrder> = {}): CaptureOrder => ({
  channel: 'WEB', externalRef: 'X1', currency: 'EUR', customer: { email: 'a@example.com', name: 'Anna' },
  shippingAddress: { name: 'Anna', line1: 'Hauptstr. 1', city: 'Köln', postalCode: '50667', country: 'DE' },
  lines: [{ sku: 'A', quantity: 2, unitPriceMinor: 1000 }], orderDiscountMinor: 300, shippingMinor: 495,
  totals: { subtotalMinor: 2000, discountMinor: 300, shippingMinor: 495, taxMinor: 0, totalMinor: 2195 },
  payment: { method: 'card', authorizedMinor: 2195 }, ...over,
});
const ctx = { actorId: '00000000-0000-7000-8000-0000000000ac', actorName: 'test', requestId: 'r1' };

describe('planCapture in steps', () => {
  it('resolves the channel and SKUs, or names what is unknown', () => {
    const p = prepareCapture(input(), null);
    expect(resolveCapture(p, shared).lines).toEqual([expect.objectContaining({ skuId: skuA.id, quantity: 2 })]);
    expect(() => resolveCapture(prepareCapture(input({ lines: [{ sku: 'NOPE', quantity: 1, unitPriceMinor: 0 }], totals: { subtotalMinor: 0, discountMinor: 300, shippingMinor: 495, taxMinor: 0, totalMinor: 195 } }), null), shared))
      .toThrow(/unknown SKU "NOPE"/);
    expect(() => resolveCapture(prepareCapture(input({ currency: 'USD' }), null), shared)).toThrow(/sells in EUR/);
  });

  it('chooses a location with the units, and refuses what no location nor backorder covers', () => {
    const p = prepareCapture(input(), null);
    const r = resolveCapture(p, shared);
    const { choice, candidates } = chooseCaptureLocations(p, r, shared, captureStock(shared), 'ship');
    expect(choice.assigned.get(0)).toBe(wh.locationId);
    const short = chooseCaptureLocations(p, r, shared, captureStock(shared, [{ ...wh, skuId: skuA.id, free: 1 }]), 'ship');
    expect(short.choice.uncovered).toEqual([0]);
    expect(() => coverUncovered(r, [0], [], short.candidates, 'ship')).toThrow(/not enough stock/);
    const backorders = { ...r, channel: { ...channel, allow_backorder: true } };
    expect([...coverUncovered(backorders, [0], [], candidates, 'ship').backordered]).toEqual([0]);
  });

  it('reads the review facts and walks the status path along the transition table', () => {
    const p = prepareCapture(input(), null);
    const facts = reviewFactsOf(p, resolveCapture(p, shared), request);
    expect(facts).toMatchObject({ 'order.totalUnits': 2, 'customer.isNew': true, 'payment.authorized': true });
    expect(captureStatusPath({ holds: [], backorderedLines: 0, channelCode: 'WEB', externalRef: 'X1' }).timeline.map((s) => [s.from, s.to, s.event]))
      .toEqual([[null, 'received', 'order.received'], ['received', 'confirmed', 'order.confirmed'], ['confirmed', 'allocated', 'order.allocated']]);
    expect(captureStatusPath({ holds: [{ reasonCode: 'x' }], backorderedLines: 0, channelCode: 'WEB', externalRef: 'X1' }).status).toBe('on_hold');
  });

  it('is pure: the same facts and clock give the same plan, with the order discount on the lines', () => {
    const plan = (at: string) => planCapture(prepareCapture(input(), null), request, shared, captureStock(shared), ctx, { deferUncovered: false, clock: fixedClock(new Date(at)) });
    const one = plan('2026-12-01T10:00:00Z');
    expect(one).toEqual(plan('2026-12-01T10:00:00Z'));
    if (one.kind !== 'plan') throw new Error(one.kind);
    expect(one.plan.order).toMatchObject({ number: 'W7', status: 'allocated', placedAt: '2026-12-01T10:00:00.000Z' });
    expect(one.plan.order.lines[0]).toMatchObject({ discountMinor: 0, orderDiscountMinor: 300, totalMinor: 1700 });
    expect(one.plan.write.order).toMatchObject({ unallocated_discount_minor: 0, shipping_tax_minor: 0 });
  });

  it('splits a line no location covers over sibling lines when the channel allows it, dividing its money exactly', () => {
    const wh2 = { locationId: '00000000-0000-7000-8000-00000000f002', code: 'WH2', priority: 2, canShip: true, canPickup: false };
    const skuB = { id: '00000000-0000-7000-8000-00000000a002', code: 'B', active: true };
    const stock = [{ ...wh, skuId: skuA.id, free: 60 }, { ...wh2, skuId: skuA.id, free: 40 }, { ...wh2, skuId: skuB.id, free: 9 }];
    const splitting: SharedFacts = { ...shared, skus: [skuA, skuB], stock, ruleSets: [{ channelId: channel.id, rules: ['fewest_shipments', 'priority'], splitLines: true, version: 1 }] };
    const lines = [{ sku: 'A', quantity: 100, unitPriceMinor: 999, discountMinor: 1001, taxMinor: 1903 }, { sku: 'B', quantity: 1, unitPriceMinor: 500 }];
    const order = input({ lines, orderDiscountMinor: 301, totals: { subtotalMinor: 100_400, discountMinor: 1302, shippingMinor: 495, taxMinor: 1903, totalMinor: 101_496 } });
    const plan = (facts: SharedFacts) => planCapture(prepareCapture(order, null), request, facts, captureStock(facts), ctx, { deferUncovered: false, clock: fixedClock(new Date('2026-12-01T10:00:00Z')) });
    expect(() => plan({ ...splitting, ruleSets: [] })).toThrow(/not enough stock for line 0 \(A: 100 requested, 60 available in one location\)/);
    const planned = plan(splitting);
    if (planned.kind !== 'plan') throw new Error(planned.kind);
    const { order: view, write } = planned.plan;
    expect(view.lines.map((l) => [l.lineNo, l.sku, l.location, l.quantity, l.splitFromLineNo])).toEqual([[1, 'A', 'WH2', 40, 1], [2, 'B', 'WH2', 1, null], [3, 'A', 'WH', 60, 1]]);
    const parts = view.lines.filter((l) => l.splitFromLineNo === 1);
    // The split starts at the location the order already ships from (WH2, for line 2).
    expect(parts.map((l) => l.discountMinor)).toEqual([400, 601]);
    expect(parts.reduce((a, l) => a + l.discountMinor, 0)).toBe(1001);
    expect(parts.reduce((a, l) => a + l.taxMinor, 0)).toBe(1903);
    expect(view.lines.reduce((a, l) => a + l.totalMinor, 0) + 495).toBe(order.totals.totalMinor);
    expect(write.reserve.map((r) => [r.locationId, r.quantity])).toEqual([[wh2.locationId, 40], [wh2.locationId, 1], [wh.locationId, 60]]);
    expect(write.lines.map((l) => l.split_from_line_no)).toEqual([1, undefined, 1]);
    expect(view.sourcing).toMatch(/2 parcel\(s\)/);
    // A pickup order is never split away from its store.
    const store = { ...wh2, canPickup: true };
    const pickupFacts: SharedFacts = { ...splitting, pickups: [{ id: store.locationId, code: store.code, active: true, can_pickup: true }] };
    expect(() => planCapture(prepareCapture({ ...order, deliveryMethod: 'pickup', pickupLocation: 'WH2' }, null), request, pickupFacts, captureStock(pickupFacts), ctx, { deferUncovered: false, clock: fixedClock(new Date('2026-12-01T10:00:00Z')) }))
      .toThrow(/not enough stock for line 0/);
  });
});

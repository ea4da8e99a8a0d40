import { describe, expect, it } from 'vitest';
import type { LineState, OrderState } from './order-state.js';
import type { Candidate } from '../sourcing/index.js';
import { planFill, planFillExplained } from './fill-backorders.js';

const loc = (code: string, priority: number, free: Record<string, number>, opts: Partial<Candidate> = {}): Candidate =>
  ({ locationId: code, code, priority, canShip: true, canPickup: false, free: new Map(Object.entries(free)), ...opts });

const line = (id: string, skuId: string, waiting: number, more: Partial<LineState> = {}): LineState => ({
  id, orderId: 'o', lineNo: 1, skuId, sku: skuId, locationId: null, quantity: waiting, allocated: 0, shipped: 0, cancelled: 0,
  returned: 0, backordered: waiting, unitPriceMinor: 100, discountMinor: 0, orderDiscountMinor: 0, taxMinor: 0, ...more,
});

const ship = (lines: LineState[]): Pick<OrderState, 'deliveryMethod' | 'pickupLocationId' | 'lines'> => ({ deliveryMethod: 'ship', pickupLocationId: null, lines });

describe('planFill', () => {
  it('places whole lines as capture does: one location for all, by priority', () => {
    const plan = planFill(ship([line('1', 'a', 2), line('2', 'b', 1)]), [loc('W2', 20, { a: 5, b: 5 }), loc('W1', 10, { a: 5, b: 5 })], new Map());
    expect(plan).toEqual([{ lineId: '1', skuId: 'a', locationId: 'W1', quantity: 2 }, { lineId: '2', skuId: 'b', locationId: 'W1', quantity: 1 }]);
  });

  it('prefers a location the order already ships from', () => {
    const shipped = line('0', 'z', 0, { quantity: 1, allocated: 1, locationId: 'W2' });
    const plan = planFill(ship([shipped, line('1', 'a', 1)]), [loc('W1', 10, { a: 5 }), loc('W2', 20, { a: 5 })], new Map());
    expect(plan).toEqual([{ lineId: '1', skuId: 'a', locationId: 'W2', quantity: 1 }]);
  });

  it('fills part of a line where most units are free, and a placed line only at its location', () => {
    const plan = planFill(ship([line('1', 'a', 5), line('2', 'b', 3, { quantity: 4, allocated: 1, locationId: 'W1' })]),
      [loc('W1', 10, { a: 1, b: 0 }), loc('W2', 20, { a: 3, b: 9 })], new Map());
    expect(plan).toEqual([{ lineId: '1', skuId: 'a', locationId: 'W2', quantity: 3 }]);
  });

  it('takes a pickup order\'s units only at its store, and no more than the channel\'s quota', () => {
    const order = { deliveryMethod: 'pickup' as const, pickupLocationId: 'S1', lines: [line('1', 'a', 4)] };
    expect(planFill(order, [loc('W1', 1, { a: 9 }), loc('S1', 50, { a: 9 }, { canShip: false, canPickup: true })], new Map([['a', 2]])))
      .toEqual([{ lineId: '1', skuId: 'a', locationId: 'S1', quantity: 2 }]);
    expect(planFill(order, [loc('W1', 1, { a: 9 })], new Map())).toEqual([]);
  });

  it('splits a line no location has whole over several when the rule set splits lines, else fills it in part', () => {
    const stock = [loc('W1', 10, { a: 3 }), loc('W2', 20, { a: 2 })];
    const rules = (splitLines: boolean) => ({ ruleSet: { rules: ['fewest_shipments' as const, 'priority' as const], splitLines } });
    expect(planFill(ship([line('1', 'a', 5)]), stock, new Map(), rules(true)))
      .toEqual([{ lineId: '1', skuId: 'a', locationId: 'W1', quantity: 3 }, { lineId: '1', skuId: 'a', locationId: 'W2', quantity: 2 }]);
    expect(planFill(ship([line('1', 'a', 5)]), stock, new Map(), rules(false))).toEqual([{ lineId: '1', skuId: 'a', locationId: 'W1', quantity: 3 }]);
    // Not when together they are short, nor past the channel's quota: in part, as before.
    expect(planFill(ship([line('1', 'a', 6)]), stock, new Map(), rules(true))).toEqual([{ lineId: '1', skuId: 'a', locationId: 'W1', quantity: 3 }]);
    expect(planFill(ship([line('1', 'a', 5)]), stock, new Map([['a', 4]]), rules(true))).toEqual([{ lineId: '1', skuId: 'a', locationId: 'W1', quantity: 3 }]);
    // Nor a line with shipped units (a partly shipped line re-sourced to wait anywhere): its money priced what shipped.
    expect(planFill(ship([line('1', 'a', 5, { quantity: 7, shipped: 2 })]), stock, new Map(), rules(true))).toEqual([{ lineId: '1', skuId: 'a', locationId: 'W1', quantity: 3 }]);
  });
});

describe('the waiting rest of a line placed before', () => {
  const rules = (splitLines: boolean) => ({ ruleSet: { rules: ['fewest_shipments' as const, 'priority' as const], splitLines } });
  // 5 units: 2 reserved at W1 earlier, 3 waiting there.
  const placed = (more: Partial<LineState> = {}) => line('1', 'a', 3, { quantity: 5, allocated: 2, locationId: 'W1', ...more });

  it('is split off at a location that has all of it when the rule set splits lines, after what its own location has', () => {
    const r = planFillExplained(ship([placed()]), [loc('W1', 10, { a: 1 }), loc('W2', 20, { a: 1 }), loc('W3', 30, { a: 2 })], new Map(), rules(true));
    expect(r.plan).toEqual([{ lineId: '1', skuId: 'a', locationId: 'W1', quantity: 1 }, { lineId: '1', skuId: 'a', locationId: 'W3', quantity: 2 }]);
    expect(r.moves).toMatchObject([{ lineId: '1', kind: 'split', from: 'W1', locationId: 'W3', quantity: 2 }]);
    expect(r.moves[0]?.explanation?.summary).toContain('W3');
  });

  it('moves the whole line to one location that has the whole line when the rule set does not split', () => {
    const stock = [loc('W1', 10, { a: 1 }), loc('W2', 20, { a: 4 }), loc('W3', 30, { a: 5 })];
    const r = planFillExplained(ship([placed()]), stock, new Map(), rules(false));
    expect(r.plan).toEqual([]);
    expect(r.moves).toMatchObject([{ lineId: '1', kind: 'move', from: 'W1', locationId: 'W3', quantity: 5 }]);
  });

  it('keeps waiting where it is when no other location has enough, for a pickup order, a line with shipped units, or past the quota', () => {
    const few = [loc('W1', 10, { a: 1 }), loc('W2', 20, { a: 1 })];
    expect(planFillExplained(ship([placed()]), few, new Map(), rules(true))).toMatchObject({ plan: [{ locationId: 'W1', quantity: 1 }], moves: [] });
    expect(planFillExplained(ship([placed()]), [loc('W1', 10, { a: 1 }), loc('W2', 20, { a: 4 })], new Map(), rules(false)).moves).toEqual([]);
    const many = [loc('W1', 10, { a: 0 }), loc('W2', 20, { a: 9 })];
    expect(planFillExplained({ deliveryMethod: 'pickup', pickupLocationId: 'W1', lines: [placed()] }, many, new Map(), rules(true)).moves).toEqual([]);
    expect(planFillExplained(ship([placed({ quantity: 6, shipped: 1 })]), many, new Map(), rules(true)).moves).toEqual([]);
    expect(planFillExplained(ship([placed()]), many, new Map([['a', 2]]), rules(true)).moves).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { chooseLocations, type Candidate } from './choose-locations.js';

const loc = (code: string, priority: number, free: Record<string, number>, opts: Partial<Candidate> = {}): Candidate =>
  ({ locationId: code, code, priority, canShip: true, canPickup: false, free: new Map(Object.entries(free)), ...opts });

describe('chooseLocations', () => {
  const lines = [{ index: 0, skuId: 'a', quantity: 2 }, { index: 1, skuId: 'b', quantity: 1 }];

  it('prefers one location that covers everything, by priority', () => {
    const choice = chooseLocations(lines, [loc('W2', 20, { a: 5, b: 5 }), loc('W1', 10, { a: 5, b: 5 })], { method: 'ship' });
    expect([...choice.assigned.values()]).toEqual(['W1', 'W1']);
  });

  it('splits over the fewest locations when none covers everything', () => {
    const choice = chooseLocations([...lines, { index: 2, skuId: 'c', quantity: 1 }],
      [loc('W1', 10, { a: 2 }), loc('W2', 20, { b: 1, c: 1 }), loc('W3', 30, { c: 1 })], { method: 'ship' });
    expect(Object.fromEntries(choice.assigned)).toEqual({ 0: 'W1', 1: 'W2', 2: 'W2' });
    expect(choice.uncovered).toEqual([]);
  });

  it('reports lines no location covers whole', () => {
    const choice = chooseLocations(lines, [loc('W1', 10, { a: 1, b: 1 })], { method: 'ship' });
    expect(choice.uncovered).toEqual([0]);
    expect(choice.assigned.get(1)).toBe('W1');
  });

  it('uses only the pickup store for a pickup order, and never a location that cannot ship for delivery', () => {
    const store = loc('S1', 50, { a: 9, b: 9 }, { canShip: false, canPickup: true });
    expect([...chooseLocations(lines, [loc('W1', 10, { a: 9, b: 9 }), store], { method: 'pickup', pickupLocationId: 'S1' }).assigned.values()]).toEqual(['S1', 'S1']);
    expect(chooseLocations(lines, [store], { method: 'ship' }).uncovered).toEqual([0, 1]);
  });
});

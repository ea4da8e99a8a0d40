import { describe, expect, it } from 'vitest';
import { source as decide, type Candidate, type Delivery, type LineNeed } from './engine.js';
import { packExplanation, unpackExplanation } from './stored-explanation.js';
import { locate } from './regions.js';
import { checkRuleSet, type RuleSet } from './rules.js';

/** The engine's decision with its explanation read back as the API answers it, checking the stored form loses nothing. */
function source(...args: Parameters<typeof decide>) {
  const d = decide(...args);
  const explanation = d.explanation && unpackExplanation(JSON.parse(JSON.stringify(d.explanation)));
  if (explanation) expect(packExplanation(explanation)).toEqual(d.explanation);
  return { ...d, explanation };
}

const loc = (code: string, priority: number, free: Record<string, number>, opts: Partial<Candidate> = {}): Candidate =>
  ({ locationId: code, code, priority, canShip: true, canPickup: false, free: new Map(Object.entries(free)), ...opts });
const at = (city: string, more: Partial<NonNullable<Candidate['site']>> = {}) =>
  ({ site: { place: locate({ country: 'CN', city }), servesRegions: null, capacityLeft: null, pastCutoff: null, ...more } });
const chooseLocations = (lines: readonly LineNeed[], candidates: readonly Candidate[], delivery: Delivery) => source(lines, candidates, delivery);
const china: RuleSet = { rules: ['fewest_shipments', 'same_region', 'nearest', 'priority'], splitLines: false };
const toShenzhen: Delivery = { method: 'ship', destination: locate({ country: 'CN', state: '广东省', city: '深圳市' }) };

// The default rule set reproduces the rule capture used before the engine (these were chooseLocations' tests).
describe('the default rule set', () => {
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

describe('the sourcing engine', () => {
  const lines = [{ index: 0, skuId: 'a', quantity: 1 }, { index: 1, skuId: 'b', quantity: 1 }];
  const shanghai = loc('SH', 10, { a: 5, b: 5 }, at('上海'));
  const guangzhou = loc('GZ', 30, { a: 5, b: 5 }, at('广州'));
  const chengdu = loc('CD', 20, { a: 5 }, at('成都'));

  it('takes the nearest covering location and explains every candidate', () => {
    const d = source(lines, [shanghai, guangzhou, chengdu], toShenzhen, { ruleSet: { rules: ['nearest', 'priority'], splitLines: false } });
    expect([...d.assigned.values()]).toEqual(['GZ', 'GZ']);
    const e = d.explanation!;
    expect(e.destination).toMatchObject({ how: 'city', region: 'CN-440300', area: 'CN-GD' });
    expect(e.candidates.map((c) => c.location)).toEqual(['GZ', 'SH', 'CD']);
    expect(e.candidates[0]?.scores.nearest).toBeLessThan(200);
    expect(e.candidates[1]?.rejected).toMatch(/ranked lower/);
  });

  it('prefers one location with everything over a nearer split, and fewer cross-province parcels', () => {
    const nearA = loc('GZ-A', 1, { a: 5 }, at('广州'));
    const nearB = loc('SZ-B', 1, { b: 5 }, at('深圳'));
    const d = source(lines, [nearA, nearB, shanghai], toShenzhen, { ruleSet: china });
    expect([...d.assigned.values()]).toEqual(['SH', 'SH']);
    // Both cover everything: the one in the destination's province wins over the better priority.
    expect([...source(lines, [shanghai, guangzhou], toShenzhen, { ruleSet: china }).assigned.values()]).toEqual(['GZ', 'GZ']);
  });

  it('skips a location past its cut-off or out of capacity while another can ship, and uses it when none can', () => {
    const late = loc('GZ', 1, { a: 5, b: 5 }, at('广州', { pastCutoff: '16:00 Asia/Shanghai' }));
    const full = loc('SZ', 1, { a: 5, b: 5 }, at('深圳', { capacityLeft: 0 }));
    const d = source(lines, [late, full, shanghai], toShenzhen, { ruleSet: china });
    expect([...d.assigned.values()]).toEqual(['SH', 'SH']);
    expect(d.explanation?.candidates.find((c) => c.location === 'GZ')?.rejected).toBe('past its cut-off (16:00 Asia/Shanghai)');
    expect(d.explanation?.candidates.find((c) => c.location === 'SZ')?.rejected).toBe('no capacity left today');
    const only = source(lines, [late], toShenzhen, { ruleSet: china });
    expect([...only.assigned.values()]).toEqual(['GZ', 'GZ']);
    expect(only.explanation?.fallbacks[0]).toMatch(/used GZ \(past its cut-off/);
  });

  it('never ships from a location that does not serve the destination', () => {
    const d = source(lines, [loc('GZ', 1, { a: 5, b: 5 }, at('广州', { servesRegions: ['CN-SH'] })), shanghai], toShenzhen, { ruleSet: china });
    expect([...d.assigned.values()]).toEqual(['SH', 'SH']);
    expect(d.explanation?.candidates.find((c) => c.location === 'GZ')?.rejected).toBe('does not serve CN-GD');
  });

  it('falls back to priority, and says so, when the address matches no region', () => {
    const d = source(lines, [guangzhou, shanghai], { method: 'ship', destination: locate({ country: 'ZZ', state: 'Atlantis' }) }, { ruleSet: china });
    expect([...d.assigned.values()]).toEqual(['SH', 'SH']);
    expect(d.explanation?.destination.how).toBe('none');
    expect(d.explanation?.fallbacks[0]).toMatch(/matched no region: same_region, nearest skipped; ranked by fewest_shipments, priority, then priority order/);
  });

  it('splits a line over locations only when the rule set allows it', () => {
    const big = [{ index: 0, skuId: 'a', quantity: 8 }];
    const pool = [loc('W1', 1, { a: 5 }), loc('W2', 2, { a: 5 })];
    expect(source(big, pool, { method: 'ship' }).uncovered).toEqual([0]);
    const d = source(big, pool, { method: 'ship' }, { ruleSet: { ...china, splitLines: true } });
    expect(d.uncovered).toEqual([]);
    expect(d.split.get(0)).toEqual([{ locationId: 'W1', quantity: 5 }, { locationId: 'W2', quantity: 3 }]);
    expect(d.explanation?.fallbacks).toContain('line 1 (8 units) split over W1 (5), W2 (3): no single location has them all');
    expect(d.explanation?.parcels).toEqual([{ location: 'W1', lines: [{ index: 0, quantity: 5 }] }, { location: 'W2', lines: [{ index: 0, quantity: 3 }] }]);
  });

  it('splits only what no single location covers: a covering location still wins, and the split starts where the order already ships from', () => {
    const two = [{ index: 0, skuId: 'a', quantity: 8 }, { index: 1, skuId: 'b', quantity: 1 }];
    const split = { ruleSet: { ...china, splitLines: true } };
    const covering = source(two, [loc('W1', 1, { a: 5, b: 1 }), loc('W2', 2, { a: 5 }), loc('W3', 3, { a: 9, b: 1 })], { method: 'ship' }, split);
    expect(Object.fromEntries(covering.assigned)).toEqual({ 0: 'W3', 1: 'W3' });
    expect(covering.split.size).toBe(0);
    const d = source(two, [loc('W1', 1, { a: 5 }), loc('W2', 2, { a: 5, b: 1 })], { method: 'ship' }, split);
    expect(d.assigned.get(1)).toBe('W2');
    expect(d.split.get(0)).toEqual([{ locationId: 'W2', quantity: 5 }, { locationId: 'W1', quantity: 3 }]);
  });

  it('never splits a pickup order away from its store, and leaves a line uncovered when all the locations together are short', () => {
    const big = [{ index: 0, skuId: 'a', quantity: 8 }];
    const split = { ruleSet: { ...china, splitLines: true } };
    const store = loc('S1', 5, { a: 5 }, { canPickup: true });
    const pickup = source(big, [store, loc('W1', 1, { a: 5 })], { method: 'pickup', pickupLocationId: 'S1' }, split);
    expect(pickup.uncovered).toEqual([0]);
    expect(pickup.split.size).toBe(0);
    expect(source(big, [loc('W1', 1, { a: 5 }), loc('W2', 2, { a: 2 })], { method: 'ship' }, split).uncovered).toEqual([0]);
  });

  it('balances stock and estimates cost from distance when asked', () => {
    const d = source(lines, [shanghai, guangzhou], toShenzhen, { ruleSet: { rules: ['lowest_cost'], splitLines: false } });
    expect([...d.assigned.values()]).toEqual(['GZ', 'GZ']);
    expect(d.explanation?.costModel).toBe('distance estimate');
    const rich = loc('RICH', 99, { a: 50, b: 50 });
    expect([...source(lines, [shanghai, rich], toShenzhen, { ruleSet: { rules: ['stock_balance'], splitLines: false } }).assigned.values()]).toEqual(['RICH', 'RICH']);
  });

  it('refuses a rule set naming an unknown rule, a rule twice or no rule', () => {
    expect(() => checkRuleSet({ rules: ['nearest', 'cheapest'] })).toThrow(/unknown rule "cheapest"/);
    expect(() => checkRuleSet({ rules: [] })).toThrow(/at least one ranking rule/);
    expect(() => checkRuleSet({ rules: ['nearest', 'nearest'] })).toThrow(/named twice/);
    expect(checkRuleSet({ rules: ['nearest'], splitLines: true })).toEqual({ rules: ['nearest'], splitLines: true });
  });
});

describe('stock_balance: most weeks of supply', () => {
  const balance: RuleSet = { rules: ['stock_balance', 'priority'], splitLines: false };
  const line = [{ index: 0, skuId: 'a', quantity: 2 }];
  // BIG has more units but sells them fast; SLOW has fewer and hardly sells them: SLOW has more weeks of supply.
  const candidates = [loc('BIG', 10, { a: 100 }), loc('SLOW', 20, { a: 30 })];
  const supply = new Map([
    ['BIG', new Map([['a', { onHand: 110, perDay: 10 }]])],
    ['SLOW', new Map([['a', { onHand: 30, perDay: 0.5 }]])],
  ]);

  it('ranks by on hand ÷ recent demand, and explains the numbers', () => {
    const choice = source(line, candidates, { method: 'ship' }, { ruleSet: balance, supply });
    expect(choice.assigned.get(0)).toBe('SLOW');
    const [slow, big] = choice.explanation!.candidates;
    expect(slow).toMatchObject({ location: 'SLOW', scores: { stock_balance: 8.6 }, supply: { onHand: 30, demandPerDay: 0.5, weeks: 8.6 } });
    expect(big).toMatchObject({ location: 'BIG', scores: { stock_balance: 1.6 }, supply: { onHand: 110, demandPerDay: 10, weeks: 1.6 } });
    expect(choice.explanation!.fallbacks).toEqual([]);
  });

  it('counts a location that sold none in the window as selling one unit in it (most weeks, never infinite)', () => {
    const none = new Map([...supply, ['SLOW', new Map([['a', { onHand: 30, perDay: 0 }]])]]);
    const choice = source(line, candidates, { method: 'ship' }, { ruleSet: balance, supply: none });
    expect(choice.assigned.get(0)).toBe('SLOW');
    expect(choice.explanation!.candidates[0]).toMatchObject({ supply: { onHand: 30, demandPerDay: 0, weeks: 120 } });
  });

  it('falls back to free units without demand history, and says so', () => {
    const quiet = new Map([['BIG', new Map([['a', { onHand: 110, perDay: 0 }]])], ['SLOW', new Map([['a', { onHand: 30, perDay: 0 }]])]]);
    const choice = source(line, candidates, { method: 'ship' }, { ruleSet: balance, supply: quiet });
    expect(choice.assigned.get(0)).toBe('BIG');
    expect(choice.explanation!.candidates[0]).toMatchObject({ location: 'BIG', scores: { stock_balance: 100 } });
    expect(choice.explanation!.candidates[0]).not.toHaveProperty('supply');
    expect(choice.explanation!.fallbacks).toEqual(['stock_balance: no demand for these SKUs in the last 28 days at any candidate; ranked by free units']);
    expect(source(line, candidates, { method: 'ship' }, { ruleSet: balance }).explanation!.fallbacks).toEqual(['stock_balance: no demand was read; ranked by free units']);
  });
});

import { describe, expect, it } from 'vitest';
import { source, type Candidate, type Delivery, type Explanation, type Supply } from './engine.js';
import { locate } from './regions.js';
import type { RuleSet } from './rules.js';
import { packExplanation, unpackExplanation } from './stored-explanation.js';

const cn = (code: string, city: string, priority: number, free: Record<string, number>, opts: Partial<Candidate> = {}): Candidate => ({
  locationId: code, code, priority, canShip: true, canPickup: false, free: new Map(Object.entries(free)),
  site: { place: locate({ country: 'CN', city }), servesRegions: null, capacityLeft: null, pastCutoff: null }, ...opts,
});
const lines = [{ index: 0, skuId: 'a', quantity: 2 }, { index: 1, skuId: 'b', quantity: 1 }];
const explain = (ruleSet: RuleSet, candidates: Candidate[], delivery: Delivery, supply?: Supply): Explanation => {
  const e = source(lines, candidates, delivery, { ruleSet, ruleSetSource: 'channel', ...(supply && { supply }) }).explanation;
  if (!e) throw new Error('no explanation');
  return unpackExplanation(e);
};

describe('the stored form of an explanation', () => {
  const toShenzhen: Delivery = { method: 'ship', destination: locate({ country: 'CN', state: '广东省', city: '深圳市' }) };
  const cases: [string, Explanation][] = [
    ['every rule, a store that does not ship, one full location', explain(
      { rules: ['fewest_shipments', 'same_region', 'nearest', 'lowest_cost', 'stock_balance', 'priority'], splitLines: true },
      [cn('SHA', '上海市', 10, { a: 5, b: 5 }), cn('CAN', '广州市', 30, { a: 1, b: 1 }),
        cn('PEK', '北京市', 50, { a: 9, b: 9 }, { canShip: false, canPickup: true }),
        cn('CTU', '成都市', 20, { a: 9 }, { site: { place: locate({ country: 'CN', city: '成都市' }), servesRegions: null, capacityLeft: 0, pastCutoff: null } })],
      toShenzhen)],
    ['stock balancing by weeks of supply', explain({ rules: ['stock_balance', 'priority'], splitLines: false },
      [cn('SHA', '上海市', 10, { a: 50, b: 50 }), cn('CAN', '广州市', 30, { a: 9, b: 9 })], toShenzhen,
      new Map([['SHA', new Map([['a', { onHand: 50, perDay: 5 }], ['b', { onHand: 50, perDay: 5 }]])], ['CAN', new Map([['a', { onHand: 9, perDay: 0.1 }]])]]))],
    ['an address matching nothing', explain({ rules: ['nearest', 'priority'], splitLines: false }, [cn('SHA', '上海市', 10, { a: 1 })],
      { method: 'ship', destination: null })],
    ['a pickup order', explain({ rules: ['priority'], splitLines: false },
      [cn('PEK', '北京市', 50, { a: 9, b: 9 }, { canShip: false, canPickup: true }), cn('SHA', '上海市', 10, { a: 9, b: 9 })],
      { method: 'pickup', pickupLocationId: 'PEK' })],
  ];

  it('keeps each candidate\'s weeks of supply', () => {
    expect(cases[1]![1].candidates.every((c) => c.supply !== undefined)).toBe(true);
  });

  it.each(cases)('reads back exactly as written: %s', (_, e) => {
    const stored = packExplanation(e);
    expect(unpackExplanation(JSON.parse(JSON.stringify(stored)))).toEqual(e);
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(e).length * 0.7);
  });

  it('keeps the summary where SQL reads it, and passes a readable (older) row through', () => {
    const e = cases[0]![1];
    expect(packExplanation(e).summary).toBe(e.summary);
    expect(unpackExplanation(JSON.parse(JSON.stringify(e)))).toEqual(e);
  });
});

import { describe, expect, it } from 'vitest';
import { candidatesFrom, type Site } from './engine.js';
import { StockIndex } from './stock-index.js';

const row = (locationId: string, skuId: string, free: number) => ({ locationId, code: locationId.toUpperCase(), priority: 10, canShip: true, canPickup: false, skuId, free });
const rows = [row('w1', 'a', 5), row('w1', 'b', 2), row('w2', 'a', 1), row('w3', 'c', 9), row('w4', 'a', 0)];

describe('the stock index of a batch', () => {
  it('gives each order the locations holding any of its SKUs, each once, with what they hold — as candidatesFrom would', () => {
    const index = new StockIndex(rows);
    const both = index.candidatesFor(['a', 'b']);
    expect(both.map((c) => c.locationId).sort()).toEqual(['w1', 'w2']);
    const alone = candidatesFrom(rows.filter((r) => r.skuId === 'a' || r.skuId === 'b'));
    for (const c of alone) {
      const same = both.find((x) => x.locationId === c.locationId)!;
      expect([same.free.get('a'), same.free.get('b')]).toEqual([c.free.get('a'), c.free.get('b')]);
    }
    expect(index.candidatesFor(['c']).map((c) => c.locationId)).toEqual(['w3']);
    expect(index.candidatesFor(['zzz'])).toEqual([]);
  });

  it('counts what earlier orders took: a location with nothing left of the SKUs is no candidate', () => {
    const index = new StockIndex(rows);
    index.take('a', 'w2', 1);
    expect(index.candidatesFor(['a']).map((c) => c.locationId)).toEqual(['w1']);
    index.take('a', 'w1', 2);
    expect(index.candidatesFor(['a'])[0]!.free.get('a')).toBe(3);
  });

  it('counts the orders earlier ones gave a location against its capacity', () => {
    const sites = new Map<string, Site>([['w1', { place: null, servesRegions: null, capacityLeft: 2, pastCutoff: null }]]);
    const index = new StockIndex(rows, sites);
    index.addLoad('w1');
    expect(index.candidatesFor(['b'])[0]!.site?.capacityLeft).toBe(1);
    index.addLoad('w9');
  });
});

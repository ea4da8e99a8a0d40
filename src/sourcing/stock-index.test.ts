import { describe, expect, it } from 'vitest';
import { type Site } from './engine.js';
import { poolFromRows } from './pool.js';
import { StockIndex } from './stock-index.js';

const row = (locationId: string, skuId: string, free: number) => ({ locationId, code: locationId.toUpperCase(), priority: 10, canShip: true, canPickup: false, skuId, free });
const rows = [row('w1', 'a', 5), row('w1', 'b', 2), row('w2', 'a', 1), row('w3', 'c', 9), row('w4', 'a', 0)];
const lines = (...skus: string[]) => skus.map((skuId, index) => ({ index, skuId, quantity: 1 }));

describe('the stock index of a batch', () => {
  it('gives each order the locations holding any of its SKUs, each once, with what they hold — as its own rows would', () => {
    const index = new StockIndex(rows);
    const both = index.poolFor(lines('a', 'b'));
    expect(both.locationId).toEqual(['w1', 'w2']);
    expect(both.free).toEqual([5, 2, 1, 0]);
    expect(both).toEqual(poolFromRows(rows.filter((r) => r.skuId === 'a' || r.skuId === 'b'), lines('a', 'b')));
    expect(index.poolFor(lines('c')).locationId).toEqual(['w3']);
    expect(index.poolFor(lines('zzz')).locationId).toEqual([]);
    expect(index.poolFor(lines('b', 'a', 'b'))).toMatchObject({ locationId: ['w1', 'w2'], free: [2, 5, 2, 0, 1, 0] });
  });

  it('counts what earlier orders took: a location with nothing left of the SKUs is no candidate', () => {
    const index = new StockIndex(rows);
    index.take('a', 'w2', 1);
    expect(index.poolFor(lines('a')).locationId).toEqual(['w1']);
    index.take('a', 'w1', 2);
    expect(index.poolFor(lines('a')).free).toEqual([3]);
    index.take('zzz', 'w1', 2);
    index.take('a', 'w9', 2);
    expect(index.poolFor(lines('a', 'b')).free).toEqual([3, 2]);
  });

  it('counts the orders earlier ones gave a location against its capacity', () => {
    const sites = new Map<string, Site>([['w1', { place: null, servesRegions: null, capacityLeft: 2, pastCutoff: null }]]);
    const index = new StockIndex(rows, sites);
    index.addLoad('w1');
    expect(index.poolFor(lines('b')).site[0]?.capacityLeft).toBe(1);
    index.addLoad('w9');
  });
});

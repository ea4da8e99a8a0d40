import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateMinor, isCurrency } from './money.js';

describe('allocateMinor', () => {
  it('splits 100 in three parts that add up to 100', () => {
    expect(allocateMinor(100, [1, 1, 1])).toEqual([34, 33, 33]);
  });

  it('gives the leftover units to the largest remainders', () => {
    expect(allocateMinor(10, [1, 2])).toEqual([3, 7]);
  });

  it('always adds up to the whole, whatever the weights', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const parts = allocateMinor(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          expect(parts).toHaveLength(weights.length);
        },
      ),
    );
  });
});

describe('isCurrency', () => {
  it('knows ISO 4217 codes and rejects made-up ones', () => {
    expect(isCurrency('EUR')).toBe(true);
    expect(isCurrency('JPY')).toBe(true);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('eur')).toBe(false);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideSyncRow, effectiveThresholds, newestPerKey, tally, type OrdoLevel, type Thresholds } from './stock-sync.js';

const level = (onHand: number, reserved = 0, quarantined = 0): OrdoLevel => ({ onHand, reserved, quarantined });
const off: Thresholds = { units: 0, percent: 0 };

describe('decideSyncRow', () => {
  it('ignores a version not newer than the stored one', () => {
    expect(decideSyncRow({ onHand: 7, version: 5 }, 5, level(10), off)).toEqual({ outcome: 'ignored', reason: 'stale' });
    expect(decideSyncRow({ onHand: 7, version: 3 }, 5, level(10), off)).toEqual({ outcome: 'ignored', reason: 'stale' });
    expect(decideSyncRow({ onHand: 7, version: 5.5 }, 5, level(10), off).outcome).toBe('applied');
  });

  it('takes any version when the source never reported the pair', () => {
    expect(decideSyncRow({ onHand: 7, version: 0 }, null, level(10), off)).toEqual({ outcome: 'applied', onHandDelta: -3 });
  });

  it('reports a number Ordo already has as unchanged, even past every threshold', () => {
    expect(decideSyncRow({ onHand: 10, version: 2 }, 1, level(10, 4, 2), { units: 1, percent: 1 })).toEqual({ outcome: 'unchanged' });
  });

  it('holds a number below reserved + quarantined', () => {
    expect(decideSyncRow({ onHand: 5, version: 2 }, 1, level(10, 4, 2), off)).toEqual({ outcome: 'held', reason: 'below_reserved' });
    expect(decideSyncRow({ onHand: 6, version: 2 }, 1, level(10, 4, 2), off)).toEqual({ outcome: 'applied', onHandDelta: -4 });
  });

  it('holds a change of at least the units threshold', () => {
    const t = { units: 100, percent: 0 };
    expect(decideSyncRow({ onHand: 1100, version: 2 }, 1, level(1000), t)).toEqual({ outcome: 'held', reason: 'over_threshold' });
    expect(decideSyncRow({ onHand: 900, version: 2 }, 1, level(1000), t)).toEqual({ outcome: 'held', reason: 'over_threshold' });
    expect(decideSyncRow({ onHand: 1099, version: 2 }, 1, level(1000), t)).toEqual({ outcome: 'applied', onHandDelta: 99 });
  });

  it('holds a change of at least the percent threshold of Ordo\'s on hand, and never on an empty row', () => {
    const t = { units: 0, percent: 50 };
    expect(decideSyncRow({ onHand: 15, version: 2 }, 1, level(10), t)).toEqual({ outcome: 'held', reason: 'over_threshold' });
    expect(decideSyncRow({ onHand: 14, version: 2 }, 1, level(10), t)).toEqual({ outcome: 'applied', onHandDelta: 4 });
    expect(decideSyncRow({ onHand: 5, version: 2 }, 1, level(10), t).outcome).toBe('held');
    expect(decideSyncRow({ onHand: 1_000, version: 2 }, 1, level(0), t)).toEqual({ outcome: 'applied', onHandDelta: 1_000 });
  });

  it('takes fractional percentages exactly at the boundary', () => {
    expect(decideSyncRow({ onHand: 1_025, version: 2 }, 1, level(1_000), { units: 0, percent: 2.5 }).outcome).toBe('held');
    expect(decideSyncRow({ onHand: 1_024, version: 2 }, 1, level(1_000), { units: 0, percent: 2.5 }).outcome).toBe('applied');
  });

  it('names below_reserved first when both reasons hold', () => {
    expect(decideSyncRow({ onHand: 0, version: 2 }, 1, level(1000, 10), { units: 100, percent: 0 })).toEqual({ outcome: 'held', reason: 'below_reserved' });
  });

  it('never applies a number the stock guard would refuse, and applies exactly the difference', () => {
    fc.assert(fc.property(
      fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.nat(2000), fc.nat(500), fc.nat(200),
      (reserved, quarantined, free, reported, units, percent) => {
        const ordo = level(reserved + quarantined + free, reserved, quarantined);
        const d = decideSyncRow({ onHand: reported, version: 2 }, 1, ordo, { units, percent });
        if (d.outcome === 'applied') {
          expect(ordo.onHand + d.onHandDelta).toBe(reported);
          expect(reported).toBeGreaterThanOrEqual(reserved + quarantined);
          expect(d.onHandDelta).not.toBe(0);
        }
        if (reported === ordo.onHand) expect(d.outcome).toBe('unchanged');
      },
    ));
  });
});

describe('effectiveThresholds', () => {
  it('overrides the defaults field by field', () => {
    const defaults = { units: 100, percent: 50 };
    expect(effectiveThresholds(defaults, undefined)).toEqual(defaults);
    expect(effectiveThresholds(defaults, { units: 0 })).toEqual({ units: 0, percent: 50 });
    expect(effectiveThresholds(defaults, { percent: 10 })).toEqual({ units: 100, percent: 10 });
  });
});

describe('newestPerKey', () => {
  it('picks the highest version per key; of equal versions the first', () => {
    const winners = newestPerKey([
      { key: 'a', version: 3 }, { key: 'b', version: 1 }, { key: 'a', version: 5 }, { key: 'a', version: 4 },
      { key: 'b', version: 1 },
    ]);
    expect(winners).toEqual(new Map([['a', 2], ['b', 1]]));
  });

  it('agrees with sending the rows one by one', () => {
    fc.assert(fc.property(fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), version: fc.nat(5) })), (rows) => {
      const stored = new Map<string, { version: number; index: number }>();
      rows.forEach((r, index) => {
        const s = stored.get(r.key);
        if (!s || r.version > s.version) stored.set(r.key, { version: r.version, index });
      });
      expect(newestPerKey(rows)).toEqual(new Map([...stored].map(([k, v]) => [k, v.index])));
    }));
  });
});

describe('tally', () => {
  it('counts each outcome', () => {
    expect(tally(['applied', 'held', 'applied', 'ignored'])).toEqual({ applied: 2, unchanged: 0, held: 1, ignored: 1 });
  });
});

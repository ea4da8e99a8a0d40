/**
 * The engine decides on columns (pool.ts, the stock index's slots) for speed; this holds it to the plain reference
 * (engine.reference.ts: the engine before, on candidate objects and maps) over random worlds — stock (some of it
 * nothing or less), locations that do not ship, serve other regions, are full or past their cut-off, tied priorities,
 * repeated SKUs, rule sets in any order, split lines, pickup, addresses that match nothing, demand or none — for every
 * way in: `source` on candidates, `sourcePool` on one order's rows, and a batch on a stock index taking as it goes.
 * Decisions and stored explanations must be the same, to the key order.
 */
import { describe, expect, it } from 'vitest';
import { candidatesFrom, source, sourcePool, type CostFunction, type Decision, type Delivery, type LineNeed, type Site, type SourceOptions, type StockRow } from './engine.js';
import { ReferenceStockIndex, referenceSource } from './engine.reference.js';
import { poolFromRows } from './pool.js';
import { locate, type Place } from './regions.js';
import { ruleNames } from './rules.js';
import { StockIndex } from './stock-index.js';

function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const cities = ['深圳市', '广州市', '上海市', '北京市', '成都市', '杭州市'].map((city) => locate({ country: 'CN', city }) as Place);
const regions = ['CN-GD', 'CN-SH', 'CN', 'CN-BJ', 'CN-440300', 'US'];

function world(seed: number, large = false) {
  const rnd = random(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const chance = (p: number) => rnd() < p;
  const skus = Array.from({ length: int(1, large ? 20 : 6) }, (_, i) => `s${i}`);
  const sites = new Map<string, Site>();
  const rows: StockRow[] = [];
  const locations = Array.from({ length: int(1, large ? 90 : 12) }, (_, i) => `l${i}`);
  for (const id of locations) {
    const code = chance(0.1) ? 'SAME' : id.toUpperCase();
    const priority = pick([10, 10, 20, 30]);
    const canShip = chance(0.85);
    const canPickup = chance(0.3);
    if (chance(0.9)) {
      sites.set(id, {
        place: chance(0.85) ? pick(cities) : null,
        servesRegions: chance(0.2) ? regions.filter(() => chance(0.4)) : null,
        capacityLeft: chance(0.6) ? null : int(0, 3),
        pastCutoff: chance(0.15) ? '16:00 Asia/Shanghai' : null,
      });
    }
    for (const skuId of skus) {
      if (chance(0.35)) continue;
      rows.push({ locationId: id, code, priority, canShip, canPickup, skuId, free: int(-1, 8) });
      if (chance(0.05)) rows.push({ locationId: id, code, priority, canShip, canPickup, skuId, free: int(-1, 8) });
    }
  }
  for (let i = rows.length - 1; i > 0; i--) {
    const k = int(0, i);
    [rows[i], rows[k]] = [rows[k] as StockRow, rows[i] as StockRow];
  }
  const order = (): { lines: LineNeed[]; delivery: Delivery; opts: SourceOptions } => {
    let index = int(0, 2);
    const lines = Array.from({ length: int(1, large ? 14 : 4) }, () => ({ index: (index += int(1, 2)), skuId: chance(0.9) ? pick(skus) : 'unknown', quantity: int(1, 6) }));
    const delivery: Delivery = chance(0.15) ? { method: 'pickup', pickupLocationId: chance(0.8) ? pick(locations) : null }
      : { method: 'ship', destination: chance(0.85) ? pick(cities) : null };
    const rules = [...ruleNames].sort(() => rnd() - 0.5).slice(0, int(1, ruleNames.length));
    const opts: SourceOptions = { ruleSet: { rules, splitLines: chance(0.5) }, explain: chance(0.9) };
    if (chance(0.5)) opts.ruleSetSource = pick(['channel', 'default'] as const);
    if (chance(0.3)) {
      const cost: CostFunction = (from, to, units) => (from?.place && chance(0.8) ? Math.round(units * (from.place.lat - to.lat) * 10) / 10 : null);
      opts.cost = cost;
      opts.costModel = 'rate tables';
    }
    if (chance(0.6)) {
      const supply = new Map<string, Map<string, { onHand: number; perDay: number }>>();
      for (const id of locations) {
        if (chance(0.3)) continue;
        supply.set(id, new Map(skus.filter(() => chance(0.7)).map((s) => [s, { onHand: int(0, 20), perDay: chance(0.4) ? 0 : int(1, 30) / 7 }])));
      }
      opts.supply = supply;
    }
    return { lines, delivery, opts };
  };
  return { rows, sites, order, rnd, chance };
}

const plain = (d: Decision) => ({ assigned: [...d.assigned], split: [...d.split], uncovered: d.uncovered, explanation: d.explanation });
const copySites = (sites: ReadonlyMap<string, Site>) => new Map([...sites].map(([id, s]) => [id, { ...s }]));

/** Each side gets its own copy of a world (a cost function draws from the world's generator: both get the same draws). */
function twice<T>(seed: number, run: (w: ReturnType<typeof world>) => T): [T, T] {
  return [run(world(seed)), run(world(seed))];
}
const decideOne = (seed: number, decide: (w: ReturnType<typeof world>, o: ReturnType<ReturnType<typeof world>['order']>) => Decision) => {
  const w = world(seed);
  return plain(decide(w, w.order()));
};

describe('the engine on columns decides as the plain reference', () => {
  it('on candidates, one order at a time (source)', () => {
    for (let seed = 1; seed <= 3_000; seed++) {
      const [fast, reference] = [
        decideOne(seed, (w, o) => source(o.lines, candidatesFrom(w.rows, w.sites), o.delivery, o.opts)),
        decideOne(seed, (w, o) => referenceSource(o.lines, candidatesFrom(w.rows, w.sites), o.delivery, o.opts)),
      ];
      expect(fast, `world ${seed}`).toStrictEqual(reference);
    }
  });

  it('on one order\'s stock rows (sourcePool on poolFromRows)', () => {
    for (let seed = 1; seed <= 3_000; seed++) {
      const [fast, reference] = [
        decideOne(seed, (w, o) => sourcePool(o.lines, poolFromRows(w.rows, o.lines, w.sites), o.delivery, o.opts)),
        decideOne(seed, (w, o) => referenceSource(o.lines, candidatesFrom(w.rows, w.sites), o.delivery, o.opts)),
      ];
      expect(fast, `world ${seed}`).toStrictEqual(reference);
    }
  });

  it('on large orders over many locations (the reused columns grow)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const one = (decide: typeof source | typeof referenceSource) => {
        const w = world(seed, true);
        const o = w.order();
        return plain(decide(o.lines, candidatesFrom(w.rows, w.sites), o.delivery, o.opts));
      };
      expect(one(source), `world ${seed}`).toStrictEqual(one(referenceSource));
    }
  });

  it('over a batch on a stock index, each order taking what it was given and loading its locations', () => {
    for (let seed = 1; seed <= 1_000; seed++) {
      const [fast, reference] = twice(seed, (w) => w).map((w, side) => {
        const sites = copySites(w.sites);
        const out: ReturnType<typeof plain>[] = [];
        if (side === 0) {
          const index = new StockIndex(w.rows, sites);
          for (let k = 0; k < 8; k++) {
            const o = w.order();
            const d = sourcePool(o.lines, index.poolFor(o.lines), o.delivery, o.opts);
            settle(d, o.lines, index);
            out.push(plain(d));
          }
        } else {
          const index = new ReferenceStockIndex(w.rows, sites);
          for (let k = 0; k < 8; k++) {
            const o = w.order();
            const d = referenceSource(o.lines, index.candidatesFor(o.lines.map((l) => l.skuId)), o.delivery, o.opts);
            settle(d, o.lines, index);
            out.push(plain(d));
          }
        }
        return out;
      }) as [ReturnType<typeof plain>[], ReturnType<typeof plain>[]];
      expect(fast, `world ${seed}`).toStrictEqual(reference);
    }
  });
});

/** What capture does after a decision: takes the units it reserves and counts a load on each location it ships from. */
function settle(d: Decision, lines: readonly LineNeed[], index: { take(skuId: string, locationId: string, q: number): void; addLoad(locationId: string): void }) {
  const loads = new Set<string>();
  for (const l of lines) {
    const at = d.assigned.get(l.index);
    if (at) {
      index.take(l.skuId, at, l.quantity);
      loads.add(at);
    }
    for (const p of d.split.get(l.index) ?? []) {
      index.take(l.skuId, p.locationId, p.quantity);
      loads.add(p.locationId);
    }
  }
  for (const id of loads) index.addLoad(id);
}

it('the random worlds reach every branch the explanation tells of', () => {
  const seen = new Set<string>();
  for (let seed = 1; seed <= 3_000; seed++) {
    const w = world(seed);
    const o = w.order();
    const e = referenceSource(o.lines, candidatesFrom(w.rows, w.sites), o.delivery, o.opts).explanation;
    if (!e) continue;
    for (const f of e.f ?? []) seen.add(f.split(/[\d(:]/)[0]!.trim());
    if (e.c.w) seen.add('weeks of supply');
    if (e.u) seen.add('uncovered');
    if (e.p.length > 1) seen.add('several parcels');
    for (const j of e.c.j) if (j !== null) seen.add(typeof j === 'number' ? `reason ${j}` : j.split(/ [(A-Z]/)[0]!);
  }
  expect([...seen].sort()).toEqual(expect.arrayContaining([
    'does not serve', 'line', 'no location within its capacity and cut-off covers every line', 'past its cut-off', 'pickup order',
    'reason 1', 'reason 2', 'reason 3', 'reason 4', 'several parcels', 'stock_balance', 'the address matched no region', 'uncovered', 'weeks of supply',
  ]));
});

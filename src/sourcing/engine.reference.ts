/**
 * The sourcing engine as it was before its candidates became columns (commit 26e6e26): a candidate object and a map
 * of free units per location, a scored object per candidate, the explanation pushed candidate by candidate. Kept
 * only as the plain reference `engine-equivalence.test.ts` holds the fast path to, over random worlds.
 */
import { distanceCost, DEMAND_DAYS, type Candidate, type Decision, type Delivery, type LineNeed, type Site, type SourceOptions, type StockRow, type Supply } from './engine.js';
import { distanceKm } from './regions.js';
import { defaultRuleSet, type RuleName } from './rules.js';
import { RANKED_LOWER, storedReason, type StoredCandidates, type StoredExplanation } from './stored-explanation.js';

interface Scored {
  c: Candidate;
  km: number | null;
  cross: number | null;
  cost: number | null;
  stock: number;
  /** What stock_balance ranks by (higher first): weeks of supply, or free units without demand. */
  balance: number;
  /** The weeks-of-supply numbers, when ranked by them. */
  supply: { onHand: number; demandPerDay: number; weeks: number } | null;
  soft: string | null;
  rejected: string | null;
  /** Lines it covers whole before anything is taken. */
  covers: number;
}

const INF = Number.POSITIVE_INFINITY;
const diff = (a: number | null, b: number | null) => {
  const x = a ?? INF;
  const y = b ?? INF;
  return x === y ? 0 : x - y;
};

function compare(a: Scored, am: number, b: Scored, bm: number, rules: readonly RuleName[]): number {
  for (const rule of rules) {
    let d = 0;
    switch (rule) {
      case 'fewest_shipments': d = am - bm; break;
      case 'same_region': d = diff(a.cross, b.cross); break;
      case 'nearest': d = diff(a.km, b.km); break;
      case 'lowest_cost': d = diff(a.cost, b.cost); break;
      case 'stock_balance': d = b.balance - a.balance; break;
      case 'priority': d = a.c.priority - b.c.priority; break;
    }
    if (d !== 0) return d;
  }
  return a.c.priority - b.c.priority || (a.c.code < b.c.code ? -1 : a.c.code > b.c.code ? 1 : 0);
}

const geoRules: readonly RuleName[] = ['same_region', 'nearest', 'lowest_cost'];

export function referenceSource(lines: readonly LineNeed[], candidates: readonly Candidate[], delivery: Delivery, opts: SourceOptions = {}): Decision {
  const ruleSet = opts.ruleSet ?? defaultRuleSet;
  const explain = opts.explain ?? true;
  const destination = delivery.method === 'ship' ? (delivery.destination ?? null) : null;
  const rules = destination ? ruleSet.rules : ruleSet.rules.filter((r) => !geoRules.includes(r));
  const wantsCost = destination !== null && rules.includes('lowest_cost');
  const cost = opts.cost ?? distanceCost;
  const units = lines.reduce((a, l) => a + l.quantity, 0);

  // 1. Filter and score.
  const scored: Scored[] = [];
  for (const c of candidates) {
    const site = c.site ?? null;
    let rejected: string | null = null;
    let soft: string | null = null;
    if (delivery.method === 'pickup') {
      if (c.locationId !== delivery.pickupLocationId) rejected = 'not the pickup store';
    } else if (!c.canShip) {
      rejected = 'does not ship (pickup only)';
    } else if (destination && site?.servesRegions && !site.servesRegions.some((r) => r === destination.area || r === destination.region
      || (destination.area !== null && r === destination.area.split('-')[0]))) {
      rejected = `does not serve ${destination.area ?? destination.region}`;
    } else if (site?.capacityLeft !== null && site?.capacityLeft !== undefined && site.capacityLeft <= 0) {
      soft = 'no capacity left today';
    } else if (site?.pastCutoff) {
      soft = `past its cut-off (${site.pastCutoff})`;
    }
    const place = site?.place ?? null;
    const km = destination && place ? distanceKm(place, destination) : null;
    let stock = 0;
    let covers = 0;
    for (const l of lines) {
      const h = c.free.get(l.skuId) ?? 0;
      stock += h;
      if (h >= l.quantity) covers++;
    }
    scored.push({
      c, rejected, soft, stock, covers, balance: stock, supply: null,
      km,
      cross: destination ? (place && place.area !== null && place.area === destination.area ? 0 : 1) : null,
      cost: wantsCost && destination ? cost(c.site ?? null, destination, units) : null,
    });
  }

  const balanceNote = rules.includes('stock_balance') ? weeksOfSupply(lines, scored, opts.supply) : null;

  const assigned = new Map<number, string>();
  const split = new Map<number, { locationId: string; quantity: number }[]>();
  const taken = new Map<string, Map<string, number>>();
  const freeAt = (s: Scored, skuId: string) => (s.c.free.get(skuId) ?? 0) - (taken.size === 0 ? 0 : (taken.get(s.c.locationId)?.get(skuId) ?? 0));
  const take = (s: Scored, skuId: string, quantity: number) => {
    let t = taken.get(s.c.locationId);
    if (!t) taken.set(s.c.locationId, (t = new Map<string, number>()));
    t.set(skuId, (t.get(skuId) ?? 0) + quantity);
  };
  let repeats = false;
  for (let i = 1; i < lines.length && !repeats; i++) for (let j = 0; j < i; j++) if ((lines[i] as LineNeed).skuId === (lines[j] as LineNeed).skuId) repeats = true;
  const fitsOf = (s: Scored, remaining: readonly LineNeed[]): LineNeed[] => {
    const fits: LineNeed[] = [];
    if (!repeats) {
      for (const l of remaining) if (freeAt(s, l.skuId) >= l.quantity) fits.push(l);
      return fits;
    }
    const used = new Map<string, number>();
    for (const l of remaining) {
      const have = freeAt(s, l.skuId) - (used.get(l.skuId) ?? 0);
      if (have >= l.quantity) {
        fits.push(l);
        used.set(l.skuId, (used.get(l.skuId) ?? 0) + l.quantity);
      }
    }
    return fits;
  };

  // 2. Rounds: the best candidate covering at least one line left whole takes the lines it covers.
  const fitCount = (s: Scored, remaining: readonly LineNeed[]): number => {
    // Before anything is taken, with every line left: what it covers was counted while scoring.
    if (!repeats && taken.size === 0 && remaining.length === lines.length) return s.covers;
    if (repeats) return fitsOf(s, remaining).length;
    let count = 0;
    for (const l of remaining) if (freeAt(s, l.skuId) >= l.quantity) count++;
    return count;
  };
  const cover = (pool: readonly Scored[], remaining: LineNeed[]): LineNeed[] => {
    while (remaining.length > 0) {
      let best: Scored | undefined;
      let bestMisses = 0;
      for (const s of pool) {
        const count = fitCount(s, remaining);
        if (count === 0) continue;
        const misses = remaining.length - count;
        if (!best || compare(s, misses, best, bestMisses, rules) < 0) {
          best = s;
          bestMisses = misses;
        }
      }
      if (!best) break;
      const fits = fitsOf(best, remaining);
      for (const l of fits) {
        assigned.set(l.index, best.c.locationId);
        take(best, l.skuId, l.quantity);
      }
      remaining = fits.length === remaining.length ? [] : remaining.filter((l) => !assigned.has(l.index));
    }
    return remaining;
  };
  const fallbacks: string[] = [];
  let anyOut = false;
  for (const s of scored) if (s.rejected || s.soft) anyOut = true;
  const eligible = anyOut ? scored.filter((s) => !s.rejected && !s.soft) : scored;
  let remaining = cover(eligible, [...lines]);
  const softPool = anyOut ? scored.filter((s) => !s.rejected && s.soft) : [];
  if (remaining.length > 0 && softPool.length > 0) {
    const before = remaining.length;
    remaining = cover([...eligible, ...softPool], remaining);
    if (remaining.length < before) {
      const used = softPool.filter((s) => [...assigned.values()].includes(s.c.locationId));
      fallbacks.push(`no location within its capacity and cut-off covers every line: used ${used.map((s) => `${s.c.code} (${s.soft})`).join(', ')}`);
    }
  }

  // 3. Split what is left over several locations, if allowed and the order ships (a pickup order is served by its
  // store alone): the order's own locations first, then by rank.
  if (remaining.length > 0 && ruleSet.splitLines && delivery.method === 'ship') {
    const pool = [...eligible, ...softPool];
    const inPlan = new Set(assigned.values());
    const ranked = [...pool].sort((a, b) => Number(inPlan.has(b.c.locationId)) - Number(inPlan.has(a.c.locationId)) || compare(a, 0, b, 0, rules));
    remaining = remaining.filter((l) => {
      const total = ranked.reduce((a, s) => a + Math.max(0, freeAt(s, l.skuId)), 0);
      if (total < l.quantity) return true;
      let need = l.quantity;
      const parts: { locationId: string; quantity: number }[] = [];
      for (const s of ranked) {
        const q = Math.min(need, Math.max(0, freeAt(s, l.skuId)));
        if (q <= 0) continue;
        parts.push({ locationId: s.c.locationId, quantity: q });
        take(s, l.skuId, q);
        need -= q;
        if (need === 0) break;
      }
      split.set(l.index, parts);
      return false;
    });
    if (split.size > 0) {
      const codeAt = (locationId: string) => pool.find((s) => s.c.locationId === locationId)?.c.code ?? locationId;
      for (const [index, parts] of split) {
        const line = lines.find((l) => l.index === index) as LineNeed;
        fallbacks.push(`line ${index + 1} (${line.quantity} units) split over ${parts.map((p) => `${codeAt(p.locationId)} (${p.quantity})`).join(', ')}: no single location has them all`);
      }
    }
  }
  const uncovered = remaining.map((l) => l.index);
  if (!explain) return { assigned, split, uncovered, explanation: null };

  // The explanation, in the compact form it is stored in (stored-explanation.ts): capture writes one for every order.
  if (delivery.method === 'ship' && !destination && ruleSet.rules.some((r) => geoRules.includes(r))) {
    fallbacks.unshift(`the address matched no region: ${ruleSet.rules.filter((r) => geoRules.includes(r)).join(', ')} skipped; ranked by ${rules.length > 0 ? rules.join(', ') : 'nothing else'}, then priority order`);
  }
  if (delivery.method === 'pickup') fallbacks.unshift('pickup order: only the pickup store may serve it');
  if (balanceNote) fallbacks.push(balanceNote);
  const codeOf = (locationId: string) => candidates.find((c) => c.locationId === locationId)?.code ?? locationId;
  const parcels: [string, number[]][] = [];
  const add = (locationId: string, index: number, quantity: number) => {
    const code = codeOf(locationId);
    const parcel = parcels.find((x) => x[0] === code);
    if (parcel) parcel[1].push(index, quantity);
    else parcels.push([code, [index, quantity]]);
  };
  const chosen = new Set<string>();
  for (const l of lines) {
    const at = assigned.get(l.index);
    if (at) {
      add(at, l.index, l.quantity);
      chosen.add(at);
    }
    for (const p of split.get(l.index) ?? []) {
      add(p.locationId, l.index, p.quantity);
      chosen.add(p.locationId);
    }
  }
  const all = ruleSet.rules;
  const c: StoredCandidates = { c: [], e: [], j: [], s: [], k: [], g: [] };
  const explain1 = (x: Scored) => {
    for (const rule of all) {
      c.s.push(rule === 'fewest_shipments' ? x.covers
        : rule === 'same_region' ? x.cross
          : rule === 'nearest' ? (x.km === null ? null : Math.round(x.km))
            : rule === 'lowest_cost' ? x.cost
              : rule === 'stock_balance' ? (x.supply ? x.supply.weeks : x.stock)
                : x.c.priority);
    }
    const eligibleNow = !x.rejected && !x.soft;
    const isChosen = chosen.has(x.c.locationId);
    const rejected = x.rejected ?? (x.soft && !isChosen ? x.soft : !isChosen && eligibleNow ? RANKED_LOWER : x.soft);
    c.c.push(x.c.code);
    c.e.push(eligibleNow ? 1 : 0);
    c.j.push(rejected === null ? null : storedReason(rejected));
    c.k.push(x.km === null ? null : Math.round(x.km));
    c.g.push(x.c.site?.place?.area ?? null);
    if (x.supply) (c.w ??= []).push(x.supply.onHand, x.supply.demandPerDay, x.supply.weeks);
  };
  // The chosen locations first, then the others in the order they came.
  for (const x of scored) if (chosen.has(x.c.locationId)) explain1(x);
  for (const x of scored) if (!chosen.has(x.c.locationId)) explain1(x);
  const lineNumbers = (flat: number[]) => {
    let out = '';
    for (let i = 0; i < flat.length; i += 2) out += `${i > 0 ? ', ' : ''}${(flat[i] as number) + 1}`;
    return out;
  };
  const summary = `${parcels.length === 0 ? 'no parcel' : `${parcels.length} parcel(s): ${parcels.map(([code, flat]) => `${code} (line${flat.length > 2 ? 's' : ''} ${lineNumbers(flat)})`).join('; ')}`}`
    + `${uncovered.length > 0 ? `; line(s) ${uncovered.map((i) => i + 1).join(', ')} not covered by any allowed location` : ''}`
    + ` — by ${rules.length > 0 ? rules.join(' > ') : 'priority'}`;
  const explanation: StoredExplanation = {
    v: 2, r: all, l: ruleSet.splitLines ? 1 : 0, s: opts.ruleSetSource === 'channel' ? 'c' : 'd', m: delivery.method,
    d: delivery.method === 'pickup' ? ['pickup', null, null, `pickup at ${delivery.pickupLocationId ? codeOf(delivery.pickupLocationId) : 'the store'}`]
      : destination ? [destination.how, destination.region, destination.area, destination.label]
        : ['none', null, null, 'the address matched no region'],
    c, p: parcels, summary,
  };
  if (all.includes('lowest_cost')) explanation.k = opts.costModel ?? 'distance estimate';
  if (fallbacks.length > 0) explanation.f = fallbacks;
  if (uncovered.length > 0) explanation.u = uncovered;
  return { assigned, split, uncovered, explanation };
}

/**
 * stock_balance by weeks of supply: for each candidate, the order's SKUs on hand there ÷ their recent demand there a
 * week (less than one unit over the window counts as one, so a location that sells none of them has the most weeks).
 * With no demand for these SKUs at any candidate (or no supply read) the rule keeps ranking by free units; the
 * returned note says which, for the explanation (null: ranked by weeks, the numbers are on each candidate).
 */
function weeksOfSupply(lines: readonly LineNeed[], scored: Scored[], supply: Supply | undefined): string | null {
  const skus = [...new Set(lines.map((l) => l.skuId))];
  if (!supply) return 'stock_balance: no demand was read; ranked by free units';
  let anyDemand = false;
  for (const s of scored) for (const sku of skus) if ((supply.get(s.c.locationId)?.get(sku)?.perDay ?? 0) > 0) anyDemand = true;
  if (!anyDemand) return `stock_balance: no demand for these SKUs in the last ${DEMAND_DAYS} days at any candidate; ranked by free units`;
  for (const s of scored) {
    const at = supply.get(s.c.locationId);
    let onHand = 0;
    let perDay = 0;
    for (const sku of skus) {
      const x = at?.get(sku);
      onHand += x ? x.onHand : (s.c.free.get(sku) ?? 0);
      perDay += x?.perDay ?? 0;
    }
    const weeks = onHand / (Math.max(perDay, 1 / DEMAND_DAYS) * 7);
    s.balance = weeks;
    s.supply = { onHand, demandPerDay: Math.round(perDay * 100) / 100, weeks: Math.round(weeks * 10) / 10 };
  }
  return null;
}

interface Entry {
  candidate: Candidate & { free: Map<string, number> };
  /** The last call of `candidatesFor` that listed it. */
  mark: number;
}

export class ReferenceStockIndex {
  private readonly locations = new Map<string, Entry>();
  private readonly bySku = new Map<string, Entry[]>();
  private calls = 0;

  /** `sites`: where each location is and what it can take today; this index counts the loads it is given on them. */
  constructor(rows: Iterable<StockRow>, private readonly sites: ReadonlyMap<string, Site> = new Map()) {
    for (const { skuId, free, locationId, code, priority, canShip, canPickup } of rows) {
      if (free <= 0) continue;
      let entry = this.locations.get(locationId);
      if (!entry) {
        entry = { candidate: { locationId, code, priority, canShip, canPickup, free: new Map<string, number>(), site: sites.get(locationId) ?? null }, mark: 0 };
        this.locations.set(locationId, entry);
      }
      const free0 = entry.candidate.free;
      if (free0.get(skuId) === undefined) {
        const list = this.bySku.get(skuId);
        if (list) list.push(entry);
        else this.bySku.set(skuId, [entry]);
      }
      free0.set(skuId, free);
    }
  }

  /**
   * The locations with free units of any of these SKUs, each once. Their `free` holds the batch's other SKUs too
   * (the engine reads only the order's); treat them as read-only and take through `take`.
   */
  candidatesFor(skuIds: Iterable<string>): Candidate[] {
    const mark = ++this.calls;
    const out: Candidate[] = [];
    for (const skuId of skuIds) {
      for (const entry of this.bySku.get(skuId) ?? []) {
        if (entry.mark === mark || (entry.candidate.free.get(skuId) ?? 0) <= 0) continue;
        entry.mark = mark;
        out.push(entry.candidate);
      }
    }
    return out;
  }

  /** An order decided earlier in the batch took these units. */
  take(skuId: string, locationId: string, quantity: number): void {
    const free = this.locations.get(locationId)?.candidate.free;
    if (free?.has(skuId)) free.set(skuId, (free.get(skuId) ?? 0) - quantity);
  }

  /** An order decided earlier in the batch ships from this location today: one less it can take. */
  addLoad(locationId: string): void {
    const site = this.sites.get(locationId);
    if (site && site.capacityLeft !== null) site.capacityLeft -= 1;
  }
}

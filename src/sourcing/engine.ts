/**
 * The sourcing engine: where each line of an order ships from, and why. Pure: data in, decision and explanation out.
 *
 * 1. Filter the candidates (locations with free units of the order's SKUs): a pickup order only at its store; else a
 *    location that ships, serves the destination's region, has capacity left today and is before its cut-off. A
 *    location rejected only for capacity or cut-off is kept aside: when the others cannot cover the order it is used
 *    after all, and the explanation says so (a full location delays a parcel, it does not refuse an order).
 * 2. Rank them by the rule set (rules.ts), rule after rule, ties by priority then code; each round takes the best
 *    candidate that covers at least one line left whole, and the lines it covers. With `fewest_shipments` first this
 *    is one covering location if any, else a greedy fewest-locations split (the behaviour before the engine).
 * 3. Lines no location covers whole are split over several locations if the rule set allows, else left uncovered
 *    (the caller backorders, promises supply or refuses them).
 */
import { distanceKm, type Place } from './regions.js';
import { defaultRuleSet, type RuleName, type RuleSet } from './rules.js';
import { poolOf, positionOf, type Pool } from './pool.js';
import { RANKED_LOWER, storedReason, type StoredCandidates, type StoredExplanation } from './stored-explanation.js';

/** Where a location is and what it can take now (from the locations table, resolved once). */
export interface Site {
  place: Place | null;
  /** Regions (ISO codes: country, province or state) it ships to; null: everywhere. */
  servesRegions: readonly string[] | null;
  /** Orders it may still take today (daily capacity less today's); null: no limit. */
  capacityLeft: number | null;
  /** Set when its cut-off has passed, as people read it: "16:00 Asia/Shanghai". */
  pastCutoff: string | null;
}

/** Free units of one SKU at one location, as the stock rows are read (capture's facts, the simulation, the paths of one order). */
export interface StockRow { locationId: string; code: string; priority: number; canShip: boolean; canPickup: boolean; skuId: string; free: number }

export interface Candidate {
  locationId: string;
  code: string;
  priority: number;
  canShip: boolean;
  canPickup: boolean;
  /** Free units per SKU id at this location. */
  free: ReadonlyMap<string, number>;
  site?: Site | null;
}

export interface LineNeed { index: number; skuId: string; quantity: number }

/** The days recent demand is counted over (the demand table's window); less than one unit in it counts as one. */
export const DEMAND_DAYS = 28;

/**
 * The stock_balance rule's input: per location id, per SKU id, units on hand (less quarantined) and recent demand a
 * day. Without it (or with no demand for the order's SKUs anywhere) the rule ranks by free units and says so.
 */
export type Supply = ReadonlyMap<string, ReadonlyMap<string, { onHand: number; perDay: number }>>;

export interface Delivery {
  method: 'ship' | 'pickup';
  pickupLocationId?: string | null;
  /** Where a shipping order goes (null: its address matched nothing). */
  destination?: Place | null;
}

/** An estimated cost of one parcel from a location (where it is) to a place; null: cannot tell. */
export type CostFunction = (from: Site | null, to: Place, units: number) => number | null;

/** Until rate tables are wired in: 8 + 0.01 per km + 0.5 per unit, in the order's currency units (an index). */
export const distanceCost: CostFunction = (from, to, units) =>
  (from?.place ? Math.round((8 + distanceKm(from.place, to) * 0.01 + units * 0.5) * 100) / 100 : null);

export interface CandidateExplained {
  location: string;
  eligible: boolean;
  /** Why it was not used (null: eligible). */
  rejected: string | null;
  /** Its score per rule of the rule set (null: the rule could not score it). */
  scores: Partial<Record<RuleName, number | null>>;
  distanceKm: number | null;
  region: string | null;
  /** stock_balance by weeks of supply: the order's SKUs on hand here, their recent demand a day, weeks it lasts. */
  supply?: { onHand: number; demandPerDay: number; weeks: number };
}

export interface Explanation {
  rules: RuleName[];
  splitLines: boolean;
  ruleSet: 'channel' | 'default';
  deliveryMethod: 'ship' | 'pickup';
  destination: { how: Place['how'] | 'none' | 'pickup'; region: string | null; area: string | null; label: string };
  costModel: 'distance estimate' | 'rate tables' | null;
  /** What the engine fell back on, in words. */
  fallbacks: string[];
  candidates: CandidateExplained[];
  parcels: { location: string; lines: { index: number; quantity: number }[] }[];
  uncovered: number[];
  summary: string;
}

export interface Decision {
  /** Line index → location id, for whole lines. */
  assigned: Map<number, string>;
  /** Line index → its parts, for lines split over locations (only when the rule set allows). */
  split: Map<number, { locationId: string; quantity: number }[]>;
  /** Lines no allowed location covers. */
  uncovered: number[];
  /** Why, in the form it is stored in; `unpackExplanation` reads it (null: not asked for). */
  explanation: StoredExplanation | null;
}

export interface SourceOptions {
  ruleSet?: RuleSet;
  ruleSetSource?: 'channel' | 'default';
  cost?: CostFunction;
  costModel?: 'distance estimate' | 'rate tables';
  /** Build the explanation (default true); a simulation that only counts turns it off. */
  explain?: boolean;
  /** On hand and recent demand, for stock_balance by weeks of supply (read only when the rule set has it). */
  supply?: Supply;
}

/** The rules as numbers, for the comparison every round makes. */
const ruleCode = { fewest_shipments: 0, same_region: 1, nearest: 2, lowest_cost: 3, stock_balance: 4, priority: 5 } as const satisfies Record<RuleName, number>;
const INF = Number.POSITIVE_INFINITY;
const geoRules: readonly RuleName[] = ['same_region', 'nearest', 'lowest_cost'];
const NO_CAPACITY = 'no capacity left today';
const rankedLower = storedReason(RANKED_LOWER);

/**
 * What the engine works out per candidate (position i) and per line (position j), column by column. One set serves
 * every decision (the engine is synchronous and returns nothing that points into it), grown when a decision needs more.
 */
class Columns {
  size = 0;
  width = 0;
  /** Distance in km; ∞ when unknown (what the ranking compares a missing value as). */
  km = new Float64Array(0);
  /** 0: the destination's province or state, 1: not, ∞: unknown. */
  cross = new Float64Array(0);
  /** Estimated cost; ∞ when unknown. */
  cost = new Float64Array(0);
  /** The cost as the explanation shows it. */
  costShown: (number | null)[] = [];
  stock = new Float64Array(0);
  /** What stock_balance ranks by (higher first): weeks of supply, or free units without demand. */
  balance = new Float64Array(0);
  onHand = new Float64Array(0);
  perDay = new Float64Array(0);
  /** Lines it covers whole before anything is taken. */
  covers = new Int32Array(0);
  /** 0: eligible, 1: rejected, 2: kept aside (capacity or cut-off), with the words in `why`. */
  out = new Uint8Array(0);
  why: (string | null)[] = [];
  /** 1: chosen for a parcel; 1 in `inPlan`: given a whole line. */
  chosen = new Uint8Array(0);
  inPlan = new Uint8Array(0);
  /** Candidate lists: eligible, kept aside, both. */
  eligible = new Int32Array(0);
  soft = new Int32Array(0);
  both = new Int32Array(0);
  /** Units taken per candidate and SKU (at the position of the SKU's first line). */
  taken = new Float64Array(0);
  /** Per line: the position of the first line of its SKU, where it is assigned (-1: not), lines left, lines a round fits, units a round used. */
  first = new Int32Array(0);
  assignedTo = new Int32Array(0);
  remaining = new Int32Array(0);
  fits = new Int32Array(0);
  used = new Float64Array(0);

  ready(size: number, width: number): this {
    if (size > this.km.length || width > this.first.length || size * width > this.taken.length) {
      const n = Math.max(size, this.km.length, 64);
      const w = Math.max(width, this.first.length, 8);
      this.km = new Float64Array(n); this.cross = new Float64Array(n); this.cost = new Float64Array(n);
      this.stock = new Float64Array(n); this.balance = new Float64Array(n); this.onHand = new Float64Array(n); this.perDay = new Float64Array(n);
      this.covers = new Int32Array(n); this.out = new Uint8Array(n); this.chosen = new Uint8Array(n); this.inPlan = new Uint8Array(n);
      this.eligible = new Int32Array(n); this.soft = new Int32Array(n); this.both = new Int32Array(n);
      this.taken = new Float64Array(n * w);
      this.first = new Int32Array(w); this.assignedTo = new Int32Array(w); this.remaining = new Int32Array(w); this.fits = new Int32Array(w); this.used = new Float64Array(w);
    }
    this.size = size;
    this.width = width;
    this.taken.fill(0, 0, size * width);
    this.chosen.fill(0, 0, size);
    this.inPlan.fill(0, 0, size);
    return this;
  }
}
const columns = new Columns();

/** One decision under way: the pool, its lines, the rules it ranks by and the columns. */
interface Deciding {
  pool: Pool;
  lines: readonly LineNeed[];
  n: number;
  rules: readonly number[];
  x: Columns;
  /** Some line's SKU is on another line too. */
  repeats: boolean;
  tookAny: boolean;
  assigned: Map<number, string>;
}

/** `a` before `b` (negative), given how many of the lines left each would miss. */
function compare(d: Deciding, a: number, am: number, b: number, bm: number): number {
  const x = d.x;
  for (const rule of d.rules) {
    let v = 0;
    switch (rule) {
      case 0: v = am - bm; break;
      case 1: v = x.cross[a] === x.cross[b] ? 0 : (x.cross[a] as number) - (x.cross[b] as number); break;
      case 2: v = x.km[a] === x.km[b] ? 0 : (x.km[a] as number) - (x.km[b] as number); break;
      case 3: v = x.cost[a] === x.cost[b] ? 0 : (x.cost[a] as number) - (x.cost[b] as number); break;
      case 4: v = (x.balance[b] as number) - (x.balance[a] as number); break;
      case 5: v = (d.pool.priority[a] as number) - (d.pool.priority[b] as number); break;
    }
    if (v !== 0) return v;
  }
  const ca = d.pool.code[a] as string;
  const cb = d.pool.code[b] as string;
  return (d.pool.priority[a] as number) - (d.pool.priority[b] as number) || (ca < cb ? -1 : ca > cb ? 1 : 0);
}

/** Units of line j's SKU free at candidate i, less what this decision took there. */
const freeAt = (d: Deciding, i: number, j: number): number =>
  (d.pool.free[i * d.n + j] as number) - (d.tookAny ? (d.x.taken[i * d.n + (d.x.first[j] as number)] as number) : 0);

function take(d: Deciding, i: number, j: number, quantity: number): void {
  const k = i * d.n + (d.x.first[j] as number);
  d.x.taken[k] = (d.x.taken[k] as number) + quantity;
  d.tookAny = true;
}

/** The lines left (of `count` in x.remaining) candidate i covers whole, into x.fits; how many. */
function fitsOf(d: Deciding, i: number, count: number): number {
  const x = d.x;
  let k = 0;
  if (!d.repeats) {
    for (let r = 0; r < count; r++) {
      const j = x.remaining[r] as number;
      if (freeAt(d, i, j) >= (d.lines[j] as LineNeed).quantity) x.fits[k++] = j;
    }
    return k;
  }
  x.used.fill(0, 0, d.n);
  for (let r = 0; r < count; r++) {
    const j = x.remaining[r] as number;
    const f = x.first[j] as number;
    const q = (d.lines[j] as LineNeed).quantity;
    if (freeAt(d, i, j) - (x.used[f] as number) >= q) {
      x.fits[k++] = j;
      x.used[f] = (x.used[f] as number) + q;
    }
  }
  return k;
}

/** How many of the lines left candidate i covers whole (before anything is taken: what scoring counted). */
function fitCount(d: Deciding, i: number, count: number): number {
  if (!d.repeats && !d.tookAny && count === d.n) return d.x.covers[i] as number;
  if (d.repeats) return fitsOf(d, i, count);
  let k = 0;
  for (let r = 0; r < count; r++) {
    const j = d.x.remaining[r] as number;
    if (freeAt(d, i, j) >= (d.lines[j] as LineNeed).quantity) k++;
  }
  return k;
}

/** Rounds over the candidates of `list`: the best covering at least one line left whole takes the lines it covers. Returns the lines left. */
function cover(d: Deciding, list: Int32Array, listSize: number, count: number): number {
  const x = d.x;
  while (count > 0) {
    let best = -1;
    let bestMisses = 0;
    for (let k = 0; k < listSize; k++) {
      const i = list[k] as number;
      const fit = fitCount(d, i, count);
      if (fit === 0) continue;
      const misses = count - fit;
      if (best < 0 || compare(d, i, misses, best, bestMisses) < 0) {
        best = i;
        bestMisses = misses;
      }
    }
    if (best < 0) break;
    const fits = fitsOf(d, best, count);
    for (let k = 0; k < fits; k++) {
      const j = x.fits[k] as number;
      const l = d.lines[j] as LineNeed;
      d.assigned.set(l.index, d.pool.locationId[best] as string);
      x.assignedTo[j] = best;
      take(d, best, j, l.quantity);
    }
    if (fits === count) return 0;
    let left = 0;
    for (let r = 0; r < count; r++) {
      const j = x.remaining[r] as number;
      if ((x.assignedTo[j] as number) < 0) x.remaining[left++] = j;
    }
    count = left;
  }
  return count;
}

/** Decides on `Candidate` objects (the paths that decide one order); see `sourcePool`. */
export function source(lines: readonly LineNeed[], candidates: readonly Candidate[], delivery: Delivery, opts: SourceOptions = {}): Decision {
  return sourcePool(lines, poolOf(candidates, lines), delivery, opts);
}

/** The decision for these lines over a pool of candidates built for them (pool.ts), with its stored explanation. */
export function sourcePool(lines: readonly LineNeed[], pool: Pool, delivery: Delivery, opts: SourceOptions = {}): Decision {
  const ruleSet = opts.ruleSet ?? defaultRuleSet;
  const explain = opts.explain ?? true;
  const destination = delivery.method === 'ship' ? (delivery.destination ?? null) : null;
  const rules = destination ? ruleSet.rules : ruleSet.rules.filter((r) => !geoRules.includes(r));
  const wantsCost = destination !== null && rules.includes('lowest_cost');
  const cost = opts.cost ?? distanceCost;
  const n = lines.length;
  const size = pool.locationId.length;
  let units = 0;
  for (const l of lines) units += l.quantity;
  const x = columns.ready(size, n);
  const d: Deciding = { pool, lines, n, rules: rules.map((r) => ruleCode[r]), x, repeats: false, tookAny: false, assigned: new Map<number, string>() };
  for (let j = 0; j < n; j++) {
    x.first[j] = j;
    x.assignedTo[j] = -1;
    for (let k = 0; k < j; k++) {
      if ((lines[k] as LineNeed).skuId === (lines[j] as LineNeed).skuId) {
        x.first[j] = k;
        d.repeats = true;
        break;
      }
    }
  }

  // 1. Filter and score.
  const area = destination?.area ?? null;
  let notServed: string | null = null;
  let anyOut = false;
  for (let i = 0; i < size; i++) {
    const site = pool.site[i] ?? null;
    let out = 0;
    let why: string | null = null;
    if (delivery.method === 'pickup') {
      if (pool.locationId[i] !== delivery.pickupLocationId) {
        out = 1;
        why = 'not the pickup store';
      }
    } else if (!pool.canShip[i]) {
      out = 1;
      why = 'does not ship (pickup only)';
    } else if (destination && site?.servesRegions && !serves(site.servesRegions, destination)) {
      out = 1;
      why = (notServed ??= `does not serve ${destination.area ?? destination.region}`);
    } else if (site?.capacityLeft !== null && site?.capacityLeft !== undefined && site.capacityLeft <= 0) {
      out = 2;
      why = NO_CAPACITY;
    } else if (site?.pastCutoff) {
      out = 2;
      why = `past its cut-off (${site.pastCutoff})`;
    }
    if (out !== 0) anyOut = true;
    x.out[i] = out;
    x.why[i] = why;
    const place = site?.place ?? null;
    x.km[i] = destination && place ? distanceKm(place, destination) : INF;
    x.cross[i] = destination ? (place && place.area !== null && place.area === area ? 0 : 1) : INF;
    const c = wantsCost && destination ? cost(site, destination, units) : null;
    x.costShown[i] = c;
    x.cost[i] = c ?? INF;
    let stock = 0;
    let covers = 0;
    for (let j = 0; j < n; j++) {
      const h = pool.free[i * n + j] as number;
      stock += h;
      if (h >= (lines[j] as LineNeed).quantity) covers++;
    }
    x.stock[i] = stock;
    x.balance[i] = stock;
    x.covers[i] = covers;
  }
  const balanceNote = rules.includes('stock_balance') ? weeksOfSupply(d, opts.supply) : null;
  const byWeeks = balanceNote === null && rules.includes('stock_balance');

  const assigned = d.assigned;
  const split = new Map<number, { locationId: string; quantity: number }[]>();
  // 2. Rounds: the best candidate covering at least one line left whole takes the lines it covers.
  let eligibleSize = 0;
  let softSize = 0;
  for (let i = 0; i < size; i++) {
    if (x.out[i] === 0) x.eligible[eligibleSize++] = i;
    else if (x.out[i] === 2) x.soft[softSize++] = i;
  }
  for (let j = 0; j < n; j++) x.remaining[j] = j;
  let count = cover(d, x.eligible, eligibleSize, n);
  const fallbacks: string[] = [];
  const bothSize = eligibleSize + softSize;
  if (anyOut) {
    x.both.set(x.eligible.subarray(0, eligibleSize));
    x.both.set(x.soft.subarray(0, softSize), eligibleSize);
  }
  if (count > 0 && softSize > 0) {
    const before = count;
    count = cover(d, x.both, bothSize, count);
    if (count < before && explain) {
      const used: string[] = [];
      for (let k = 0; k < softSize; k++) {
        const i = x.soft[k] as number;
        if (givenAny(d, i)) used.push(`${pool.code[i] as string} (${x.why[i] as string})`);
      }
      fallbacks.push(`no location within its capacity and cut-off covers every line: used ${used.join(', ')}`);
    }
  }

  // 3. Split what is left over several locations, if allowed and the order ships (a pickup order is served by its
  // store alone): the order's own locations first, then by rank.
  if (count > 0 && ruleSet.splitLines && delivery.method === 'ship') {
    const list = anyOut ? x.both : x.eligible;
    const ranked: number[] = [];
    for (let k = 0; k < bothSize; k++) ranked.push(list[k] as number);
    for (let j = 0; j < n; j++) if ((x.assignedTo[j] as number) >= 0) x.inPlan[x.assignedTo[j] as number] = 1;
    ranked.sort((a, b) => (x.inPlan[b] as number) - (x.inPlan[a] as number) || compare(d, a, 0, b, 0));
    let left = 0;
    for (let r = 0; r < count; r++) {
      const j = x.remaining[r] as number;
      const l = lines[j] as LineNeed;
      let total = 0;
      for (const i of ranked) total += Math.max(0, freeAt(d, i, j));
      if (total < l.quantity) {
        x.remaining[left++] = j;
        continue;
      }
      let need = l.quantity;
      const parts: { locationId: string; quantity: number }[] = [];
      for (const i of ranked) {
        const q = Math.min(need, Math.max(0, freeAt(d, i, j)));
        if (q <= 0) continue;
        parts.push({ locationId: pool.locationId[i] as string, quantity: q });
        x.chosen[i] = 1;
        take(d, i, j, q);
        need -= q;
        if (need === 0) break;
      }
      split.set(l.index, parts);
      if (explain) {
        const codes = parts.map((p) => `${pool.code[positionOf(pool, p.locationId)] ?? p.locationId} (${p.quantity})`);
        fallbacks.push(`line ${l.index + 1} (${l.quantity} units) split over ${codes.join(', ')}: no single location has them all`);
      }
    }
    count = left;
  }
  const uncovered: number[] = [];
  for (let r = 0; r < count; r++) uncovered.push((lines[x.remaining[r] as number] as LineNeed).index);
  if (!explain) return { assigned, split, uncovered, explanation: null };
  for (let j = 0; j < n; j++) if ((x.assignedTo[j] as number) >= 0) x.chosen[x.assignedTo[j] as number] = 1;
  return { assigned, split, uncovered, explanation: explanationOf(d, delivery, destination, ruleSet, rules, opts, split, uncovered, fallbacks, balanceNote, byWeeks) };
}

/** Whether a location that serves these regions serves the destination (its province or state, region or country). */
function serves(regions: readonly string[], destination: Place): boolean {
  const country = destination.area !== null ? destination.area.split('-')[0] : undefined;
  for (const r of regions) if (r === destination.area || r === destination.region || (destination.area !== null && r === country)) return true;
  return false;
}

/** Candidate i was given a whole line. */
function givenAny(d: Deciding, i: number): boolean {
  for (let j = 0; j < d.n; j++) if (d.x.assignedTo[j] === i) return true;
  return false;
}

/** The explanation, in the compact form it is stored in (stored-explanation.ts): capture writes one for every order. */
function explanationOf(
  d: Deciding, delivery: Delivery, destination: Place | null, ruleSet: RuleSet, rules: readonly RuleName[], opts: SourceOptions,
  split: ReadonlyMap<number, { locationId: string; quantity: number }[]>, uncovered: number[], fallbacks: string[], balanceNote: string | null, byWeeks: boolean,
): StoredExplanation {
  const { pool, lines, x } = d;
  if (delivery.method === 'ship' && !destination && ruleSet.rules.some((r) => geoRules.includes(r))) {
    fallbacks.unshift(`the address matched no region: ${ruleSet.rules.filter((r) => geoRules.includes(r)).join(', ')} skipped; ranked by ${rules.length > 0 ? rules.join(', ') : 'nothing else'}, then priority order`);
  }
  if (delivery.method === 'pickup') fallbacks.unshift('pickup order: only the pickup store may serve it');
  if (balanceNote) fallbacks.push(balanceNote);
  const codeOf = (locationId: string) => pool.code[positionOf(pool, locationId)] ?? locationId;
  const parcels: [string, number[]][] = [];
  const add = (code: string, index: number, quantity: number) => {
    for (const p of parcels) {
      if (p[0] === code) {
        p[1].push(index, quantity);
        return;
      }
    }
    parcels.push([code, [index, quantity]]);
  };
  for (let j = 0; j < d.n; j++) {
    const l = lines[j] as LineNeed;
    const at = x.assignedTo[j] as number;
    if (at >= 0) add(pool.code[at] as string, l.index, l.quantity);
    const parts = split.size > 0 ? split.get(l.index) : undefined;
    if (parts) for (const p of parts) add(codeOf(p.locationId), l.index, p.quantity);
  }
  const all = ruleSet.rules;
  const scores = all.map((r) => ruleCode[r]);
  const nr = scores.length;
  const size = x.size;
  const c: StoredCandidates = { c: new Array<string>(size), e: new Array<0 | 1>(size), j: new Array<number | string | null>(size), s: new Array<number | null>(size * nr),
    k: new Array<number | null>(size), g: new Array<string | null>(size) };
  const w: number[] | undefined = byWeeks ? new Array<number>(size * 3) : undefined;
  // The chosen locations first, then the others in the order they came.
  let at = 0;
  for (let pass = 1; pass >= 0; pass--) {
    for (let i = 0; i < size; i++) {
      if (x.chosen[i] !== pass) continue;
      const km = x.km[i] as number;
      const shownKm = km === INF ? null : Math.round(km);
      for (let r = 0; r < nr; r++) {
        let score: number | null;
        switch (scores[r]) {
          case 0: score = x.covers[i] as number; break;
          case 1: score = destination ? x.cross[i] as number : null; break;
          case 2: score = shownKm; break;
          case 3: score = x.costShown[i] ?? null; break;
          case 4: score = w ? roundWeeks(x.balance[i] as number) : x.stock[i] as number; break;
          default: score = pool.priority[i] as number;
        }
        c.s[at * nr + r] = score;
      }
      const out = x.out[i];
      c.c[at] = pool.code[i] as string;
      c.e[at] = out === 0 ? 1 : 0;
      c.j[at] = out !== 0 ? storedReason(x.why[i] as string) : pass === 1 ? null : rankedLower;
      c.k[at] = shownKm;
      c.g[at] = pool.site[i]?.place?.area ?? null;
      if (w) {
        w[at * 3] = x.onHand[i] as number;
        w[at * 3 + 1] = Math.round((x.perDay[i] as number) * 100) / 100;
        w[at * 3 + 2] = roundWeeks(x.balance[i] as number);
      }
      at++;
    }
  }
  if (w && x.size > 0) c.w = w;
  const lineNumbers = (flat: number[]) => {
    let out = '';
    for (let i = 0; i < flat.length; i += 2) out += `${i > 0 ? ', ' : ''}${(flat[i] as number) + 1}`;
    return out;
  };
  let summary = parcels.length === 0 ? 'no parcel' : `${parcels.length} parcel(s): `;
  for (let p = 0; p < parcels.length; p++) {
    const [code, flat] = parcels[p] as [string, number[]];
    summary += `${p > 0 ? '; ' : ''}${code} (line${flat.length > 2 ? 's' : ''} ${lineNumbers(flat)})`;
  }
  summary += `${uncovered.length > 0 ? `; line(s) ${uncovered.map((i) => i + 1).join(', ')} not covered by any allowed location` : ''}`
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
  return explanation;
}

const roundWeeks = (weeks: number) => Math.round(weeks * 10) / 10;

/**
 * stock_balance by weeks of supply: for each candidate, the order's SKUs on hand there ÷ their recent demand there a
 * week (less than one unit over the window counts as one, so a location that sells none of them has the most weeks).
 * With no demand for these SKUs at any candidate (or no supply read) the rule keeps ranking by free units; the
 * returned note says which, for the explanation (null: ranked by weeks, the numbers are in the columns).
 */
function weeksOfSupply(d: Deciding, supply: Supply | undefined): string | null {
  const { pool, lines, x, n } = d;
  if (!supply) return 'stock_balance: no demand was read; ranked by free units';
  let anyDemand = false;
  for (let i = 0; i < x.size && !anyDemand; i++) {
    const at = supply.get(pool.locationId[i] as string);
    if (at) for (let j = 0; j < n; j++) if (x.first[j] === j && (at.get((lines[j] as LineNeed).skuId)?.perDay ?? 0) > 0) anyDemand = true;
  }
  if (!anyDemand) return `stock_balance: no demand for these SKUs in the last ${DEMAND_DAYS} days at any candidate; ranked by free units`;
  for (let i = 0; i < x.size; i++) {
    const at = supply.get(pool.locationId[i] as string);
    let onHand = 0;
    let perDay = 0;
    for (let j = 0; j < n; j++) {
      if (x.first[j] !== j) continue;
      const s = at?.get((lines[j] as LineNeed).skuId);
      onHand += s ? s.onHand : (pool.free[i * n + j] as number);
      perDay += s?.perDay ?? 0;
    }
    x.onHand[i] = onHand;
    x.perDay[i] = perDay;
    x.balance[i] = onHand / (Math.max(perDay, 1 / DEMAND_DAYS) * 7);
  }
  return null;
}

/** Candidates from rows of free units per (location, SKU), one per location; rows with nothing free are left out. */
export function candidatesFrom(
  rows: Iterable<StockRow>,
  sites?: ReadonlyMap<string, Site>,
): Candidate[] {
  const byLocation = new Map<string, Candidate & { free: Map<string, number> }>();
  for (const { skuId, free, locationId, code, priority, canShip, canPickup } of rows) {
    if (free <= 0) continue;
    let c = byLocation.get(locationId);
    if (!c) byLocation.set(locationId, (c = { locationId, code, priority, canShip, canPickup, free: new Map<string, number>(), site: sites?.get(locationId) ?? null }));
    c.free.set(skuId, free);
  }
  return [...byLocation.values()];
}

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
 *
 * Capture runs it for every order, with the explanation: the candidates are columns (pool.ts), the rounds work on
 * typed arrays (rounds.ts), the explanation is filled from them (decision-explanation.ts). engine-equivalence.test.ts
 * holds it to the plain form it had before (engine.reference.ts).
 */
import { distanceKm, type Place } from './regions.js';
import { defaultRuleSet, geoRules, type RuleName, type RuleSet } from './rules.js';
import { poolOf, positionOf, type Pool } from './pool.js';
import { explanationOf } from './decision-explanation.js';
import { columns, compare, cover, freeAt, givenAny, INF, ruleCode, take, type Deciding } from './rounds.js';
import type { StoredExplanation } from './stored-explanation.js';

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

const NO_CAPACITY = 'no capacity left today';

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

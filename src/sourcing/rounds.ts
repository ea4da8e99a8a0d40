/**
 * The engine's rounds (engine.ts, step 2) on columns: what it works out per candidate and per line lives in typed
 * arrays reused from one decision to the next, candidates are positions in them, and the ranking compares positions
 * rule after rule. No object, map or closure per candidate (docs/benchmarks.md, "Sourcing on columns").
 */
import type { LineNeed } from './engine.js';
import type { Pool } from './pool.js';
import type { RuleName } from './rules.js';

/** The rules as numbers, for the comparison every round makes. */
export const ruleCode = { fewest_shipments: 0, same_region: 1, nearest: 2, lowest_cost: 3, stock_balance: 4, priority: 5 } as const satisfies Record<RuleName, number>;
export const INF = Number.POSITIVE_INFINITY;

/**
 * What the engine works out per candidate (position i) and per line (position j), column by column. One set serves
 * every decision (the engine is synchronous and returns nothing that points into it), grown when a decision needs more.
 */
export class Columns {
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
export const columns = new Columns();

/** One decision under way: the pool, its lines, the rules it ranks by and the columns. */
export interface Deciding {
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
export function compare(d: Deciding, a: number, am: number, b: number, bm: number): number {
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
export const freeAt = (d: Deciding, i: number, j: number): number =>
  (d.pool.free[i * d.n + j] as number) - (d.tookAny ? (d.x.taken[i * d.n + (d.x.first[j] as number)] as number) : 0);

export function take(d: Deciding, i: number, j: number, quantity: number): void {
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
export function cover(d: Deciding, list: Int32Array, listSize: number, count: number): number {
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

/** Candidate i was given a whole line. */
export function givenAny(d: Deciding, i: number): boolean {
  for (let j = 0; j < d.n; j++) if (d.x.assignedTo[j] === i) return true;
  return false;
}

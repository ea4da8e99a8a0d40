/**
 * How a decision's explanation is stored: a compact form, written by capture's statement for every order, and read
 * back into the `Explanation` the API answers with. Positional arrays instead of keyed objects, the common rejection
 * reasons as numbers, empty lists left out: about a third of the readable form's bytes, which capture pays for in
 * PostgreSQL (parsing, the heap, the WAL) for every order (docs/benchmarks.md, "A cheaper stored decision").
 *
 * `unpackExplanation(packExplanation(e))` equals `e` (src/sourcing/stored-explanation.test.ts); rows written before the
 * compact form (no `v`) are already readable and pass through. `summary` keeps its name and place so SQL can read it.
 */
import type { Explanation } from './engine.js';
import type { RuleName } from './rules.js';

/** Why an eligible location the engine did not choose was not used. */
export const RANKED_LOWER = 'ranked lower, or nothing left for it to cover';

/** Rejection reasons that are always the same words, stored as their position here (1-based). Append only. */
const reasons: readonly string[] = [
  'not the pickup store',
  'does not ship (pickup only)',
  'no capacity left today',
  RANKED_LOWER,
];

/** A rejection reason as stored: its number if it is one of the fixed ones, else its words. */
export function storedReason(rejected: string): number | string {
  const code = reasons.indexOf(rejected) + 1;
  return code > 0 ? code : rejected;
}

/** Candidates as stored before version 2: one array per candidate. */
type CandidateV1 = [location: string, eligible: 0 | 1, rejected: number | string | null, scores: (number | null)[], distanceKm: number | null, region: string | null,
  supply?: [number, number, number]];

/**
 * The candidates, column by column (version 2): a few arrays per decision instead of two per candidate, which is what
 * the engine builds for every order at capture. Position i of each column is candidate i.
 */
export interface StoredCandidates {
  /** Location codes. */
  c: string[];
  /** Eligible (1) or not (0). */
  e: (0 | 1)[];
  /** Why not used: a fixed reason's number, other words as they are, null: used. */
  j: (number | string | null)[];
  /** Scores, flat: `r.length` per candidate, in the order of `r`. */
  s: (number | null)[];
  /** Distance to the destination in km. */
  k: (number | null)[];
  /** The location's region. */
  g: (string | null)[];
  /** stock_balance by weeks of supply, flat triples (on hand, demand a day, weeks); only when ranked by them. */
  w?: number[];
}

interface Common {
  /** Rules, split lines (1/0), rule set source (c/d), delivery method. */
  r: RuleName[]; l: 0 | 1; s: 'c' | 'd'; m: Explanation['deliveryMethod'];
  /** Destination: how, region, area, label. */
  d: [Explanation['destination']['how'], string | null, string | null, string];
  k?: Exclude<Explanation['costModel'], null>;
  f?: string[];
  /** Parcels: location, then line index and quantity pairs, flat. */
  p: [string, number[]][];
  u?: number[];
  summary: string;
}

export interface StoredExplanation extends Common {
  v: 2;
  c: StoredCandidates;
}

interface StoredExplanationV1 extends Common {
  v: 1;
  c: CandidateV1[];
}

export function packExplanation(e: Explanation): StoredExplanation {
  const c: StoredCandidates = { c: [], e: [], j: [], s: [], k: [], g: [] };
  for (const x of e.candidates) {
    c.c.push(x.location);
    c.e.push(x.eligible ? 1 : 0);
    c.j.push(x.rejected === null ? null : storedReason(x.rejected));
    for (const rule of e.rules) c.s.push(x.scores[rule] ?? null);
    c.k.push(x.distanceKm);
    c.g.push(x.region);
    if (x.supply) (c.w ??= []).push(x.supply.onHand, x.supply.demandPerDay, x.supply.weeks);
  }
  const p: [string, number[]][] = e.parcels.map((x) => [x.location, x.lines.flatMap((l) => [l.index, l.quantity])]);
  const stored: StoredExplanation = {
    v: 2, r: e.rules, l: e.splitLines ? 1 : 0, s: e.ruleSet === 'channel' ? 'c' : 'd', m: e.deliveryMethod,
    d: [e.destination.how, e.destination.region, e.destination.area, e.destination.label], c, p, summary: e.summary,
  };
  if (e.costModel !== null) stored.k = e.costModel;
  if (e.fallbacks.length > 0) stored.f = e.fallbacks;
  if (e.uncovered.length > 0) stored.u = e.uncovered;
  return stored;
}

const reasonOf = (rejected: number | string | null) => (typeof rejected === 'number' ? reasons[rejected - 1] ?? `reason ${rejected}` : rejected);

function candidatesOf(s: StoredExplanation | StoredExplanationV1): Explanation['candidates'] {
  if (s.v === 1) {
    return s.c.map(([location, eligible, rejected, scores, distanceKm, region, supply]) => ({
      location, eligible: eligible === 1, rejected: reasonOf(rejected),
      scores: Object.fromEntries(s.r.map((rule, i) => [rule, scores[i] ?? null])),
      distanceKm, region,
      ...(supply && { supply: { onHand: supply[0], demandPerDay: supply[1], weeks: supply[2] } }),
    }));
  }
  const c = s.c;
  const n = s.r.length;
  return c.c.map((location, i) => ({
    location, eligible: c.e[i] === 1, rejected: reasonOf(c.j[i] ?? null),
    scores: Object.fromEntries(s.r.map((rule, r) => [rule, c.s[i * n + r] ?? null])),
    distanceKm: c.k[i] ?? null, region: c.g[i] ?? null,
    ...(c.w && { supply: { onHand: c.w[i * 3] as number, demandPerDay: c.w[i * 3 + 1] as number, weeks: c.w[i * 3 + 2] as number } }),
  }));
}

/** The readable explanation of a stored one, compact (version 1 or 2) or (rows from before the compact form) already readable. */
export function unpackExplanation(stored: unknown): Explanation {
  const s = stored as StoredExplanation | StoredExplanationV1 | Explanation;
  if (!('v' in s)) return s;
  return {
    rules: s.r, splitLines: s.l === 1, ruleSet: s.s === 'c' ? 'channel' : 'default', deliveryMethod: s.m,
    destination: { how: s.d[0], region: s.d[1], area: s.d[2], label: s.d[3] },
    costModel: s.k ?? null,
    fallbacks: s.f ?? [],
    candidates: candidatesOf(s),
    parcels: s.p.map(([location, flat]) => {
      const lines: { index: number; quantity: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) lines.push({ index: flat[i] as number, quantity: flat[i + 1] as number });
      return { location, lines };
    }),
    uncovered: s.u ?? [],
    summary: s.summary,
  };
}

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

/** Rejection reasons that are always the same words, stored as their position here (1-based). Append only. */
const reasons = [
  'not the pickup store',
  'does not ship (pickup only)',
  'no capacity left today',
  'ranked lower, or nothing left for it to cover',
] as const;

type Candidate = [location: string, eligible: 0 | 1, rejected: number | string | null, scores: (number | null)[], distanceKm: number | null, region: string | null,
  /** stock_balance by weeks of supply: on hand, demand per day, weeks (only when ranked by them). */
  supply?: [number, number, number]];

export interface StoredExplanation {
  v: 1;
  /** Rules, split lines (1/0), rule set source (c/d), delivery method. */
  r: RuleName[]; l: 0 | 1; s: 'c' | 'd'; m: Explanation['deliveryMethod'];
  /** Destination: how, region, area, label. */
  d: [Explanation['destination']['how'], string | null, string | null, string];
  k?: Exclude<Explanation['costModel'], null>;
  f?: string[];
  /** Candidates; each score in the order of `r`. */
  c: Candidate[];
  /** Parcels: location, then line index and quantity pairs, flat. */
  p: [string, number[]][];
  u?: number[];
  summary: string;
}

export function packExplanation(e: Explanation): StoredExplanation {
  const c: Candidate[] = e.candidates.map((x) => {
    const code = x.rejected === null ? 0 : reasons.indexOf(x.rejected as (typeof reasons)[number]) + 1;
    const packed: Candidate = [x.location, x.eligible ? 1 : 0, x.rejected === null ? null : code > 0 ? code : x.rejected,
      e.rules.map((rule) => x.scores[rule] ?? null), x.distanceKm, x.region];
    if (x.supply) packed.push([x.supply.onHand, x.supply.demandPerDay, x.supply.weeks]);
    return packed;
  });
  const p: [string, number[]][] = e.parcels.map((x) => [x.location, x.lines.flatMap((l) => [l.index, l.quantity])]);
  const stored: StoredExplanation = {
    v: 1, r: e.rules, l: e.splitLines ? 1 : 0, s: e.ruleSet === 'channel' ? 'c' : 'd', m: e.deliveryMethod,
    d: [e.destination.how, e.destination.region, e.destination.area, e.destination.label], c, p, summary: e.summary,
  };
  if (e.costModel !== null) stored.k = e.costModel;
  if (e.fallbacks.length > 0) stored.f = e.fallbacks;
  if (e.uncovered.length > 0) stored.u = e.uncovered;
  return stored;
}

/** The readable explanation of a stored one, compact or (rows from before the compact form) already readable. */
export function unpackExplanation(stored: unknown): Explanation {
  const s = stored as StoredExplanation | Explanation;
  if (!('v' in s)) return s;
  return {
    rules: s.r, splitLines: s.l === 1, ruleSet: s.s === 'c' ? 'channel' : 'default', deliveryMethod: s.m,
    destination: { how: s.d[0], region: s.d[1], area: s.d[2], label: s.d[3] },
    costModel: s.k ?? null,
    fallbacks: s.f ?? [],
    candidates: s.c.map(([location, eligible, rejected, scores, distanceKm, region, supply]) => ({
      location, eligible: eligible === 1,
      rejected: typeof rejected === 'number' ? reasons[rejected - 1] ?? `reason ${rejected}` : rejected,
      scores: Object.fromEntries(s.r.map((rule, i) => [rule, scores[i] ?? null])),
      distanceKm, region,
      ...(supply && { supply: { onHand: supply[0], demandPerDay: supply[1], weeks: supply[2] } }),
    })),
    parcels: s.p.map(([location, flat]) => {
      const lines: { index: number; quantity: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) lines.push({ index: flat[i] as number, quantity: flat[i + 1] as number });
      return { location, lines };
    }),
    uncovered: s.u ?? [],
    summary: s.summary,
  };
}

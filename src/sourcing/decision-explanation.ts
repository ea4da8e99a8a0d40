/** The explanation of a decision (engine.ts), built in the compact form it is stored in, straight from the rounds' columns. */
import type { Delivery, LineNeed, SourceOptions } from './engine.js';
import { positionOf } from './pool.js';
import type { Place } from './regions.js';
import { INF, ruleCode, type Deciding } from './rounds.js';
import { geoRules, type RuleName, type RuleSet } from './rules.js';
import { RANKED_LOWER, storedReason, type StoredCandidates, type StoredExplanation } from './stored-explanation.js';

const rankedLower = storedReason(RANKED_LOWER);

/** The explanation, in the compact form it is stored in (stored-explanation.ts): capture writes one for every order. */
export function explanationOf(
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

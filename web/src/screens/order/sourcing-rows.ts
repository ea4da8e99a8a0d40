/**
 * A sourcing decision's explanation (GET /v1/orders/{id}/sourcing) as the rows of a table: one per candidate location,
 * the chosen ones first (in parcel order), each rule's score in the rule set's order, and why a location was not
 * used as a message key with its values. Pure: the screen translates what this returns.
 */
import type { MessageKey } from '../../i18n.js';
import type { SourcingCandidate, SourcingExplanation } from '../../types.js';

export interface Message { key: MessageKey; values?: Record<string, string | number> }

export interface ScoreCell { rule: string; message: Message | null }

export interface CandidateRow {
  location: string;
  chosen: boolean;
  /** Units of each line shipped from here (1-based line numbers of the request), when chosen. */
  parcel: { line: number; quantity: number }[];
  scores: ScoreCell[];
  rejected: Message | null;
  distanceKm: number | null;
}

/** Reasons the engine words always the same (src/sourcing/engine.ts); the others carry a value. */
const fixedReasons: Record<string, MessageKey> = {
  'not the pickup store': 'order.sourcing.reject.notPickupStore',
  'does not ship (pickup only)': 'order.sourcing.reject.pickupOnly',
  'no capacity left today': 'order.sourcing.reject.noCapacity',
  'ranked lower, or nothing left for it to cover': 'order.sourcing.reject.rankedLower',
};

export function rejectionMessage(reason: string | null): Message | null {
  if (reason === null) return null;
  const fixed = fixedReasons[reason];
  if (fixed) return { key: fixed };
  const serve = /^does not serve (.+)$/.exec(reason);
  if (serve) return { key: 'order.sourcing.reject.doesNotServe', values: { area: serve[1]! } };
  const cutoff = /^past its cut-off \((.+)\)$/.exec(reason);
  if (cutoff) return { key: 'order.sourcing.reject.pastCutoff', values: { cutoff: cutoff[1]! } };
  // A reason this screen does not know yet: shown as the API words it rather than hidden.
  return { key: 'order.sourcing.reject.other', values: { reason } };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A rule's score for one location, in words: what the number means depends on the rule (docs/sourcing.md). */
export function scoreMessage(rule: string, value: number | null | undefined, candidate?: Pick<SourcingCandidate, 'supply'>): Message | null {
  if (value === null || value === undefined) return null;
  switch (rule) {
    case 'fewest_shipments': return { key: 'order.sourcing.score.linesWhole', values: { count: value } };
    case 'same_region': return { key: value === 0 ? 'order.sourcing.score.sameRegion' : 'order.sourcing.score.otherRegion' };
    case 'nearest': return { key: 'order.sourcing.score.km', values: { km: round(value, 0) } };
    case 'lowest_cost': return { key: 'order.sourcing.score.cost', values: { cost: round(value, 2) } };
    case 'stock_balance': return candidate?.supply
      ? { key: 'order.sourcing.score.weeks', values: { weeks: round(value, 1) } }
      : { key: 'order.sourcing.score.freeUnits', values: { count: value } };
    case 'priority': return { key: 'order.sourcing.score.priority', values: { priority: value } };
    default: return { key: 'order.sourcing.score.number', values: { value } };
  }
}

export function candidateRows(e: SourcingExplanation): CandidateRow[] {
  const chosenOrder = e.parcels.map((p) => p.location);
  const rows = e.candidates.map((c): CandidateRow => {
    const parcel = e.parcels.find((p) => p.location === c.location);
    return {
      location: c.location,
      chosen: parcel !== undefined,
      parcel: (parcel?.lines ?? []).map((l) => ({ line: l.index + 1, quantity: l.quantity })),
      scores: e.rules.map((rule) => ({ rule, message: scoreMessage(rule, c.scores[rule], c) })),
      rejected: parcel ? null : rejectionMessage(c.rejected),
      distanceKm: c.distanceKm,
    };
  });
  // Chosen first in the parcels' order; the others keep the API's order. sort is stable.
  const rank = (r: CandidateRow) => (r.chosen ? chosenOrder.indexOf(r.location) : chosenOrder.length);
  return rows.sort((a, b) => rank(a) - rank(b));
}

/** The locations the decision ships from, in parcel order. */
export const chosenLocations = (e: SourcingExplanation): string[] => e.parcels.map((p) => p.location);

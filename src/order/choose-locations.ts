/**
 * Where each line is reserved, until the sourcing module replaces this rule (DESIGN.md "Capture reserves; sourcing
 * decides later"): a pickup order only at its store; otherwise one active shipping location that covers every line
 * (lowest priority number first), else the fewest locations (greedy, by lines covered, then priority). Lines no
 * location covers are left out (backordered, or the capture is refused). Pure: data in, decision out.
 */
export interface Candidate {
  locationId: string;
  code: string;
  priority: number;
  canShip: boolean;
  canPickup: boolean;
  /** Free units per SKU id at this location. */
  free: Map<string, number>;
}

export interface LineNeed {
  index: number;
  skuId: string;
  quantity: number;
}

export interface Choice {
  /** Line index → location id, for the lines that can be reserved. */
  assigned: Map<number, string>;
  /** Lines no allowed location can cover whole. */
  uncovered: number[];
}

/** Candidates from rows of free units per (location, SKU), one per location; rows with nothing free are left out. */
export function candidatesFrom(rows: Iterable<{ locationId: string; code: string; priority: number; canShip: boolean; canPickup: boolean; skuId: string; free: number }>): Candidate[] {
  const byLocation = new Map<string, Candidate>();
  for (const { skuId, free, locationId, code, priority, canShip, canPickup } of rows) {
    if (free <= 0) continue;
    const c = byLocation.get(locationId) ?? { locationId, code, priority, canShip, canPickup, free: new Map<string, number>() };
    c.free.set(skuId, free);
    byLocation.set(locationId, c);
  }
  return [...byLocation.values()];
}

const byPreference = (a: Candidate, b: Candidate) => a.priority - b.priority || a.code.localeCompare(b.code);

function covers(candidate: Candidate, lines: readonly LineNeed[]): boolean {
  const wanted = new Map<string, number>();
  for (const l of lines) wanted.set(l.skuId, (wanted.get(l.skuId) ?? 0) + l.quantity);
  return [...wanted].every(([sku, qty]) => (candidate.free.get(sku) ?? 0) >= qty);
}

export function chooseLocations(lines: readonly LineNeed[], candidates: readonly Candidate[], delivery: { method: 'ship' | 'pickup'; pickupLocationId?: string | null }): Choice {
  const assigned = new Map<number, string>();
  const allowed = delivery.method === 'pickup'
    ? candidates.filter((c) => c.locationId === delivery.pickupLocationId)
    : candidates.filter((c) => c.canShip);
  const sorted = [...allowed].sort(byPreference);

  const single = sorted.find((c) => covers(c, lines));
  if (single) {
    for (const l of lines) assigned.set(l.index, single.locationId);
    return { assigned, uncovered: [] };
  }

  // Greedy set cover: each round takes the location that covers the most remaining lines whole.
  const left = sorted.map((c) => ({ ...c, free: new Map(c.free) }));
  let remaining = [...lines];
  while (remaining.length > 0) {
    let best: { candidate: (typeof left)[number]; lines: LineNeed[] } | undefined;
    for (const candidate of left) {
      const free = new Map(candidate.free);
      const fits = remaining.filter((l) => {
        const have = free.get(l.skuId) ?? 0;
        if (have < l.quantity) return false;
        free.set(l.skuId, have - l.quantity);
        return true;
      });
      if (fits.length > (best?.lines.length ?? 0)) best = { candidate, lines: fits };
    }
    if (!best) break;
    for (const l of best.lines) {
      assigned.set(l.index, best.candidate.locationId);
      best.candidate.free.set(l.skuId, (best.candidate.free.get(l.skuId) ?? 0) - l.quantity);
    }
    const taken = new Set(best.lines.map((l) => l.index));
    remaining = remaining.filter((l) => !taken.has(l.index));
  }
  return { assigned, uncovered: remaining.map((l) => l.index) };
}

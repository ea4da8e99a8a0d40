/**
 * Free stock by location for a batch of orders, indexed once: an order's candidates are the locations holding any of
 * its SKUs, the same objects for every order of the batch. Orders decided one after another take from it, and the
 * orders they give a location count against its daily capacity.
 *
 * Capture used to build each order's candidates anew from the batch's rows (a location object, a map of free units,
 * every site's facts), about half of a decision's CPU (docs/benchmarks.md, "Sourcing decisions per second").
 * `candidatesFrom` (engine.ts) still serves the paths that decide one order.
 */
import type { Candidate, Site, StockRow } from './engine.js';

interface Entry {
  candidate: Candidate & { free: Map<string, number> };
  /** The last call of `candidatesFor` that listed it. */
  mark: number;
}

export class StockIndex {
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

/**
 * Free stock by location for a batch of orders, indexed once: an order's candidates are the locations holding any of
 * its SKUs. Orders decided one after another take from it, and the orders they give a location count against its
 * daily capacity.
 *
 * Locations and SKUs are small integer slots: per SKU, the locations holding it and their free units as one array of
 * numbers, in the order the rows came; per location, its facts in columns. An order's pool (pool.ts) is filled
 * straight from them, with no object or map per candidate — this was half of a decision's CPU when each order got
 * its own candidate objects (docs/benchmarks.md, "Sourcing on columns").
 */
import type { LineNeed, Site, StockRow } from './engine.js';
import { addCandidate, emptyPool, type Pool } from './pool.js';

export class StockIndex {
  private readonly slotOf = new Map<string, number>();
  private readonly locationId: string[] = [];
  private readonly code: string[] = [];
  private readonly priority: number[] = [];
  private readonly canShip: boolean[] = [];
  private readonly canPickup: boolean[] = [];
  private readonly site: (Site | null)[] = [];
  private readonly skuSlot = new Map<string, number>();
  /** Per SKU slot: location slot, free units, location slot, free units, … */
  private readonly held: number[][] = [];
  /** Per location slot: the last `poolFor` call that listed it, and its position in that pool. */
  private readonly mark: number[] = [];
  private readonly position: number[] = [];
  private calls = 0;

  /** `sites`: where each location is and what it can take today; this index counts the loads it is given on them. */
  constructor(rows: Iterable<StockRow>, private readonly sites: ReadonlyMap<string, Site> = new Map()) {
    for (const { skuId, free, locationId, code, priority, canShip, canPickup } of rows) {
      if (free <= 0) continue;
      let loc = this.slotOf.get(locationId);
      if (loc === undefined) {
        loc = this.locationId.length;
        this.slotOf.set(locationId, loc);
        this.locationId.push(locationId);
        this.code.push(code);
        this.priority.push(priority);
        this.canShip.push(canShip);
        this.canPickup.push(canPickup);
        this.site.push(sites.get(locationId) ?? null);
        this.mark.push(0);
        this.position.push(0);
      }
      let sku = this.skuSlot.get(skuId);
      if (sku === undefined) {
        sku = this.held.length;
        this.skuSlot.set(skuId, sku);
        this.held.push([]);
      }
      const list = this.held[sku] as number[];
      const at = indexIn(list, loc);
      if (at >= 0) list[at + 1] = free;
      else list.push(loc, free);
    }
  }

  /**
   * The pool of these lines: the locations with free units of any of their SKUs, each once, in the order of the
   * lines then of the rows, with their free units of each line's SKU.
   */
  poolFor(lines: readonly LineNeed[]): Pool {
    const call = ++this.calls;
    const n = lines.length;
    const pool = emptyPool(n);
    const lists: (number[] | undefined)[] = [];
    for (const l of lines) {
      const sku = this.skuSlot.get(l.skuId);
      const list = sku === undefined ? undefined : this.held[sku];
      lists.push(list);
      if (!list) continue;
      for (let k = 0; k < list.length; k += 2) {
        const loc = list[k] as number;
        if (this.mark[loc] === call || (list[k + 1] as number) <= 0) continue;
        this.mark[loc] = call;
        this.position[loc] = addCandidate(pool, this.locationId[loc] as string, this.code[loc] as string, this.priority[loc] as number,
          this.canShip[loc] as boolean, this.canPickup[loc] as boolean, this.site[loc] ?? null);
      }
    }
    for (let j = 0; j < n; j++) {
      const list = lists[j];
      if (!list) continue;
      for (let k = 0; k < list.length; k += 2) {
        const loc = list[k] as number;
        if (this.mark[loc] === call) pool.free[(this.position[loc] as number) * n + j] = list[k + 1] as number;
      }
    }
    return pool;
  }

  /** An order decided earlier in the batch took these units. */
  take(skuId: string, locationId: string, quantity: number): void {
    const sku = this.skuSlot.get(skuId);
    const loc = this.slotOf.get(locationId);
    if (sku === undefined || loc === undefined) return;
    const list = this.held[sku] as number[];
    const at = indexIn(list, loc);
    if (at >= 0) list[at + 1] = (list[at + 1] as number) - quantity;
  }

  /** An order decided earlier in the batch ships from this location today: one less it can take. */
  addLoad(locationId: string): void {
    const site = this.sites.get(locationId);
    if (site && site.capacityLeft !== null) site.capacityLeft -= 1;
  }
}

/** Where location slot `loc` is in a SKU's list (-1: not there). */
function indexIn(list: readonly number[], loc: number): number {
  for (let k = 0; k < list.length; k += 2) if (list[k] === loc) return k;
  return -1;
}

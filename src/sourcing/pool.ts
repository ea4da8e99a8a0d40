/**
 * An order's candidate locations column by column, as the engine reads them: position i of each column is candidate
 * i, and `free` holds, for each candidate, the free units of each of the order's lines' SKUs. No object, map or
 * closure per candidate: capture decides every order on one (docs/benchmarks.md, "Sourcing on columns"). `poolOf`
 * builds one from `Candidate` objects (the paths that decide one order), `poolFromRows` straight from one order's
 * stock rows, `StockIndex.poolFor` from a batch's index.
 */
import type { Candidate, LineNeed, Site, StockRow } from './engine.js';

export interface Pool {
  locationId: string[];
  code: string[];
  priority: number[];
  canShip: boolean[];
  canPickup: boolean[];
  site: (Site | null)[];
  /** Free units of line j's SKU (its position in the order's lines) at candidate i: `free[i * width + j]`; 0 if none. */
  free: number[];
  /** The number of lines the pool was built for. */
  width: number;
}

export const emptyPool = (width: number): Pool => ({ locationId: [], code: [], priority: [], canShip: [], canPickup: [], site: [], free: [], width });

/** Appends a candidate (its free units all 0) and returns its position. */
export function addCandidate(pool: Pool, locationId: string, code: string, priority: number, canShip: boolean, canPickup: boolean, site: Site | null): number {
  const i = pool.locationId.length;
  pool.locationId.push(locationId);
  pool.code.push(code);
  pool.priority.push(priority);
  pool.canShip.push(canShip);
  pool.canPickup.push(canPickup);
  pool.site.push(site);
  for (let j = 0; j < pool.width; j++) pool.free.push(0);
  return i;
}

/** The pool of these candidates for these lines (what `source` decides on). */
export function poolOf(candidates: readonly Candidate[], lines: readonly LineNeed[]): Pool {
  const pool = emptyPool(lines.length);
  for (const c of candidates) {
    const i = addCandidate(pool, c.locationId, c.code, c.priority, c.canShip, c.canPickup, c.site ?? null);
    for (let j = 0; j < lines.length; j++) pool.free[i * lines.length + j] = c.free.get((lines[j] as LineNeed).skuId) ?? 0;
  }
  return pool;
}

/**
 * One order's pool from stock rows of free units per (location, SKU), as `candidatesFrom` would group them: one
 * candidate per location in the order its first row with free units came; rows with nothing free are left out.
 */
export function poolFromRows(rows: Iterable<StockRow>, lines: readonly LineNeed[], sites?: ReadonlyMap<string, Site>): Pool {
  const pool = emptyPool(lines.length);
  const n = lines.length;
  const at = new Map<string, number>();
  for (const { skuId, free, locationId, code, priority, canShip, canPickup } of rows) {
    if (free <= 0) continue;
    let i = at.get(locationId);
    if (i === undefined) at.set(locationId, (i = addCandidate(pool, locationId, code, priority, canShip, canPickup, sites?.get(locationId) ?? null)));
    for (let j = 0; j < n; j++) if ((lines[j] as LineNeed).skuId === skuId) pool.free[i * n + j] = free;
  }
  return pool;
}

/** The position of a location among the pool's candidates (-1: not one). */
export const positionOf = (pool: Pool, locationId: string): number => pool.locationId.indexOf(locationId);

/** The free units of a SKU at candidate i (0 if none of the pool's lines is of that SKU). */
export function freeOf(pool: Pool, lines: readonly LineNeed[], i: number, skuId: string): number {
  for (let j = 0; j < lines.length; j++) if ((lines[j] as LineNeed).skuId === skuId) return pool.free[i * pool.width + j] as number;
  return 0;
}

/**
 * What-if: a rule set run over past orders, beside the rule set in force, changing nothing (POST
 * /v1/sourcing/simulations). Each order is decided alone against the units on hand now at each active location
 * (on hand less quarantined: there is no history of stock), once with the proposed rule set and once with its
 * channel's rule set in force, so the two columns differ only by the rules. stock_balance ranks by weeks of supply as
 * at capture: today's on hand and recent demand, read once for the simulated orders' SKUs when either rule set uses it.
 */
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { splitRefs } from '../db/refs.js';
import { AppError } from '../shared/errors.js';
import { DEMAND_DAYS, distanceCost, sourcePool, type Decision, type LineNeed, type Site, type StockRow, type Supply } from './engine.js';
import { poolFromRows } from './pool.js';
import { readSupply } from './demand.repository.js';
import { distanceKm, locate, type Place } from './regions.js';
import { checkRuleSet, type RuleSet } from './rules.js';
import type { SimulationMetrics, SimulationRequest, SimulationResult } from './sourcing.js';
import { readSites, ruleSetOf, sitesFrom, type RuleSetFact } from './sourcing.repository.js';

export interface PastOrder {
  id: string; number: string; channelId: string; deliveryMethod: 'ship' | 'pickup'; pickupLocationId: string | null;
  address: { country?: string | null; state?: string | null; city?: string | null; region?: string | null; coordinates?: { lat: number; lon: number } | null } | null;
  skus: string[]; quantities: number[];
}

class Tally {
  orders = 0; parcels = 0; split = 0; km = 0; kmParcels = 0; cross = 0; crossKnown = 0; cost = 0; costKnown = 0; uncovered = 0;

  add(d: Decision, lines: readonly LineNeed[], sites: ReadonlyMap<string, Site>, destination: Place | null) {
    const units = new Map<string, number>();
    for (const l of lines) {
      const at = d.assigned.get(l.index);
      if (at) units.set(at, (units.get(at) ?? 0) + l.quantity);
      for (const p of d.split.get(l.index) ?? []) units.set(p.locationId, (units.get(p.locationId) ?? 0) + p.quantity);
    }
    this.orders++;
    this.parcels += units.size;
    if (units.size > 1) this.split++;
    this.uncovered += d.uncovered.length;
    for (const [locationId, n] of units) {
      const site = sites.get(locationId) ?? null;
      const place = site?.place;
      if (!place || !destination) continue;
      this.km += distanceKm(place, destination);
      this.kmParcels++;
      this.crossKnown++;
      if (place.area !== destination.area) this.cross++;
      const cost = distanceCost(site, destination, n);
      if (cost !== null) {
        this.cost += cost;
        this.costKnown++;
      }
    }
  }

  metrics(): SimulationMetrics {
    const r = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      parcelsPerOrder: this.orders ? r(this.parcels / this.orders) : 0, splitRate: this.orders ? r(this.split / this.orders) : 0,
      averageDistanceKm: this.kmParcels ? r(this.km / this.kmParcels, 1) : null, crossRegionShare: this.crossKnown ? r(this.cross / this.crossKnown) : null,
      estimatedCost: this.costKnown ? r(this.cost, 2) : null, uncoveredLines: this.uncovered,
    };
  }
}

/**
 * The pure part: decide every order with both rule sets and count. Each order's pool (pool.ts) is built from the rows
 * of its own SKUs, the free units of its lines only (a location's whole range would make every lookup a cache miss).
 */
export function simulate(
  orders: readonly PastOrder[], stock: readonly StockRow[], sites: ReadonlyMap<string, Site>, proposed: RuleSet, inForce: (channelId: string) => RuleSet,
  changedLimit: number, supply?: Supply,
): Omit<SimulationResult, 'ms' | 'basis'> {
  // A location's code as its candidate has it: from its first row with free units.
  const codes = new Map<string, string>();
  const code = (id: string) => codes.get(id) ?? id;
  const bySku = new Map<string, StockRow[]>();
  for (const row of stock) {
    if (row.free > 0 && !codes.has(row.locationId)) codes.set(row.locationId, row.code);
    const list = bySku.get(row.skuId);
    if (list) list.push(row);
    else bySku.set(row.skuId, [row]);
  }
  const places = new Map<string, Place | null>();
  const a = new Tally();
  const b = new Tally();
  const changed: SimulationResult['changed'] = { count: 0, orders: [] };
  for (const o of orders) {
    const lines: LineNeed[] = o.skus.map((skuId, index) => ({ index, skuId, quantity: o.quantities[index] as number }));
    const rows: StockRow[] = [];
    for (const skuId of new Set(o.skus)) for (const row of bySku.get(skuId) ?? []) rows.push(row);
    const pool = poolFromRows(rows, lines, sites);
    let destination: Place | null = null;
    if (o.deliveryMethod === 'ship' && o.address) {
      const key = JSON.stringify(o.address);
      destination = places.get(key) ?? null;
      if (!places.has(key)) places.set(key, (destination = locate(o.address)));
    }
    const delivery = { method: o.deliveryMethod, pickupLocationId: o.pickupLocationId, destination };
    const next = sourcePool(lines, pool, delivery, { ruleSet: proposed, explain: false, supply });
    const now = sourcePool(lines, pool, delivery, { ruleSet: inForce(o.channelId), explain: false, supply });
    a.add(next, lines, sites, destination);
    b.add(now, lines, sites, destination);
    const where = (d: Decision) => lines.map((l) => {
      const at = d.assigned.get(l.index);
      return at ? code(at) : d.split.has(l.index) ? (d.split.get(l.index) ?? []).map((p) => `${code(p.locationId)}×${p.quantity}`).join('+') : '-';
    });
    const x = where(next);
    const y = where(now);
    if (x.some((v, i) => v !== y[i])) {
      changed.count++;
      if (changed.orders.length < changedLimit) changed.orders.push({ orderId: o.id, number: o.number, current: y, proposed: x });
    }
  }
  return { orders: orders.length, proposed: a.metrics(), current: b.metrics(), changed };
}

/** Reads the orders and stock, then simulates. Reads only. */
export async function runSimulation(db: DbOrTrx, input: SimulationRequest): Promise<SimulationResult> {
  const started = performance.now();
  const proposed = checkRuleSet(input.ruleSet, '/body/ruleSet');
  let channelId: string | null = null;
  if (input.channel) {
    const refs = splitRefs([input.channel]);
    const row = await db.selectFrom('channels').select('id').where((eb) => eb.or([eb('code', 'in', refs.codes.length ? refs.codes : ['']), eb('id', 'in', refs.ids.length ? refs.ids : ['00000000-0000-0000-0000-000000000000'])])).executeTakeFirst();
    if (!row) throw new AppError('not_found', `unknown channel "${input.channel}"`, { missing: [{ kind: 'channel', ref: input.channel }] });
    channelId = row.id;
  }
  const limit = input.limit ?? 10_000;
  const orders = await sql<PastOrder>`
    SELECT o.id, o.number, o.channel_id AS "channelId", o.delivery_method AS "deliveryMethod", o.pickup_location_id AS "pickupLocationId",
      CASE WHEN o.shipping_address IS NULL THEN NULL ELSE jsonb_build_object('country', o.shipping_address->>'country',
        'state', o.shipping_address->>'state', 'city', o.shipping_address->>'city', 'region', o.shipping_address->>'region',
        'coordinates', o.shipping_address->'coordinates') END AS address,
      (SELECT array_agg(l.sku_id ORDER BY l.line_no) FROM order_lines l WHERE l.order_id = o.id AND l.quantity > l.cancelled) AS skus,
      (SELECT array_agg(l.quantity - l.cancelled ORDER BY l.line_no) FROM order_lines l WHERE l.order_id = o.id AND l.quantity > l.cancelled) AS quantities
    FROM orders o
    WHERE o.status <> 'cancelled'
      AND (${channelId}::uuid IS NULL OR o.channel_id = ${channelId}::uuid)
      AND (${input.from ?? null}::timestamptz IS NULL OR o.placed_at >= ${input.from ?? null}::timestamptz)
      AND (${input.to ?? null}::timestamptz IS NULL OR o.placed_at < ${input.to ?? null}::timestamptz)
    ORDER BY o.placed_at DESC, o.id DESC
    LIMIT ${limit}
  `.execute(db);
  const stock = await sql<StockRow>`
    SELECT s.location_id AS "locationId", l.code, l.priority, l.can_ship AS "canShip", l.can_pickup AS "canPickup", s.sku_id AS "skuId",
      s.on_hand - s.quarantined AS free
    FROM stock_levels s JOIN locations l ON l.id = s.location_id AND l.active
    WHERE s.on_hand - s.quarantined > 0
  `.execute(db);
  // Capacity and cut-off are today's, not the orders' own day: the simulation leaves them out.
  const sites = sitesFrom((await readSites(db)).map((s) => ({ ...s, capacity: null, pastCutoff: false })));
  const ruleSets = await db.selectFrom('sourcing_rule_sets').select(['channel_id as channelId', 'rules', 'split_lines as splitLines', 'version']).execute();
  const facts = ruleSets.map((r) => ({ ...r, rules: r.rules })) as unknown as RuleSetFact[];
  const past = orders.rows.filter((o) => o.skus !== null);
  const inForce = (id: string) => ruleSetOf(facts, id).ruleSet;
  // stock_balance ranks by weeks of supply as capture does, so the simulated orders' SKUs' on hand and recent demand
  // are read once (one query for all of them) when either rule set ranks by it; neither does: nothing to read.
  const balances = proposed.rules.includes('stock_balance') || [...new Set(past.map((o) => o.channelId))].some((id) => inForce(id).rules.includes('stock_balance'));
  const supply = balances ? await readSupply(db, [...new Set(past.flatMap((o) => o.skus))]) : undefined;
  const result = simulate(past, stock.rows, sites, proposed, inForce, input.changedLimit ?? 100, supply);
  return {
    ...result,
    basis: 'each order alone, against the units on hand now at active locations; capacity and cut-off left out; cost estimated from distance'
      + (balances ? `; stock_balance by weeks of supply (on hand now ÷ the last ${DEMAND_DAYS} days' demand; an order whose SKUs had none ranked by free units)` : ''),
    ms: Math.round(performance.now() - started),
  };
}

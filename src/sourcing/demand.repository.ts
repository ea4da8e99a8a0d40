/**
 * Recent demand per SKU and location, for the `stock_balance` rule (weeks of supply = on hand ÷ demand). The job
 * `sourcing.refresh-demand` (hourly) rewrites `sku_location_demand` from the order lines placed in the last
 * `DEMAND_DAYS` days at each location; capture reads it in its facts statement (`supplyJson`) only when a batch
 * channel's rule set uses stock_balance, and the other callers (`readSupply`) only then too.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.js';
import { DEMAND_DAYS, type Supply } from './engine.js';

/** One (location, SKU): on hand (less quarantined) and units ordered a day over the window. */
export interface SupplyFact { locationId: string; skuId: string; onHand: number; perDay: number }

/** Rewrites the demand table from the order lines of the last DEMAND_DAYS days (cancelled units left out). */
export async function refreshDemand(db: Db, days = DEMAND_DAYS): Promise<{ rows: number }> {
  return db.transaction().execute(async (trx) => {
    await sql`DELETE FROM sku_location_demand`.execute(trx);
    const r = await sql`
      INSERT INTO sku_location_demand (sku_id, location_id, units, days)
      SELECT l.sku_id, l.location_id, sum(l.quantity - l.cancelled)::int, ${days}::int
      FROM orders o JOIN order_lines l ON l.order_id = o.id
      WHERE o.placed_at > now() - make_interval(days => ${days}::int) AND o.status <> 'cancelled' AND l.location_id IS NOT NULL
      GROUP BY l.sku_id, l.location_id
      HAVING sum(l.quantity - l.cancelled) > 0`.execute(trx);
    return { rows: Number(r.numAffectedRows ?? 0) };
  });
}

const supplyColumns = (s: string) => {
  const a = sql.raw(s);
  return sql`json_build_object('locationId', ${a}.location_id, 'skuId', ${a}.sku_id, 'onHand', ${a}.on_hand - ${a}.quarantined,
    'perDay', coalesce((SELECT d.units::float8 / d.days FROM sku_location_demand d WHERE d.sku_id = ${a}.sku_id AND d.location_id = ${a}.location_id), 0))`;
};

/**
 * For capture's facts statement: supply of the batch's SKUs (`skuIds`, a subquery) at locations with stock of them,
 * read only when one of the batch's channels (`channelIds`, a subquery) ranks by stock_balance; else null at the cost
 * of one index probe per channel.
 */
export const supplyJson = (skuIds: RawBuilder<unknown>, channelIds: RawBuilder<unknown>): RawBuilder<SupplyFact[] | null> => sql`(
  SELECT json_agg(${supplyColumns('s')}) FROM stock_levels s
  WHERE s.sku_id IN (${skuIds}) AND s.on_hand > 0
    AND EXISTS (SELECT 1 FROM sourcing_rule_sets r WHERE r.channel_id IN (${channelIds}) AND r.rules @> '["stock_balance"]'::jsonb))`;

/** Supply of some SKUs at every location holding them (for re-sourcing, backorder fills, added lines). */
export async function readSupply(db: DbOrTrx, skuIds: readonly string[]): Promise<Supply> {
  if (skuIds.length === 0) return supplyFrom([]);
  const r = await sql<{ f: SupplyFact }>`SELECT ${supplyColumns('s')} AS f FROM stock_levels s WHERE s.sku_id = ANY(${skuIds}::uuid[]) AND s.on_hand > 0`.execute(db);
  return supplyFrom(r.rows.map((x) => x.f));
}

const memo = new WeakMap<readonly SupplyFact[], Supply>();
/** The engine's lookup from facts (memoised per facts array: a capture batch builds it once). */
export function supplyFrom(facts: readonly SupplyFact[] | null | undefined): Supply {
  if (!facts) return new Map();
  let supply = memo.get(facts);
  if (!supply) {
    const built = new Map<string, Map<string, { onHand: number; perDay: number }>>();
    for (const f of facts) {
      let at = built.get(f.locationId);
      if (!at) built.set(f.locationId, (at = new Map<string, { onHand: number; perDay: number }>()));
      at.set(f.skuId, { onHand: f.onHand, perDay: f.perDay });
    }
    supply = built;
    memo.set(facts, supply);
  }
  return supply;
}

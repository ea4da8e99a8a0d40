/**
 * Safety stock and reorder points per SKU x location. Safety stock is either a fixed number of units or weeks of
 * supply: average weekly shipments over the last N weeks x a target number of weeks, recomputed from the ledger
 * when the rule is set and daily by the background job.
 */
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { Ref, toStockLevel, type StockLevel } from './inventory.js';
import { resolveRefs } from './refs.repository.js';
import { listStock } from './stock.repository.js';

export const StockSettingsRequest = Type.Object({
  items: Type.Array(
    Type.Object({
      sku: Ref,
      location: Ref,
      safetyStock: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Fixed safety stock in units' })),
      safetyWeeksOfSupply: Type.Optional(Type.Union([Type.Null(), Type.Object({
        weeks: Type.Number({ exclusiveMinimum: 0, maximum: 52 }),
        lookbackWeeks: Type.Integer({ minimum: 1, maximum: 104 }),
      }, { additionalProperties: false })], { description: 'Safety stock as weeks of average sales; null removes the rule' })),
      reorderPoint: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 0, maximum: 1_000_000_000 })])),
    }, { additionalProperties: false }),
    { minItems: 1, maxItems: 1000 },
  ),
}, { additionalProperties: false });
type Item = Static<typeof StockSettingsRequest>['items'][number];

export async function changeStockSettings(trx: Trx, items: readonly Item[]): Promise<StockLevel[]> {
  items.forEach((item, i) => {
    if (item.safetyStock !== undefined && item.safetyWeeksOfSupply) {
      throw new AppError('validation_failed', `item ${i}: give safetyStock or safetyWeeksOfSupply, not both`, {
        errors: [{ path: `/body/items/${i}/safetyWeeksOfSupply`, message: 'conflicts with safetyStock' }],
      });
    }
  });
  const refs = await resolveRefs(trx, { sku: items.map((i) => i.sku), location: items.map((i) => i.location) });
  const rows = items.map((item) => ({
    sku_id: refs.sku(item.sku),
    location_id: refs.location(item.location),
    set_safety: item.safetyStock !== undefined || item.safetyWeeksOfSupply !== undefined,
    safety_stock: item.safetyStock ?? 0,
    safety_weeks: item.safetyWeeksOfSupply?.weeks ?? null,
    safety_lookback_weeks: item.safetyWeeksOfSupply?.lookbackWeeks ?? null,
    set_reorder: item.reorderPoint !== undefined,
    reorder_point: item.reorderPoint ?? null,
  }));
  const payload = JSON.stringify(rows);
  // Settings may come before the first unit does: make the rows, then set what each item names.
  await sql`
    INSERT INTO stock_levels (sku_id, location_id)
    SELECT DISTINCT x.sku_id, x.location_id FROM jsonb_to_recordset(${payload}::jsonb) AS x(sku_id uuid, location_id uuid)
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING
  `.execute(trx);
  await sql`
    UPDATE stock_levels s SET
      safety_stock = CASE WHEN x.set_safety THEN x.safety_stock ELSE s.safety_stock END,
      safety_weeks = CASE WHEN x.set_safety THEN x.safety_weeks ELSE s.safety_weeks END,
      safety_lookback_weeks = CASE WHEN x.set_safety THEN x.safety_lookback_weeks ELSE s.safety_lookback_weeks END,
      reorder_point = CASE WHEN x.set_reorder THEN x.reorder_point ELSE s.reorder_point END,
      updated_at = now()
    FROM jsonb_to_recordset(${payload}::jsonb) AS x(sku_id uuid, location_id uuid, set_safety boolean,
      safety_stock int, safety_weeks numeric, safety_lookback_weeks int, set_reorder boolean, reorder_point int)
    WHERE s.sku_id = x.sku_id AND s.location_id = x.location_id
  `.execute(trx);
  const pairs = rows.map((r) => ({ skuId: r.sku_id, locationId: r.location_id }));
  await recomputeSafetyStock(trx, pairs);
  // One read for every item, answered in the order the items came.
  const levels = await listStock(trx, { pairs, limit: pairs.length });
  const byPair = new Map(levels.map((r) => [`${r.skuId}/${r.locationId}`, r]));
  return pairs.flatMap((p) => {
    const row = byPair.get(`${p.skuId}/${p.locationId}`);
    return row ? [toStockLevel(row)] : [];
  });
}

/** Sets safety stock from the weeks-of-supply rule: ceil(shipped in the lookback / lookback weeks x weeks). */
export async function recomputeSafetyStock(trx: Trx, pairs?: readonly { skuId: string; locationId: string }[]): Promise<number> {
  const result = await sql`
    UPDATE stock_levels s SET safety_stock = ceil(coalesce((
        SELECT sum(-m.on_hand_delta) FROM stock_movements m
        WHERE m.sku_id = s.sku_id AND m.location_id = s.location_id AND m.reason = 'shipment'
          AND m.at > now() - make_interval(weeks => s.safety_lookback_weeks)), 0)::numeric
        / s.safety_lookback_weeks * s.safety_weeks)::int,
      updated_at = now()
    WHERE s.safety_weeks IS NOT NULL
      AND (${pairs === undefined}::boolean OR (s.sku_id, s.location_id) IN (
        SELECT * FROM unnest(${(pairs ?? []).map((p) => p.skuId)}::uuid[], ${(pairs ?? []).map((p) => p.locationId)}::uuid[])))
  `.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

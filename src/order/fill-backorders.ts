/**
 * Backordered units get their stock when it comes: lines waiting for stock are reserved, oldest order first, once
 * units are free where they may be reserved (a receipt, a transfer in, a sync or count, a released, expired or
 * cancelled reservation elsewhere). Run by the `orders.fill-backorders` job (src/jobs/jobs.ts), never inside the
 * statement that freed the stock: a receipt pays nothing for it.
 *
 * Each order is filled in a transaction of its own, with the order machinery every edit uses: lock the order and its
 * lines (which serialises the fill with edits, cancels and other fills, so two fills cannot reserve one line twice),
 * choose locations, reserve under the order's channel (its allocation quota holds), write the line counters, record
 * (timeline, `order.changed`) and settle the status (`order.allocated` once every line is reserved).
 */
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.js';
import { isRetryable } from '../db/command.js';
import { channelAvailability, freeSql, freeStockOf, lockAllocatedSkus } from '../inventory/index.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { candidatesFrom, locate, readRuleSet, readSites, readSupply, sitesFrom, source, writeDecision, type Candidate, type StoredExplanation, type LineNeed, type RuleSet, type Supply } from '../sourcing/index.js';
import { settleStatus } from './edit-order.js';
import { reserveLineUnits } from './line-stock.js';
import { addTimeline, lockOrders, publishOrderEvent, writeLines, writeOrderTotals } from './order.repository.js';
import { chargesOf, lineLabel, splitLine, type LineState, type OrderState } from './order-state.js';

export const FILL_ACTOR = 'system:backorders';

/**
 * Orders whose waiting lines take stock: confirmed ones, held ones (capture reserves for those too), and partly
 * shipped ones whose rest a location could not find (a rejected fulfilment order re-sourced with nothing free
 * elsewhere): `afterFill` hands their newly reserved units to the warehouse.
 */
const fillableStatuses = ['on_hold', 'confirmed', 'partially_shipped'] as const;

/** What the fill tells others, in the order's transaction after units were reserved (the fulfilment module listens). */
export interface FillHooks {
  afterFill?(trx: Trx, orderId: string, actor: string): Promise<void>;
}

export interface FillUnits {
  lineId: string;
  skuId: string;
  locationId: string;
  quantity: number;
}

// ---- pure rule ----------------------------------------------------------------------------------------------------

/**
 * Which waiting units of one order can be reserved now, and where. A line that has a location already (partly
 * filled before) takes units only there: a line ships from one location. A line without one gets a location as at
 * capture (the sourcing engine with the channel's rule set: the pickup store only for a pickup order, else the order's
 * own locations first, then all). A line no location covers whole is split over several when the rule set splits
 * lines, the order ships and together they have every unit (its units then come at several locations: the use case
 * makes the parts sibling lines); else it takes what the allowed location with the most free units has, and the rest
 * keeps waiting there. `quota` caps units per SKU (the channel's ATP under allocation rules; a SKU not in it is not
 * capped).
 */
export function planFill(
  order: Pick<OrderState, 'deliveryMethod' | 'pickupLocationId' | 'lines'> & { shippingAddress?: OrderState['shippingAddress'] },
  candidates: readonly Candidate[],
  quota: ReadonlyMap<string, number>,
  sourcing: { ruleSet?: RuleSet; ruleSetSource?: 'channel' | 'default' } = {},
): FillUnits[] {
  return planFillExplained(order, candidates, quota, sourcing).plan;
}

/** planFill with the sourcing engine's explanation of where the unplaced lines went (null: none was unplaced). */
export function planFillExplained(
  order: Pick<OrderState, 'deliveryMethod' | 'pickupLocationId' | 'lines'> & { shippingAddress?: OrderState['shippingAddress'] },
  candidates: readonly Candidate[],
  quota: ReadonlyMap<string, number>,
  sourcing: { ruleSet?: RuleSet; ruleSetSource?: 'channel' | 'default'; supply?: Supply } = {},
): { plan: FillUnits[]; explanation: StoredExplanation | null } {
  let explanation: StoredExplanation | null = null;
  const free = new Map(candidates.map((c) => [c.locationId, new Map(c.free)]));
  const left = new Map(quota);
  const plan: FillUnits[] = [];
  const take = (line: LineState, locationId: string, quantity: number) => {
    if (quantity <= 0) return;
    plan.push({ lineId: line.id, skuId: line.skuId, locationId, quantity });
    const at = free.get(locationId);
    at?.set(line.skuId, (at.get(line.skuId) ?? 0) - quantity);
    if (left.has(line.skuId)) left.set(line.skuId, (left.get(line.skuId) ?? 0) - quantity);
  };
  const cap = (skuId: string) => left.get(skuId) ?? Number.POSITIVE_INFINITY;
  const current = () => candidates.map((c) => ({ ...c, free: new Map(free.get(c.locationId)) }));
  const waiting = order.lines.filter((l) => l.backordered > 0);
  const destination = order.deliveryMethod === 'ship' && order.shippingAddress ? locate(order.shippingAddress) : null;
  const delivery = { method: order.deliveryMethod, pickupLocationId: order.pickupLocationId, destination };
  const opts = { ruleSet: sourcing.ruleSet ? { ...sourcing.ruleSet, splitLines: false } : undefined, ruleSetSource: sourcing.ruleSetSource, supply: sourcing.supply };
  // When the channel's rule set splits lines (and the order ships), a line no location has whole but several have
  // together is split over them now, as at capture, rather than filled in part at one location and left waiting.
  const mayPart = (sourcing.ruleSet?.splitLines ?? false) && order.deliveryMethod === 'ship';

  for (const line of waiting.filter((l) => l.locationId !== null)) {
    take(line, line.locationId as string, Math.min(line.backordered, free.get(line.locationId as string)?.get(line.skuId) ?? 0, cap(line.skuId)));
  }

  const unplaced = waiting.filter((l) => l.locationId === null);
  // Whole lines first, as capture places them; only lines the quota lets through whole take part.
  const wanted = new Map<string, number>();
  for (const l of unplaced) wanted.set(l.skuId, (wanted.get(l.skuId) ?? 0) + l.backordered);
  const needs: LineNeed[] = unplaced.flatMap((l, index) => ((wanted.get(l.skuId) ?? 0) <= cap(l.skuId) ? [{ index, skuId: l.skuId, quantity: l.backordered }] : []));
  // One shipment is better than two: the locations the order already ships from are tried before all the others.
  const own = new Set(order.lines.filter((l) => l.allocated > 0 && l.locationId).map((l) => l.locationId));
  const placed = new Set<number>();
  // A line with shipped units is never split (re-sourcing says why: its money priced what shipped), so the split
  // pass leaves it to the whole-line pass after.
  const passes: { pool: Candidate[] | null; split: boolean }[] = [
    { pool: current().filter((c) => own.has(c.locationId)), split: false }, ...(mayPart ? [{ pool: null, split: true }] : []), { pool: null, split: false },
  ];
  let placedByAll = false;
  for (const { pool, split } of passes) {
    const open = needs.filter((n) => !placed.has(n.index) && (!split || (unplaced[n.index] as LineState).shipped === 0));
    if (open.length === 0) continue;
    // The order's own locations are tried for whole lines only: a split goes over every allowed location.
    const choice = source(open, pool ?? current(), delivery, split && opts.ruleSet ? { ...opts, ruleSet: { ...opts.ruleSet, splitLines: true } } : opts);
    const placedSome = choice.assigned.size > 0 || choice.split.size > 0;
    if (placedSome || (pool === null && !placedByAll)) explanation = choice.explanation;
    if (placedSome && pool === null) placedByAll = true;
    for (const [index, locationId] of choice.assigned) {
      take(unplaced[index] as LineState, locationId, (unplaced[index] as LineState).backordered);
      placed.add(index);
    }
    for (const [index, parts] of choice.split) {
      for (const p of parts) take(unplaced[index] as LineState, p.locationId, p.quantity);
      placed.add(index);
    }
  }

  // The rest, in part: the same locations the engine allows, the one with most free units of the SKU first.
  const allowed = (c: Candidate) => (delivery.method === 'pickup' ? c.locationId === delivery.pickupLocationId : c.canShip);
  for (const [index, line] of unplaced.entries()) {
    if (placed.has(index)) continue;
    const best = current().filter(allowed)
      .sort((a, b) => (b.free.get(line.skuId) ?? 0) - (a.free.get(line.skuId) ?? 0) || a.priority - b.priority || a.code.localeCompare(b.code))[0];
    if (best) take(line, best.locationId, Math.min(line.backordered, best.free.get(line.skuId) ?? 0, cap(line.skuId)));
  }
  return { plan, explanation };
}

// ---- reading ------------------------------------------------------------------------------------------------------

/**
 * Orders with a waiting line whose SKU has free units at a location the line may use and that its channel may still
 * sell (the published channel number, channel_availability): oldest first (placed_at, then id), after `after`.
 * A hint, read without locks: the fill decides again under the order's lock.
 */
export async function findFillableOrders(db: Db, limit: number, after?: { placedAt: Date; id: string }): Promise<{ id: string; placedAt: Date }[]> {
  const result = await sql<{ id: string; placedAt: Date }>`
    SELECT o.id, o.placed_at AS "placedAt"
    FROM orders o
    WHERE o.id IN (
        SELECT l.order_id FROM order_lines l
        JOIN orders lo ON lo.id = l.order_id
        WHERE l.backordered > 0
          AND EXISTS (
            SELECT 1 FROM stock_levels s JOIN locations loc ON loc.id = s.location_id AND loc.active
            WHERE s.sku_id = l.sku_id AND ${freeSql('s')} > 0
              AND CASE WHEN l.location_id IS NOT NULL THEN s.location_id = l.location_id
                       WHEN lo.delivery_method = 'pickup' THEN s.location_id = lo.pickup_location_id
                       ELSE loc.can_ship END)
          AND coalesce((SELECT ca.available FROM channel_availability ca WHERE ca.channel_id = lo.channel_id AND ca.sku_id = l.sku_id), 1) > 0)
      AND o.status = ANY(${fillableStatuses}::text[])
      AND (${after?.placedAt ?? null}::timestamptz IS NULL OR (o.placed_at, o.id) > (${after?.placedAt ?? null}::timestamptz, ${after?.id ?? null}::uuid))
    ORDER BY o.placed_at, o.id
    LIMIT ${limit}
  `.execute(db);
  return result.rows;
}

// ---- the use case -------------------------------------------------------------------------------------------------

/** Fills what it can of one order's waiting lines; returns the units reserved (0: nothing to do now). */
export async function fillOrderBackorders(trx: Trx, orderId: string): Promise<number> {
  const [order] = await lockOrders(trx, [orderId]);
  if (!order || !(fillableStatuses as readonly string[]).includes(order.status)) return 0;
  const skuIds = [...new Set(order.lines.filter((l) => l.backordered > 0).map((l) => l.skuId))];
  if (skuIds.length === 0) return 0;

  // The channel may take at most its ATP of a SKU under allocation rules (its quota left plus the shared pool).
  // Locked per SKU as reserveStock locks them, so a capture on another channel cannot take the same pool units.
  const ruled = await lockAllocatedSkus(trx, skuIds);
  const quota = new Map((await channelAvailability(trx, ruled, [order.channelId])).map((a) => [a.skuId, a.available]));
  const candidates = candidatesFrom(await freeStockOf(trx, skuIds), sitesFrom(await readSites(trx)));
  const rules = await readRuleSet(trx, order.channelId);
  const supply = rules.ruleSet.rules.includes('stock_balance') ? await readSupply(trx, skuIds) : undefined;
  const { plan, explanation } = planFillExplained(order, candidates, quota, { ruleSet: rules.ruleSet, ruleSetSource: rules.source, supply });
  if (plan.length === 0) return 0;

  const codes = new Map(candidates.map((c) => [c.locationId, c.code]));
  // A line with units at several locations was split (planFill): its parts become sibling lines, as at capture.
  let nextLineNo = Math.max(0, ...order.lines.map((l) => l.lineNo)) + 1;
  const splitNotes: string[] = [];
  const filled = order.lines.flatMap((line): { line: LineState; quantity: number; from: number; location: string | null; splitFromLineNo?: number }[] => {
    const units = plan.filter((p) => p.lineId === line.id);
    if (units.length === 0) return [];
    if (units.length > 1) {
      const parts = splitLine(line, 'backordered', units, nextLineNo, newId);
      nextLineNo += parts.length - 1;
      splitNotes.push(`; line ${line.lineNo} split over ${parts.length} locations (lines ${parts.map((l) => l.lineNo).join(', ')})`);
      return parts.map((next, k) => ({
        line: next, quantity: (units[k] as FillUnits).quantity, from: k === 0 ? line.backordered : 0, location: codes.get(next.locationId as string) ?? next.locationId,
        splitFromLineNo: next.splitFromLineNo as number,
      }));
    }
    const quantity = (units[0] as FillUnits).quantity;
    const next: LineState = { ...line, locationId: (units[0] as FillUnits).locationId, allocated: line.allocated + quantity, backordered: line.backordered - quantity };
    return [{ line: next, quantity, from: line.backordered, location: codes.get(next.locationId as string) ?? next.locationId }];
  });
  const lines = [...order.lines.map((l) => filled.find((f) => f.line.id === l.id)?.line ?? l), ...filled.map((f) => f.line).filter((f) => !order.lines.some((l) => l.id === f.id))];
  // Stock on hand only (no presale promise): the fill is for units that are here. If another transaction took them
  // since they were read, reserveStock refuses the whole order (409) and the next run tries again.
  await reserveLineUnits(trx, { channelId: order.channelId, presaleDays: 0 }, filled.map(({ line, quantity }) => ({
    lineId: line.id, skuId: line.skuId, locationId: line.locationId as string, quantity,
  })), FILL_ACTOR);
  await writeLines(trx, filled.map((f) => f.line));
  // The totals stay (nothing was added or cancelled); this bumps the version the event carries.
  const version = await writeOrderTotals(trx, order.id, order.totals, chargesOf(order), lines);
  const details = filled.map(({ line, quantity, from, location, splitFromLineNo }) => ({
    lineId: line.id, lineNo: line.lineNo, sku: line.sku, location, reserved: quantity, backordered: { from, to: line.backordered },
    ...(splitFromLineNo !== undefined ? { splitFromLineNo } : {}),
  }));
  const message = filled.map(({ line, quantity, location, splitFromLineNo }) =>
    `${lineLabel(line)}: ${quantity} unit(s) reserved at ${location}${splitFromLineNo !== undefined ? ` (split from line ${splitFromLineNo})` : ''}`
    + `${line.backordered > 0 ? `, ${line.backordered} still backordered` : ''}`).join('; ');
  await addTimeline(trx, order.id, FILL_ACTOR, [{ type: 'backorder_filled', message, details: { lines: details, sourcing: explanation?.summary ?? null } }]);
  if (explanation) {
    await writeDecision(trx, { orderId: order.id, trigger: 'backorder', reason: `stock arrived for backordered lines${splitNotes.join('')}`, explanation, loads: [] });
  }
  await publishOrderEvent(trx, 'order.changed', order.id, { version, change: 'backorder_filled', lines: details });
  // A confirmed order whose every line is now reserved becomes allocated (order.allocated); a held one keeps its
  // status, review decides what comes next (releasing the hold allocates it then).
  await settleStatus(trx, order, lines, FILL_ACTOR);
  return plan.reduce((a, p) => a + p.quantity, 0);
}

/**
 * One run of the job: every fillable order, oldest first, each in its own transaction. An order that lost its units
 * to a concurrent writer (409) or a deadlock is left for the next run; the scan goes on with the next order.
 */
export async function fillBackorders(db: Db, pageSize = 100, hooks: FillHooks = {}): Promise<{ orders: number; units: number; skipped: number }> {
  const done = { orders: 0, units: 0, skipped: 0 };
  let after: { placedAt: Date; id: string } | undefined;
  for (;;) {
    const page = await findFillableOrders(db, pageSize, after);
    for (const { id } of page) {
      try {
        const units = await db.transaction().execute(async (trx) => {
          const n = await fillOrderBackorders(trx, id);
          if (n > 0) await hooks.afterFill?.(trx, id, FILL_ACTOR);
          return n;
        });
        if (units > 0) {
          done.orders++;
          done.units += units;
        }
      } catch (e) {
        if (!(e instanceof AppError && e.code === 'insufficient_stock') && !isRetryable(e)) throw e;
        done.skipped++;
      }
    }
    if (page.length < pageSize) return done;
    after = page[page.length - 1];
  }
}

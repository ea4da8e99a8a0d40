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
import {
  candidatesFrom, locate, readRuleSet, readSites, readSupply, sitesFrom, source, writeDecision,
  type Candidate, type Delivery, type StoredExplanation, type LineNeed, type RuleSet, type SourceOptions, type Supply,
} from '../sourcing/index.js';
import { settleStatus } from './edit-order.js';
import { releaseLineUnits, reserveLineUnits } from './line-stock.js';
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

/**
 * The waiting rest of a line placed before, taken at another location (`elsewhere`): `split` off as a new part of
 * `quantity` units there, or the whole line (`quantity`: its reserved and waiting units) moved there from `from`.
 */
export interface FillMove {
  lineId: string;
  kind: 'split' | 'move';
  from: string;
  locationId: string;
  quantity: number;
  explanation: StoredExplanation | null;
}

// ---- pure rule ----------------------------------------------------------------------------------------------------

/**
 * Which waiting units of one order can be reserved now, and where. A line that has a location already (partly
 * filled before) takes units there; when that location has not got the rest and the order ships (and nothing of the
 * line shipped yet), the rest goes where an OMS user expects (`elsewhere`, `moves`): split off as a new part at one
 * location that has all of it when the rule set splits lines, else the whole line moved to one location that has the
 * whole line; if none has, the rest keeps waiting where it is. A line without one gets a location as at
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
): { plan: FillUnits[]; moves: FillMove[]; explanation: StoredExplanation | null } {
  let explanation: StoredExplanation | null = null;
  const moves: FillMove[] = [];
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
    const own = line.locationId as string;
    const here = Math.max(0, Math.min(line.backordered, free.get(own)?.get(line.skuId) ?? 0, cap(line.skuId)));
    const away = line.backordered > here && delivery.method === 'ship' && line.shipped === 0
      ? elsewhere(line, own, here, mayPart, current(), cap(line.skuId), delivery, opts) : null;
    if (away?.kind === 'split') {
      take(line, own, here);
      take(line, away.locationId, away.quantity);
    } else if (away?.kind === 'move') {
      const at = free.get(away.locationId);
      at?.set(line.skuId, (at.get(line.skuId) ?? 0) - away.quantity);
      if (left.has(line.skuId)) left.set(line.skuId, (left.get(line.skuId) ?? 0) - line.backordered);
    } else {
      take(line, own, here);
    }
    if (away) moves.push({ lineId: line.id, ...away });
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
  return { plan, moves, explanation };
}

/**
 * Where the waiting rest of a line placed before goes when its own location has not got it (`here` of it now): split
 * off at one other location that has all of it when the rule set splits lines, else the whole line moved to one
 * that has the whole line (its reserved units released where they are). The sourcing engine chooses, over the other
 * locations the order may use; null: none has them, the rest keeps waiting where it is.
 */
function elsewhere(
  line: LineState, own: string, here: number, mayPart: boolean, candidates: readonly Candidate[], cap: number, delivery: Delivery,
  opts: SourceOptions,
): Omit<FillMove, 'lineId'> | null {
  const rest = line.backordered - here;
  const quantity = mayPart ? rest : line.allocated + line.backordered;
  // The channel's quota counts the units newly reserved: split or moved, the units that waited.
  if (line.backordered > cap) return null;
  const choice = source([{ index: 0, skuId: line.skuId, quantity }], candidates.filter((c) => c.locationId !== own), delivery, opts);
  const to = choice.assigned.get(0);
  return to ? { kind: mayPart ? 'split' : 'move', from: own, locationId: to, quantity, explanation: choice.explanation } : null;
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
                         -- the rest of a line placed before may go to another location that has all of it (split
                         -- off), or without split lines the whole line
                         OR (lo.delivery_method = 'ship' AND l.shipped = 0 AND loc.can_ship AND ${freeSql('s')} >= l.backordered
                             + CASE WHEN coalesce((SELECT rs.split_lines FROM sourcing_rule_sets rs WHERE rs.channel_id = lo.channel_id), false)
                                    THEN 0 ELSE l.allocated END)
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
  const { plan, moves, explanation } = planFillExplained(order, candidates, quota, { ruleSet: rules.ruleSet, ruleSetSource: rules.source, supply });
  if (plan.length === 0 && moves.length === 0) return 0;

  const codes = new Map(candidates.map((c) => [c.locationId, c.code]));
  // A line's own location is not a candidate when it has none of the SKU free: its code is read.
  const unknown = [...new Set(moves.map((m) => m.from).filter((id) => !codes.has(id)))];
  if (unknown.length > 0) {
    for (const r of await trx.selectFrom('locations').select(['id', 'code']).where('id', 'in', unknown).execute()) codes.set(r.id, r.code);
  }
  const codeOf = (id: string | null) => (id === null ? null : codes.get(id) ?? id);
  // A line with units at several locations was split (planFill): its parts become sibling lines, as at capture.
  let nextLineNo = Math.max(0, ...order.lines.map((l) => l.lineNo)) + 1;
  const splitNotes: string[] = [];
  const moveNotes: { lineNo: number; reason: string; explanation: StoredExplanation | null }[] = [];
  type Filled = { line: LineState; quantity: number; from: number; location: string | null; splitFromLineNo?: number; reserve?: number };
  const filled = order.lines.flatMap((line): Filled[] => {
    const move = moves.find((m) => m.lineId === line.id);
    if (move?.kind === 'move') {
      // The whole line to a location that has all of it: reserved there, released where it was.
      const why = `the ${line.backordered} unit(s) line ${line.lineNo} waited for are not at ${codeOf(move.from)}; moved whole to ${codeOf(move.locationId)}, which has all ${move.quantity}`;
      moveNotes.push({ lineNo: line.lineNo, reason: why, explanation: move.explanation });
      const next: LineState = { ...line, locationId: move.locationId, allocated: move.quantity, backordered: 0 };
      return [{ line: next, quantity: line.backordered, from: line.backordered, location: codeOf(move.locationId), reserve: move.quantity }];
    }
    const units = plan.filter((p) => p.lineId === line.id);
    if (units.length === 0) return [];
    // The rest split off elsewhere while its own location had none of it: the line keeps its place with nothing more.
    if (move && line.locationId !== null && (units[0] as FillUnits).locationId !== line.locationId) units.unshift({ lineId: line.id, skuId: line.skuId, locationId: line.locationId, quantity: 0 });
    if (units.length > 1) {
      const parts = splitLine(line, 'backordered', units, nextLineNo, newId);
      nextLineNo += parts.length - 1;
      splitNotes.push(`; line ${line.lineNo} split over ${parts.length} locations (lines ${parts.map((l) => l.lineNo).join(', ')})`);
      if (move) {
        moveNotes.push({
          lineNo: line.lineNo, explanation: move.explanation,
          reason: `the ${move.quantity} unit(s) of line ${line.lineNo} still waiting are not at ${codeOf(move.from)}; split off to ${codeOf(move.locationId)} (line ${(parts.at(-1) as LineState).lineNo})`,
        });
      }
      return parts.map((next, k) => ({
        line: next, quantity: (units[k] as FillUnits).quantity, from: k === 0 ? line.backordered : 0, location: codeOf(next.locationId),
        splitFromLineNo: next.splitFromLineNo as number,
      }));
    }
    const quantity = (units[0] as FillUnits).quantity;
    const next: LineState = { ...line, locationId: (units[0] as FillUnits).locationId, allocated: line.allocated + quantity, backordered: line.backordered - quantity };
    return [{ line: next, quantity, from: line.backordered, location: codeOf(next.locationId) }];
  });
  for (const m of moves.filter((x) => x.kind === 'move')) {
    const line = order.lines.find((l) => l.id === m.lineId) as LineState;
    if (line.allocated > 0) await releaseLineUnits(trx, order.id, line.id, line.allocated, FILL_ACTOR);
  }
  const lines = [...order.lines.map((l) => filled.find((f) => f.line.id === l.id)?.line ?? l), ...filled.map((f) => f.line).filter((f) => !order.lines.some((l) => l.id === f.id))];
  // Stock on hand only (no presale promise): the fill is for units that are here. If another transaction took them
  // since they were read, reserveStock refuses the whole order (409) and the next run tries again.
  await reserveLineUnits(trx, { channelId: order.channelId, presaleDays: 0 }, filled.filter((f) => (f.reserve ?? f.quantity) > 0).map(({ line, quantity, reserve }) => ({
    lineId: line.id, skuId: line.skuId, locationId: line.locationId as string, quantity: reserve ?? quantity,
  })), FILL_ACTOR);
  await writeLines(trx, filled.map((f) => f.line));
  // The totals stay (nothing was added or cancelled); this bumps the version the event carries.
  const version = await writeOrderTotals(trx, order.id, order.totals, chargesOf(order), lines);
  const details = filled.map(({ line, quantity, from, location, splitFromLineNo, reserve }) => {
    const moved = reserve !== undefined ? moves.find((m) => m.lineId === line.id) : undefined;
    return {
      lineId: line.id, lineNo: line.lineNo, sku: line.sku, location, reserved: reserve ?? quantity, backordered: { from, to: line.backordered },
      ...(splitFromLineNo !== undefined ? { splitFromLineNo } : {}),
      // Moved whole: its units reserved where it was were released there.
      ...(moved ? { movedFrom: codeOf(moved.from), released: moved.quantity - from } : {}),
    };
  });
  const message = [...filled.filter((f) => f.reserve !== undefined || f.quantity > 0).map(({ line, quantity, location, splitFromLineNo, reserve }) =>
    `${lineLabel(line)}: ${reserve ?? quantity} unit(s) reserved at ${location}${splitFromLineNo !== undefined ? ` (split from line ${splitFromLineNo})` : ''}`
    + `${line.backordered > 0 ? `, ${line.backordered} still backordered` : ''}`), ...moveNotes.map((m) => m.reason)].join('; ');
  await addTimeline(trx, order.id, FILL_ACTOR, [{ type: 'backorder_filled', message, details: {
    lines: details, sourcing: [explanation?.summary, ...moveNotes.map((m) => m.explanation?.summary)].filter((x) => x).join('; ') || null,
    ...(moveNotes.length > 0 ? { moved: moveNotes.map((m) => m.reason) } : {}),
  } }]);
  if (explanation) {
    await writeDecision(trx, { orderId: order.id, trigger: 'backorder', reason: `stock arrived for backordered lines${splitNotes.join('')}`, explanation, loads: [] });
  }
  for (const m of moveNotes) await writeDecision(trx, { orderId: order.id, trigger: 'backorder', reason: m.reason, explanation: m.explanation, loads: [] });
  await publishOrderEvent(trx, 'order.changed', order.id, { version, change: 'backorder_filled', lines: details });
  // A confirmed order whose every line is now reserved becomes allocated (order.allocated); a held one keeps its
  // status, review decides what comes next (releasing the hold allocates it then).
  await settleStatus(trx, order, lines, FILL_ACTOR);
  return plan.reduce((a, p) => a + p.quantity, 0) + moves.reduce((a, m) => a + (m.kind === 'move' ? (order.lines.find((l) => l.id === m.lineId) as LineState).backordered : 0), 0);
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

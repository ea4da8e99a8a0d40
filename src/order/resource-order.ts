/**
 * Re-sourcing (issue #19 part 2): lines reserved at locations that can no longer serve them — a fulfilment order the
 * location rejected, a location closed or out of capacity — are released there and sourced again by the same engine
 * over the other locations. A line no other location has whole is split over several when the channel's rule set
 * splits lines (below). Units no other location has become backordered (filled when stock arrives). The decision
 * and its reason are stored (GET /v1/orders/{id}/sourcing), on the timeline (`resourced`) and in `order.changed`.
 *
 * For the fulfilment module: `resourceOrder(trx, orderId, excludeLocationIds, reason, opts)` inside the caller's
 * transaction, after it has recorded the rejection.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import { splitRefs } from '../db/refs.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { freeStockOf } from '../inventory/index.js';
import { candidatesFrom, locate, readRuleSet, readSites, readSupply, sitesFrom, source, writeDecision, type StoredExplanation } from '../sourcing/index.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { settleStatus } from './edit-order.js';
import { byStockRow, releaseLineUnits, reserveLineUnits } from './line-stock.js';
import type { Order } from './order.js';
import { addTimeline, loadOrder, lockOrders, publishOrderEvent, writeLines, writeOrderTotals } from './order.repository.js';
import { chargesOf, lineLabel, splitLine, type LineState } from './order-state.js';

export const RESOURCE_ACTOR = 'system:sourcing';

/**
 * Orders whose reserved lines may be sourced again: before the warehouse, in it, and partly shipped (the units left of
 * a line partly shipped from a location that then cannot find the rest go where the engine finds them; the shipped
 * ones stay recorded on their shipments and fulfilment orders).
 */
const resourceable = ['on_hold', 'confirmed', 'allocated', 'in_fulfillment', 'partially_shipped'] as const;

export interface ResourceResult {
  /** Lines moved to another location, and lines backordered because no other location has their units. */
  lines: { lineId: string; lineNo: number; sku: string; from: string | null; to: string | null; quantity: number; splitFromLineNo?: number }[];
  explanation: StoredExplanation | null;
}

export async function resourceOrder(
  trx: Trx, orderId: string, excludeLocationIds: readonly string[], reason: string,
  opts: {
    lineIds?: readonly string[]; actor?: string;
    /** The excluded location said it has not got the goods (a rejection): a line no other location covers waits for stock anywhere. */
    notThere?: boolean;
  } = {},
): Promise<ResourceResult> {
  const actor = opts.actor ?? RESOURCE_ACTOR;
  const [order] = await lockOrders(trx, [orderId]);
  if (!order) throw notFound('order', orderId);
  if (!(resourceable as readonly string[]).includes(order.status)) {
    throw new AppError('invalid_state', `order ${order.number} is ${order.status}; only ${resourceable.join(', ')} orders can be sourced again`);
  }
  const excluded = new Set(excludeLocationIds);
  const affected = order.lines.filter((l) => l.allocated > 0 && l.locationId !== null && excluded.has(l.locationId)
    && (opts.lineIds === undefined || opts.lineIds.includes(l.id))).sort(byStockRow);
  if (affected.length === 0) return { lines: [], explanation: null };

  for (const l of affected) await releaseLineUnits(trx, order.id, l.id, l.allocated, actor);
  const skuIds = [...new Set(affected.map((l) => l.skuId))];
  const stock = (await freeStockOf(trx, skuIds)).filter((s) => !excluded.has(s.locationId));
  const candidates = candidatesFrom(stock, sitesFrom(await readSites(trx)));
  const rules = await readRuleSet(trx, order.channelId);
  const destination = order.deliveryMethod === 'ship' && order.shippingAddress ? locate(order.shippingAddress) : null;
  const delivery = { method: order.deliveryMethod, pickupLocationId: order.pickupLocationId, destination };
  const supply = rules.ruleSet.rules.includes('stock_balance') ? { supply: await readSupply(trx, skuIds) } : {};
  // A line no other location has whole is split over several when the channel's rule set splits lines and the order
  // ships, as at capture. Not a line with shipped units: they left on shipments, and the payment captured for them and
  // the refund of a return are priced from the line's discount and tax over its units; dividing that money again
  // after the fact would change what a shipped unit was worth. Such a line moves whole to one location or waits, as
  // before. Those lines are sourced first (their customer has been waiting longest), the others over what is left.
  const mayPart = rules.ruleSet.splitLines && order.deliveryMethod === 'ship';
  const groups = mayPart ? [affected.filter((l) => l.shipped > 0), affected.filter((l) => l.shipped === 0)] : [affected];
  const placements = new Map<string, { locationId: string; quantity: number }[]>();
  const decisions: { explanation: StoredExplanation | null; split: boolean }[] = [];
  let pool = candidates;
  for (const [g, group] of groups.entries()) {
    if (group.length === 0) continue;
    const split = mayPart && g === 1;
    const decision = source(group.map((l, index) => ({ index, skuId: l.skuId, quantity: l.allocated })), pool, delivery, {
      ruleSet: { ...rules.ruleSet, splitLines: split }, ruleSetSource: rules.source, ...supply,
    });
    for (const [index, line] of group.entries()) {
      const to = decision.assigned.get(index);
      const parts = to ? [{ locationId: to, quantity: line.allocated }] : decision.split.get(index);
      if (parts) placements.set(line.id, parts);
    }
    decisions.push({ explanation: decision.explanation, split });
    // The next group is sourced over what this one left.
    pool = pool.map((c) => {
      const free = new Map(c.free);
      for (const l of group) for (const p of placements.get(l.id) ?? []) if (p.locationId === c.locationId) free.set(l.skuId, (free.get(l.skuId) ?? 0) - p.quantity);
      return { ...c, free };
    });
  }

  const codes = new Map(candidates.map((c) => [c.locationId, c.code]));
  const oldCodes = new Map((await trx.selectFrom('locations').select(['id', 'code']).where('id', 'in', [...excluded]).execute()).map((r) => [r.id, r.code]));
  const reserve: { lineId: string; skuId: string; locationId: string; quantity: number }[] = [];
  const changed: LineState[] = [];
  const result: ResourceResult['lines'] = [];
  let nextLineNo = Math.max(0, ...order.lines.map((l) => l.lineNo)) + 1;
  const splitNotes: string[] = [];
  for (const line of affected) {
    const parts = placements.get(line.id);
    const from = oldCodes.get(line.locationId as string) ?? line.locationId;
    if (parts) {
      const lines = parts.length > 1 ? splitLine(line, 'allocated', parts, nextLineNo, newId) : [{ ...line, locationId: (parts[0] as { locationId: string }).locationId }];
      nextLineNo += lines.length - 1;
      if (lines.length > 1) splitNotes.push(`line ${line.lineNo} split over ${lines.length} locations (lines ${lines.map((l) => l.lineNo).join(', ')})`);
      for (const l of lines) {
        reserve.push({ lineId: l.id, skuId: l.skuId, locationId: l.locationId as string, quantity: l.allocated });
        changed.push(l);
        result.push({
          lineId: l.id, lineNo: l.lineNo, sku: l.sku, from, to: codes.get(l.locationId as string) ?? l.locationId, quantity: l.allocated,
          ...(lines.length > 1 ? { splitFromLineNo: l.splitFromLineNo as number } : {}),
        });
      }
    } else {
      // A line ships from one location: with nothing shipped yet it waits for stock anywhere, else where it shipped from.
      changed.push({ ...line, locationId: line.shipped > 0 && !opts.notThere ? line.locationId : null, allocated: 0, backordered: line.backordered + line.allocated });
      result.push({ lineId: line.id, lineNo: line.lineNo, sku: line.sku, from, to: null, quantity: line.allocated });
    }
  }
  await reserveLineUnits(trx, order, reserve, actor);
  const lines = [...order.lines.map((l) => changed.find((c) => c.id === l.id) ?? l), ...changed.filter((c) => !order.lines.some((l) => l.id === c.id))];
  await writeLines(trx, changed);
  const version = await writeOrderTotals(trx, order.id, order.totals, chargesOf(order), lines);
  const splitNote = splitNotes.join('; ');
  const summary = decisions.map((d) => d.explanation?.summary ?? '').filter((x) => x !== '').join('; ');
  const labelOf = (r: ResourceResult['lines'][number]) => lineLabel(changed.find((l) => l.id === r.lineId) as LineState);
  const message = `Sourced again (${reason}): ${result.map((r) => `${labelOf(r)} ${r.quantity} unit(s) ${r.to ? `from ${r.from} to ${r.to}` : `backordered (no other location has them)`}`
    + `${r.splitFromLineNo !== undefined ? ` (split from line ${r.splitFromLineNo})` : ''}`).join('; ')}`;
  await addTimeline(trx, order.id, actor, [{ type: 'resourced', message, details: { reason, lines: result, sourcing: summary } }]);
  await publishOrderEvent(trx, 'order.changed', order.id, { version, change: 'resourced', reason, lines: result.map(({ lineId, lineNo, sku, from, to, quantity, splitFromLineNo }) => ({
    lineId, lineNo, sku, from, to, quantity, ...(splitFromLineNo !== undefined ? { splitFromLineNo } : {}),
  })) });
  for (const d of decisions) {
    // Two decisions only when lines with shipped units (kept whole) and lines that may be split were sourced together.
    const whole = decisions.length > 1 && !d.split ? ' (lines with shipped units, each kept whole)' : '';
    await writeDecision(trx, { orderId: order.id, trigger: 'resource', reason: `${reason}${whole}${d.split && splitNote ? `; ${splitNote}` : ''}`, explanation: d.explanation, loads: [] });
  }
  await settleStatus(trx, order, lines, actor);
  return { lines: result, explanation: decisions.at(-1)?.explanation ?? null };
}

/** `POST /v1/orders/{id}/resource`: an operator moves an order's lines off locations that cannot serve them. */
export async function resourceOrderCommand(
  trx: Trx, orderId: string, input: { excludeLocations: readonly string[]; reason: string }, ctx: CommandContext,
): Promise<CommandResult<Order>> {
  const refs = splitRefs(input.excludeLocations);
  const rows = (await sql<{ id: string; code: string }>`SELECT id, code FROM locations WHERE code = ANY(${refs.codes}::text[]) OR id = ANY(${refs.ids}::uuid[])`.execute(trx)).rows;
  const unknown = input.excludeLocations.filter((r) => !rows.some((x) => x.code === r || x.id === r.toLowerCase()));
  if (unknown.length > 0) throw new AppError('not_found', `unknown location ${unknown.map((u) => `"${u}"`).join(', ')}`, { missing: unknown.map((ref) => ({ kind: 'location', ref })) });
  const result = await resourceOrder(trx, orderId, rows.map((r) => r.id), input.reason, { actor: ctx.actorName });
  return {
    created: false, value: await loadOrder(trx, orderId),
    audit: { action: 'order.resourced', entityType: 'order', entityId: orderId, details: { reason: input.reason, lines: result.lines.length } },
  };
}

/**
 * A location closed: every order with units reserved there (in a status that may be sourced again) is sourced again
 * over the other locations, oldest order id first, in the caller's transaction. Returns the orders moved.
 */
export async function resourceAwayFrom(trx: Trx, locationId: string, reason: string, actor = RESOURCE_ACTOR): Promise<number> {
  const orders = await trx.selectFrom('order_lines as l').innerJoin('orders as o', 'o.id', 'l.order_id').select('o.id').distinct()
    .where('l.location_id', '=', locationId).where('l.allocated', '>', 0).where('o.status', 'in', [...resourceable]).orderBy('o.id').execute();
  for (const { id } of orders) await resourceOrder(trx, id, [locationId], reason, { actor });
  return orders.length;
}

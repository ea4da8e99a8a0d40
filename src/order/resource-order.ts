/**
 * Re-sourcing (issue #19 part 2): lines reserved at locations that can no longer serve them — a fulfilment order the
 * location rejected, a location closed or out of capacity — are released there and sourced again by the same engine
 * over the other locations. Units no other location has become backordered (filled when stock arrives). The decision
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
import { settleStatus } from './edit-order.js';
import { byStockRow, releaseLineUnits, reserveLineUnits } from './line-stock.js';
import type { Order } from './order.js';
import { addTimeline, loadOrder, lockOrders, publishOrderEvent, writeLines, writeOrderTotals } from './order.repository.js';
import { chargesOf, lineLabel, type LineState } from './order-state.js';

export const RESOURCE_ACTOR = 'system:sourcing';

/**
 * Orders whose reserved lines may be sourced again: before the warehouse, in it, and partly shipped (the units left of
 * a line partly shipped from a location that then cannot find the rest go where the engine finds them; the shipped
 * ones stay recorded on their shipments and fulfilment orders).
 */
const resourceable = ['on_hold', 'confirmed', 'allocated', 'in_fulfillment', 'partially_shipped'] as const;

export interface ResourceResult {
  /** Lines moved to another location, and lines backordered because no other location has their units. */
  lines: { lineId: string; lineNo: number; sku: string; from: string | null; to: string | null; quantity: number }[];
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
  const stock = (await freeStockOf(trx, [...new Set(affected.map((l) => l.skuId))])).filter((s) => !excluded.has(s.locationId));
  const candidates = candidatesFrom(stock, sitesFrom(await readSites(trx)));
  const rules = await readRuleSet(trx, order.channelId);
  const destination = order.deliveryMethod === 'ship' && order.shippingAddress ? locate(order.shippingAddress) : null;
  const needs = affected.map((l, index) => ({ index, skuId: l.skuId, quantity: l.allocated }));
  const decision = source(needs, candidates, { method: order.deliveryMethod, pickupLocationId: order.pickupLocationId, destination }, {
    ruleSet: { ...rules.ruleSet, splitLines: false }, ruleSetSource: rules.source,
    ...(rules.ruleSet.rules.includes('stock_balance') ? { supply: await readSupply(trx, [...new Set(affected.map((l) => l.skuId))]) } : {}),
  });

  const codes = new Map(candidates.map((c) => [c.locationId, c.code]));
  const oldCodes = new Map((await trx.selectFrom('locations').select(['id', 'code']).where('id', 'in', [...excluded]).execute()).map((r) => [r.id, r.code]));
  const reserve: { lineId: string; skuId: string; locationId: string; quantity: number }[] = [];
  const changed: LineState[] = [];
  const result: ResourceResult['lines'] = [];
  for (const [index, line] of affected.entries()) {
    const to = decision.assigned.get(index);
    const from = oldCodes.get(line.locationId as string) ?? line.locationId;
    if (to) {
      reserve.push({ lineId: line.id, skuId: line.skuId, locationId: to, quantity: line.allocated });
      changed.push({ ...line, locationId: to });
    } else {
      // A line ships from one location: with nothing shipped yet it waits for stock anywhere, else where it shipped from.
      changed.push({ ...line, locationId: line.shipped > 0 && !opts.notThere ? line.locationId : null, allocated: 0, backordered: line.backordered + line.allocated });
    }
    result.push({ lineId: line.id, lineNo: line.lineNo, sku: line.sku, from, to: to ? (codes.get(to) ?? to) : null, quantity: line.allocated });
  }
  await reserveLineUnits(trx, order, reserve, actor);
  const lines = order.lines.map((l) => changed.find((c) => c.id === l.id) ?? l);
  await writeLines(trx, changed);
  const version = await writeOrderTotals(trx, order.id, order.totals, chargesOf(order), lines);
  const summary = decision.explanation?.summary ?? '';
  const message = `Sourced again (${reason}): ${result.map((r) => `${lineLabel(affected.find((l) => l.id === r.lineId) as LineState)} ${r.quantity} unit(s) ${r.to ? `from ${r.from} to ${r.to}` : `backordered (no other location has them)`}`).join('; ')}`;
  await addTimeline(trx, order.id, actor, [{ type: 'resourced', message, details: { reason, lines: result, sourcing: summary } }]);
  await publishOrderEvent(trx, 'order.changed', order.id, { version, change: 'resourced', reason, lines: result.map(({ lineId, lineNo, sku, from, to, quantity }) => ({ lineId, lineNo, sku, from, to, quantity })) });
  await writeDecision(trx, { orderId: order.id, trigger: 'resource', reason, explanation: decision.explanation, loads: [] });
  await settleStatus(trx, order, lines, actor);
  return { lines: result, explanation: decision.explanation };
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

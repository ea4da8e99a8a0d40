/**
 * Adds a line to an order, reserved at once where the sourcing engine finds its units — preferring the order's own
 * locations. When no one location has them all and the channel's rule set splits lines (a shipping order), the line is
 * split over locations as at capture: sibling lines, the first with the new line number, its discount and tax divided
 * exactly.
 */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { findSkuByRef } from '../catalog/index.js';
import { freeStockOf } from '../inventory/index.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { allocateMinor, formatMoney } from '../shared/money.js';
import { candidatesFrom, locate, readRuleSet, readSites, readSupply, sitesFrom, source, writeDecision } from '../sourcing/index.js';
import { finishLineEdit, lockEditableOrder } from './edit-order.js';
import { reserveLineUnits } from './line-stock.js';
import type { CaptureLine, Order } from './order.js';
import { lineLabel, type LineState } from './order-state.js';

export async function addLine(trx: Trx, orderId: string, input: CaptureLine, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandResult<Order>> {
  const order = await lockEditableOrder(trx, orderId, expectedVersion);
  if ((input.discountMinor ?? 0) > input.unitPriceMinor * input.quantity) {
    throw new AppError('validation_failed', `discount ${input.discountMinor} is more than the line's ${input.unitPriceMinor * input.quantity}`, {
      errors: [{ path: '/body/discountMinor', message: 'more than the line' }],
    });
  }
  const sku = await findSkuByRef(trx, input.sku);
  if (!sku) throw new AppError('not_found', `unknown SKU "${input.sku}"`, { missing: [{ kind: 'sku', ref: input.sku }] });
  if (!sku.active) throw new AppError('validation_failed', `SKU ${sku.code} is not active`, { errors: [{ path: '/body/sku', message: 'inactive SKU' }] });

  const stock = await freeStockOf(trx, [sku.id]);
  const candidates = candidatesFrom(stock, sitesFrom(await readSites(trx)));
  const lineNo = Math.max(0, ...order.lines.map((l) => l.lineNo)) + 1;
  // The need's index is the line's position in the order, so the explanation speaks of "line {lineNo}" as at capture.
  const at = lineNo - 1;
  const need = [{ index: at, skuId: sku.id, quantity: input.quantity }];
  const destination = order.deliveryMethod === 'ship' && order.shippingAddress ? locate(order.shippingAddress) : null;
  const delivery = { method: order.deliveryMethod, pickupLocationId: order.pickupLocationId, destination };
  const rules = await readRuleSet(trx, order.channelId);
  const splitLines = rules.ruleSet.splitLines && order.deliveryMethod === 'ship';
  const opts = {
    ruleSet: { ...rules.ruleSet, splitLines: false }, ruleSetSource: rules.source,
    ...(rules.ruleSet.rules.includes('stock_balance') ? { supply: await readSupply(trx, [sku.id]) } : {}),
  };
  // One shipment is better than two: try the locations the order already ships from before all the others.
  const own = new Set(order.lines.filter((l) => l.allocated > 0).map((l) => l.locationId));
  const ownDecision = source(need, candidates.filter((c) => own.has(c.locationId)), delivery, opts);
  const decision = ownDecision.assigned.has(at) ? ownDecision : source(need, candidates, delivery, { ...opts, ruleSet: { ...opts.ruleSet, splitLines } });
  const whole = decision.assigned.get(at);
  const parts = whole ? [{ locationId: whole, quantity: input.quantity }] : decision.split.get(at);
  if (!parts) {
    const available = Math.max(0, ...stock.map((s) => s.free));
    const anywhere = stock.reduce((a, s) => a + Math.max(0, s.free), 0);
    throw new AppError('insufficient_stock', `not enough stock of ${sku.code}: ${input.quantity} requested, ${available} available in one location`
      + `${splitLines ? ` and ${anywhere} in all` : ''}; nothing was added`, {
      lines: [{ index: 0, sku: sku.code, skuId: sku.id, requested: input.quantity, available, shortBy: input.quantity - available }],
    });
  }
  const quantities = parts.map((p) => p.quantity);
  const discounts = allocateMinor(input.discountMinor ?? 0, quantities);
  const taxes = allocateMinor(input.taxMinor ?? 0, quantities);
  const lines: LineState[] = parts.map((p, k) => ({
    id: newId(), orderId, lineNo: lineNo + k, skuId: sku.id, sku: sku.code, locationId: p.locationId,
    quantity: p.quantity, allocated: p.quantity, shipped: 0, cancelled: 0, returned: 0, backordered: 0,
    unitPriceMinor: input.unitPriceMinor, discountMinor: discounts[k] ?? 0, orderDiscountMinor: 0, taxMinor: taxes[k] ?? 0,
    splitFromLineNo: parts.length > 1 ? lineNo : null,
  }));
  const first = lines[0] as LineState;
  await reserveLineUnits(trx, order, lines.map((l) => ({ lineId: l.id, skuId: sku.id, locationId: l.locationId as string, quantity: l.quantity })), ctx.actorName);
  await writeDecision(trx, {
    orderId, trigger: 'line_added',
    reason: `line ${lineNo} added${decision === ownDecision ? ' (from a location the order already ships from)' : ''}`
      + `${lines.length > 1 ? ` and split over ${lines.length} locations (lines ${lines.map((l) => l.lineNo).join(', ')})` : ''}`,
    explanation: decision.explanation, loads: [],
  });
  return finishLineEdit(trx, order, lines, {
    type: 'line_added', message: `${lineLabel(first)} added: ${input.quantity} × ${formatMoney(input.unitPriceMinor, order.currency)}`
      + `${lines.length > 1 ? `, split over ${lines.length} locations (${lines.map((l) => `line ${l.lineNo}: ${l.quantity}`).join(', ')})` : ''}`,
    details: {
      lineId: first.id, lineNo, sku: sku.code, quantity: input.quantity, unitPriceMinor: input.unitPriceMinor,
      ...(lines.length > 1 ? { parts: lines.map((l) => ({ lineId: l.id, lineNo: l.lineNo, quantity: l.quantity })) } : {}),
    },
  }, ctx, true);
}

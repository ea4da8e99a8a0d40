/**
 * Sets a line's quantity. More: the extra units are reserved at the line's location (409 if it lacks them), or
 * backordered when the line has no location yet (it was backordered at capture). Fewer: waiting units go first,
 * then reserved ones, whose reservation is released; never below shipped + cancelled.
 */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { AppError } from '../shared/errors.js';
import { finishLineEdit, lockEditableOrder } from './edit-order.js';
import { releaseLineUnits, reserveLineUnits } from './line-stock.js';
import type { Order } from './order.js';
import { loadOrder } from './order.repository.js';
import { activeUnits, editableLine, lineLabel, scaleLineMoney, takeUnits } from './order-state.js';

export async function changeLineQuantity(trx: Trx, orderId: string, lineId: string, quantity: number, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandResult<Order>> {
  const order = await lockEditableOrder(trx, orderId, expectedVersion);
  const line = editableLine(order, lineId);
  const floor = line.shipped + line.cancelled;
  if (quantity < floor) {
    throw new AppError('validation_failed', `${lineLabel(line)} has ${floor} shipped or cancelled unit(s); its quantity cannot go below ${floor}`, {
      errors: [{ path: '/body/quantity', message: `must be >= ${floor}` }],
    });
  }
  if (quantity === line.quantity) return { created: false, value: await loadOrder(trx, orderId), audit: null };
  const next = { ...line, quantity };
  if (quantity > line.quantity) {
    const extra = quantity - line.quantity;
    if (line.locationId) {
      await reserveLineUnits(trx, order, [{ lineId: line.id, skuId: line.skuId, locationId: line.locationId, quantity: extra }], ctx.actorName);
      next.allocated += extra;
    } else if (order.allowBackorder) next.backordered += extra;
    else throw new AppError('insufficient_stock', `${lineLabel(line)} is not reserved anywhere and the channel does not take backorders`);
  } else {
    const taken = takeUnits(line, line.quantity - quantity);
    await releaseLineUnits(trx, order.id, line.id, taken.allocated, ctx.actorName);
    next.allocated -= taken.allocated;
    next.backordered -= taken.backordered;
  }
  Object.assign(next, scaleLineMoney(line, activeUnits(line), activeUnits(next)));
  return finishLineEdit(trx, order, [next], {
    type: 'line_changed', message: `${lineLabel(line)}: quantity ${line.quantity} → ${quantity}`,
    details: { lineId, lineNo: line.lineNo, sku: line.sku, quantity: { from: line.quantity, to: quantity }, allocated: { from: line.allocated, to: next.allocated } },
  }, ctx, false);
}

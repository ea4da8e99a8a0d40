/** Cancels a line's open units and releases their reservation; the line stays (cancelled) so its history is kept. */
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { finishLineEdit, lockEditableOrder } from './edit-order.js';
import { releaseLineUnits } from './line-stock.js';
import type { Order } from './order.js';
import { editableLine, lineLabel, openUnits, type LineState } from './order-state.js';

export async function cancelLine(trx: Trx, orderId: string, lineId: string, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandResult<Order>> {
  const order = await lockEditableOrder(trx, orderId, expectedVersion);
  const line = editableLine(order, lineId);
  const units = openUnits(line);
  await releaseLineUnits(trx, order.id, line.id, line.allocated, ctx.actorName);
  const next: LineState = { ...line, cancelled: line.cancelled + units, allocated: 0, backordered: 0, discountMinor: 0, orderDiscountMinor: 0, taxMinor: 0 };
  return finishLineEdit(trx, order, [next], {
    type: 'line_cancelled', message: `${lineLabel(line)}: ${units} unit(s) cancelled (cancelled ${line.cancelled} → ${next.cancelled})`,
    details: { lineId, lineNo: line.lineNo, sku: line.sku, cancelled: { from: line.cancelled, to: next.cancelled }, released: line.allocated },
  }, ctx, false);
}

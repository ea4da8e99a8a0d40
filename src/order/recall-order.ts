/**
 * Taking an order back from the warehouse before anything ships (ADR 0004). Without lines, unchanged: it goes back to
 * allocated with its reservations kept (to edit it, or to hand it to another warehouse). With lines, the warehouse
 * could not find those units: their reservations are released and they wait to be sourced again (backordered, so
 * that stock arriving or freed anywhere fills them, oldest order first); the order goes back to confirmed.
 */
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import { AppError } from '../shared/errors.js';
import { releaseLineUnits } from './line-stock.js';
import { LineUnits, type Order } from './order.js';
import { addTimeline, loadOrder, lockOrder, transitionOrder, writeLines } from './order.repository.js';
import { pickLines, requireStatus } from './order-state.js';

export const RecallOrderRequest = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why; shown in the timeline' }),
  lines: Type.Optional(Type.Array(LineUnits, { minItems: 1, maxItems: 500, description: 'Units the warehouse could not find: released, to be sourced again' })),
}, { additionalProperties: false });
export type RecallOrderRequest = Static<typeof RecallOrderRequest>;

export async function recallOrder(trx: Trx, orderId: string, input: RecallOrderRequest, ctx: CommandContext): Promise<CommandResult<Order>> {
  const order = await lockOrder(trx, orderId);
  requireStatus(order, 'it can be taken back from the warehouse', ['in_fulfillment']);
  const picked = pickLines(order, input.lines ?? []);
  const over = picked.filter((p) => p.quantity > p.line.allocated);
  if (over.length > 0) {
    throw new AppError('invalid_state', `cannot release more than a line has reserved: ${over.map((p) => `line ${p.line.lineNo} has ${p.line.allocated}, not ${p.quantity}`).join('; ')}`, {
      lines: over.map((p) => ({ index: p.index, lineId: p.line.id, requested: p.quantity, allocated: p.line.allocated })),
    });
  }
  for (const p of picked) await releaseLineUnits(trx, orderId, p.line.id, p.quantity, ctx.actorName);
  // A line with nothing left reserved or shipped at its location loses it, so the backorder fill (or re-sourcing)
  // chooses a location afresh instead of waiting for the one that could not find the goods.
  await writeLines(trx, picked.map((p) => {
    const allocated = p.line.allocated - p.quantity;
    return { ...p.line, allocated, backordered: p.line.backordered + p.quantity, locationId: allocated === 0 && p.line.shipped === 0 ? null : p.line.locationId };
  }));
  const lines = picked.map((p) => ({ lineId: p.line.id, lineNo: p.line.lineNo, quantity: p.quantity }));
  if (lines.length > 0) {
    await addTimeline(trx, orderId, ctx.actorName, [{
      type: 'units_not_found',
      message: `Not found in the warehouse: ${lines.map((l) => `${l.quantity} of line ${l.lineNo}`).join(', ')}; released to be sourced again`,
      details: { lines, reason: input.reason },
      event: 'order.units_released',
    }]);
  }
  const to = lines.length > 0 ? 'confirmed' : 'allocated';
  await transitionOrder(trx, orderId, to, ctx.actorName, { type: 'status_changed', message: `Taken back from the warehouse: ${input.reason}`, details: { reason: input.reason, lines } });
  return {
    created: false,
    value: await loadOrder(trx, orderId),
    audit: { action: 'order.recalled', entityType: 'order', entityId: orderId, details: { reason: input.reason, lines } },
  };
}

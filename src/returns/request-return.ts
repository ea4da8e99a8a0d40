/**
 * Asking for a return: some units of some shipped lines, with a reason. Refused with the numbers when a line would
 * come back more than it shipped (less what came back or is on its way already), when the channel's window after
 * delivery has closed, or when its policy does not take the SKU back. Nothing is written then.
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { addTimeline, lockOrder } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Return, RequestReturn } from './returns.js';
import { handedOverAt, insertReturn, loadReturn, nonReturnableSkuIds, policyOf, unitsOnTheirWay } from './return.repository.js';

const DAY_MS = 86_400_000;

export async function requestReturn(trx: Trx, input: RequestReturn, ctx: CommandContext, now = new Date()): Promise<CommandResult<Return>> {
  const order = await lockOrder(trx, input.order);
  const byId = new Map(order.lines.map((l) => [l.id, l]));
  const repeats = input.lines.filter((l, i) => input.lines.findIndex((o) => o.lineId === l.lineId) !== i);
  if (repeats.length > 0) throw new AppError('validation_failed', 'each order line at most once per return; add up the quantities', { errors: [{ path: '/body/lines', message: 'an order line is listed twice' }] });
  for (const [i, l] of input.lines.entries()) {
    if (!byId.has(l.lineId)) throw new AppError('not_found', `order ${order.number} has no line ${l.lineId}`, { entity: 'order line', id: l.lineId, index: i });
  }

  const onTheirWay = await unitsOnTheirWay(trx, order.id);
  const over = input.lines.flatMap((u, index) => {
    const l = byId.get(u.lineId)!;
    const pending = onTheirWay.get(l.id) ?? 0;
    const returnable = l.shipped - l.returned - pending;
    return u.quantity > returnable ? [{ index, lineId: l.id, lineNo: l.lineNo, sku: l.sku, requested: u.quantity, shipped: l.shipped, returned: l.returned, requestedBefore: pending, returnable }] : [];
  });
  if (over.length > 0) {
    throw new AppError('return_exceeds_shipped', `cannot return more than was shipped and not yet returned: ${over.map((o) => `line ${o.lineNo} (${o.sku}) shipped ${o.shipped}, returned ${o.returned}, on its way back ${o.requestedBefore}, so at most ${o.returnable}, not ${o.requested}`).join('; ')}`, { lines: over });
  }

  const policy = await policyOf(trx, order.channelId);
  const handedOver = await handedOverAt(trx, order.id);
  if (handedOver) {
    const deadline = new Date(handedOver.getTime() + policy.windowDays * DAY_MS);
    if (now > deadline) {
      throw new AppError('return_window_closed', `the channel takes returns for ${policy.windowDays} days after delivery; the goods arrived ${handedOver.toISOString()}, so the window closed ${deadline.toISOString()}`, {
        windowDays: policy.windowDays, deliveredAt: handedOver.toISOString(), deadline: deadline.toISOString(), now: now.toISOString(),
      });
    }
  }
  const blocked = await nonReturnableSkuIds(trx, order.channelId);
  const refused = input.lines.map((u) => byId.get(u.lineId)!).filter((l) => blocked.has(l.skuId));
  if (refused.length > 0) {
    throw new AppError('not_returnable', `the channel does not take back ${refused.map((l) => `${l.sku} (line ${l.lineNo})`).join(', ')}`, {
      lines: refused.map((l) => ({ lineId: l.id, lineNo: l.lineNo, sku: l.sku })),
    });
  }

  const id = newId();
  const lines = input.lines.map((u) => ({ id: newId(), lineId: u.lineId, skuId: byId.get(u.lineId)!.skuId, quantity: u.quantity, reasonCode: u.reasonCode ?? input.reasonCode }));
  await insertReturn(trx, { id, orderId: order.id, reasonCode: input.reasonCode, note: input.note ?? null, createdBy: ctx.actorName, lines });
  const body = await loadReturn(trx, id);
  await addTimeline(trx, order.id, ctx.actorName, [{
    type: 'return_requested',
    message: `Return ${body.number} requested (${input.reasonCode}): ${body.lines.map((l) => `${l.quantity} of line ${l.lineNo}`).join(', ')}`,
    details: { returnId: id, number: body.number, reasonCode: input.reasonCode },
    event: 'order.return_requested',
  }]);
  return { created: true, value: body, audit: { action: 'return.requested', entityType: 'return', entityId: id, details: { orderId: order.id } } };
}

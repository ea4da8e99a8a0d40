/**
 * The goods of an approved return arrive at a location: per line what came (at most what was asked for); the order's
 * lines count them as returned. Nothing goes to stock yet — inspection decides where each unit goes.
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { resolveRefs } from '../inventory/index.js';
import { recordReturnedUnits } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { lockForMove } from './decide-return.js';
import type { ReceiveReturn, Return } from './returns.js';
import { loadReturn, returnLinesOf, setReturnStatus, writeReturnLines } from './return.repository.js';

export async function receiveReturn(trx: Trx, returnId: string, input: ReceiveReturn, ctx: CommandContext): Promise<CommandResult<Return>> {
  const { order, r } = await lockForMove(trx, returnId, 'received');
  const refs = await resolveRefs(trx, { location: [input.location] });
  const locationId = refs.location(input.location);
  const lines = await returnLinesOf(trx, r.id);
  const byLine = new Map(lines.map((l) => [l.lineId, l]));
  const problems = input.lines.flatMap((u, index) => {
    const l = byLine.get(u.lineId);
    if (!l) return [{ index, lineId: u.lineId, message: 'not a line of this return' }];
    if (u.quantity > l.quantity) return [{ index, lineId: u.lineId, message: `${u.quantity} arrived but only ${l.quantity} were asked for; receive the rest with a new return`, requested: l.quantity, received: u.quantity }];
    return [];
  });
  if (problems.length > 0) throw new AppError('return_exceeds_shipped', `cannot receive more than the return asked for: ${problems.map((p) => p.message).join('; ')}`, { lines: problems });
  const received = lines.map((l) => ({ ...l, received: input.lines.filter((u) => u.lineId === l.lineId).reduce((a, u) => a + u.quantity, 0) }));
  const units = received.reduce((a, l) => a + l.received, 0);
  if (units === 0) throw new AppError('invalid_state', `nothing arrived: a return is received with at least one unit; cancel return ${r.number} if nothing will come`);

  await writeReturnLines(trx, received);
  await setReturnStatus(trx, r.id, 'received', { locationId });
  const lineNo = new Map(order.lines.map((l) => [l.id, l.lineNo]));
  await recordReturnedUnits(trx, order.id, received.filter((l) => l.received > 0).map((l) => ({ lineId: l.lineId, quantity: l.received })), ctx.actorName, {
    message: `Return ${r.number} received at ${refs.code('location', locationId)}: ${received.filter((l) => l.received > 0).map((l) => `${l.received} of line ${lineNo.get(l.lineId)}`).join(', ')}`,
    details: { returnId: r.id, number: r.number, locationId, units },
  });
  return { created: false, value: await loadReturn(trx, r.id), audit: { action: 'return.received', entityType: 'return', entityId: r.id, details: { units, locationId } } };
}

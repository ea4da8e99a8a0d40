/**
 * A person decides a requested return (approve or reject), it is called off before the goods arrive (cancel), or an
 * inspected one is closed without a refund (an exchange, goods kept back for the customer).
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { addTimeline, lockOrder } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import type { DecideReturn, Return } from './returns.js';
import { loadReturn, lockReturn, returnOrderId, setReturnStatus } from './return.repository.js';
import { canMoveReturn, returnStatuses, returnTransitions, type ReturnStatus } from './return-status.js';

/** Locks the return's order, then the return (the lock order of every order command), and checks the move. */
export async function lockForMove(trx: Trx, returnId: string, to: ReturnStatus) {
  const order = await lockOrder(trx, await returnOrderId(trx, returnId));
  const r = await lockReturn(trx, returnId);
  if (!canMoveReturn(r.status, to)) {
    throw new AppError('invalid_state', `return ${r.number} is ${r.status}; it can move to ${returnTransitions[r.status].join(', ') || 'nothing (final)'}, not to ${to}`, {
      currentStatus: r.status, allowed: returnTransitions[r.status], requested: to, allowedFrom: returnStatuses.filter((s) => canMoveReturn(s, to)),
    });
  }
  return { order, r };
}

const verbs = { approved: 'approved', rejected: 'rejected', cancelled: 'cancelled', closed: 'closed without a refund' } as const;

export async function decideReturn(trx: Trx, returnId: string, to: keyof typeof verbs, input: DecideReturn, ctx: CommandContext): Promise<CommandResult<Return>> {
  const { order, r } = await lockForMove(trx, returnId, to);
  await setReturnStatus(trx, r.id, to, { decidedNote: input.note ?? null });
  await addTimeline(trx, order.id, ctx.actorName, [{
    type: `return_${to}`, message: `Return ${r.number} ${verbs[to]}${input.note ? `: ${input.note}` : ''}`,
    details: { returnId: r.id, number: r.number, note: input.note ?? null }, event: `order.return_${to}`,
  }]);
  return { created: false, value: await loadReturn(trx, r.id), audit: { action: `return.${to}`, entityType: 'return', entityId: r.id } };
}

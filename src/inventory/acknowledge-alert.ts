/** Acknowledging a low-stock alert: someone has seen it (it resolves by itself when stock recovers). */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { AppError, notFound } from '../shared/errors.js';
import { findAlertStatus, getAlert, markAlertAcknowledged, type AlertView } from './alert.repository.js';

/** Acknowledges an open alert; 404 when there is none, 409 invalid_state when it is acknowledged or resolved already. */
export async function acknowledgeAlert(trx: Trx, id: string, ctx: CommandContext): Promise<CommandResult<AlertView>> {
  if (!(await markAlertAcknowledged(trx, id, ctx.actorName))) {
    const status = await findAlertStatus(trx, id);
    if (status === undefined) throw notFound('alert', id);
    throw new AppError('invalid_state', `the alert is ${status}; only open alerts can be acknowledged`, { currentStatus: status, allowed: ['open'] });
  }
  const row = await getAlert(trx, id);
  return { created: false, value: row, audit: { action: 'alert.acknowledged', entityType: 'stock_alert', entityId: id } };
}

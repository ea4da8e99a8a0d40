/** Removing a channel allocation rule: its units return to the shared pool. */
import type { CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { notFound } from '../shared/errors.js';
import { deleteAllocation, publishAllocationChange } from './allocation.repository.js';

/** Deletes the rule (404 when there is none) and republishes the ATP it moved. */
export async function removeAllocation(trx: Trx, id: string): Promise<CommandResult<{ id: string }>> {
  const gone = await deleteAllocation(trx, id);
  if (!gone) throw notFound('allocation rule', id);
  await publishAllocationChange(trx, gone.skuId);
  return { created: false, value: { id }, audit: { action: 'allocation.removed', entityType: 'channel_allocation', entityId: id } };
}

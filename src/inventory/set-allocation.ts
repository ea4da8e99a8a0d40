/** Setting a channel's dedicated quota for a SKU (or its default rule), in units or percent of sellable stock. */
import type { CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { getAllocation, publishAllocationChange, upsertAllocation, type AllocationView } from './allocation.repository.js';
import { resolveRefs } from './refs.repository.js';

export interface SetAllocationInput { channel: string; sku?: string | null; quotaUnits?: number; quotaPercent?: number }

/** Creates or replaces the rule of (channel, SKU or default) and republishes the ATP it moves. */
export async function setAllocation(trx: Trx, input: SetAllocationInput): Promise<CommandResult<AllocationView>> {
  if ((input.quotaUnits === undefined) === (input.quotaPercent === undefined)) {
    throw new AppError('validation_failed', 'give exactly one of quotaUnits and quotaPercent');
  }
  const refs = await resolveRefs(trx, { channel: [input.channel], sku: input.sku ? [input.sku] : [] });
  const skuId = input.sku ? refs.sku(input.sku) : null;
  const id = await upsertAllocation(trx, {
    id: newId(), channelId: refs.channel(input.channel), skuId, quotaUnits: input.quotaUnits ?? null, quotaPercent: input.quotaPercent ?? null,
  });
  await publishAllocationChange(trx, skuId);
  const saved = await getAllocation(trx, id);
  return { created: false, value: saved, audit: { action: 'allocation.set', entityType: 'channel_allocation', entityId: id, details: { quotaUnits: input.quotaUnits, quotaPercent: input.quotaPercent } } };
}

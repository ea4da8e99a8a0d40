import type { Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import type { CommandResult } from '../db/command.js';
import { republishAvailability } from '../inventory/index.js';
import { AppError, missingOrConflict } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { isCurrency } from '../shared/money.js';
import type { Channel, ChannelInput, ChannelPatch } from './channel.js';
import { findChannel, insertChannel, toChannel, updateChannel } from './channel.repository.js';

function checkCurrency(currency: string | undefined): void {
  if (currency !== undefined && !isCurrency(currency)) {
    throw new AppError('validation_failed', `"${currency}" is not an ISO 4217 currency code`, {
      errors: [{ path: '/body/currency', message: 'not an ISO 4217 currency code' }],
    });
  }
}

export async function createChannel(trx: Trx, input: ChannelInput): Promise<CommandResult<Channel>> {
  checkCurrency(input.currency);
  try {
    const channel = toChannel(await insertChannel(trx, newId(), input));
    // A new active channel may sell what is in stock: publish its numbers now (compact availability reads them).
    if (channel.active) await republishAvailability(trx);
    return { created: true, value: channel, audit: { action: 'channel.created', entityType: 'channel', entityId: channel.id } };
  } catch (e) {
    if (isPgError(e, pgCode.uniqueViolation)) throw new AppError('already_exists', `a channel with code "${input.code}" already exists`);
    throw e;
  }
}

export async function changeChannel(trx: Trx, id: string, patch: ChannelPatch, expectedVersion?: number): Promise<CommandResult<Channel>> {
  checkCurrency(patch.currency);
  const row = await updateChannel(trx, id, patch, expectedVersion);
  if (!row) {
    throw missingOrConflict('channel', id, await findChannel(trx, id), expectedVersion);
  }
  // The presale window and the channel being active move its ATP without touching stock, so no trigger publishes
  // it: publish here, in the same transaction, rather than leave it stale until the daily job.
  if (patch.policy?.presaleDays !== undefined || patch.active !== undefined) await republishAvailability(trx);
  return { created: false, value: toChannel(row), audit: { action: 'channel.updated', entityType: 'channel', entityId: id, details: { fields: Object.keys(patch) } } };
}

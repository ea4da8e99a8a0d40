/** A channel's return policy: restocking fee, shipping refunded or not, SKUs it does not take back. */
import type { CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { resolveRefs } from '../inventory/index.js';
import type { ReturnPolicy, ReturnPolicyInput } from './returns.js';
import { policyOf, upsertPolicy } from './return.repository.js';

export async function saveReturnPolicy(trx: Trx, channelRef: string, input: ReturnPolicyInput): Promise<CommandResult<ReturnPolicy>> {
  const refs = await resolveRefs(trx, { channel: [channelRef], sku: input.nonReturnableSkus ?? [] });
  const channelId = refs.channel(channelRef);
  await upsertPolicy(trx, channelId, {
    restockingFeeBps: input.restockingFeeBps, refundShipping: input.refundShipping,
    skuIds: input.nonReturnableSkus?.map((s) => refs.sku(s)),
  });
  return { created: false, value: await policyOf(trx, channelId), audit: { action: 'return_policy.saved', entityType: 'channel', entityId: channelId, details: { ...input } } };
}

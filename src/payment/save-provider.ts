/** Setting up payment providers and a channel's payment policy (which provider, when to capture). */
import type { CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { resolveRefs } from '../inventory/index.js';
import { AppError, invalidField } from '../shared/errors.js';
import type { PaymentPolicy, PaymentPolicyInput, Provider, ProviderInput } from './payment.js';
import { findProvider, upsertPolicy, upsertProvider } from './payment.repository.js';

export async function saveProvider(trx: Trx, code: string, input: Omit<ProviderInput, 'code'>): Promise<CommandResult<Provider>> {
  if (input.kind === 'http' && !input.baseUrl) throw invalidField('/body/baseUrl', 'an http provider needs its base URL');
  if (input.kind !== 'http' && input.baseUrl) throw invalidField('/body/baseUrl', `a provider of kind ${input.kind} has no URL; remove it`);
  if (input.kind !== 'test' && input.test) throw invalidField('/body/test', `only a provider of kind test has test settings; this one is ${input.kind}: remove them`);
  if (code === 'offline' && input.kind !== 'offline') {
    // Every channel without a payment policy takes its money through it: a test (or any other) provider under this
    // code would answer for all of them.
    throw new AppError('invalid_state', `the built-in provider offline is the default of every channel without a payment policy and stays of kind offline; create the ${input.kind} provider under another code`, {
      provider: code, kind: input.kind,
    });
  }
  const existed = await findProvider(trx, code);
  const provider = await upsertProvider(trx, { ...input, code });
  return { created: !existed, value: provider, audit: { action: 'payment_provider.saved', entityType: 'payment_provider', entityId: null, details: { code, kind: input.kind, ...(provider.test && { test: provider.test }) } } };
}

export async function savePaymentPolicy(trx: Trx, channelRef: string, input: PaymentPolicyInput): Promise<CommandResult<PaymentPolicy>> {
  const channel = { id: (await resolveRefs(trx, { channel: [channelRef] })).channel(channelRef) };
  const provider = await findProvider(trx, input.provider);
  if (!provider) throw new AppError('not_found', `unknown payment provider "${input.provider}"; see GET /v1/payment-providers`, { entity: 'payment provider', id: input.provider });
  const policy = await upsertPolicy(trx, channel.id, input.provider, input.capture);
  return { created: false, value: policy, audit: { action: 'payment_policy.saved', entityType: 'channel', entityId: channel.id, details: { ...input } } };
}

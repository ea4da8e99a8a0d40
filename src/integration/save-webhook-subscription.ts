/** The webhook subscription use cases: create, change (or re-enable), rotate the secret, delete, replay. */
import type { CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { invalidField, missingOrConflict, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { checkEventTypes, checkUrl, newSecret, type WebhookSubscription, type WebhookSubscriptionInput, type WebhookSubscriptionPatch } from './webhook.js';
import { deleteSubscription, findSubscription, insertSubscription, replayEvents, rotateSecret, toSubscription, updateSubscription } from './webhook.repository.js';

export interface WebhookSettings {
  allowPrivateAddresses: boolean;
}

export async function createWebhookSubscription(trx: Trx, input: WebhookSubscriptionInput, settings: WebhookSettings): Promise<CommandResult<WebhookSubscription>> {
  checkUrl(input.url, settings.allowPrivateAddresses);
  checkEventTypes(input.eventTypes);
  const secret = newSecret();
  const row = await insertSubscription(trx, { id: newId(), url: input.url, eventTypes: input.eventTypes, description: input.description ?? null, secret });
  return {
    created: true, value: { ...toSubscription(row), secret },
    audit: { action: 'webhook_subscription.created', entityType: 'webhook_subscription', entityId: row.id, details: { url: input.url, eventTypes: input.eventTypes } },
  };
}

export async function changeWebhookSubscription(trx: Trx, id: string, patch: WebhookSubscriptionPatch, settings: WebhookSettings, expectedVersion?: number): Promise<CommandResult<WebhookSubscription>> {
  if (patch.url !== undefined) checkUrl(patch.url, settings.allowPrivateAddresses);
  if (patch.eventTypes !== undefined) checkEventTypes(patch.eventTypes);
  if (patch.disabledReason !== undefined && patch.status !== 'disabled') {
    throw invalidField('/disabledReason', 'give it only with status "disabled"');
  }
  const { status, disabledReason, ...fields } = patch;
  const row = await updateSubscription(trx, id, {
    ...fields, reactivate: status === 'active', ...(status === 'disabled' && { disable: disabledReason ?? 'disabled by hand' }),
  }, expectedVersion);
  if (!row) throw missingOrConflict('webhook subscription', id, await findSubscription(trx, id), expectedVersion);
  return {
    created: false, value: toSubscription(row),
    audit: { action: 'webhook_subscription.updated', entityType: 'webhook_subscription', entityId: id, details: { fields: Object.keys(patch) } },
  };
}

/** A new secret; the previous one keeps signing too for `previousValidHours`, so the receiver can switch at its pace. */
export async function rotateWebhookSecret(trx: Trx, id: string, previousValidHours: number): Promise<CommandResult<WebhookSubscription>> {
  const secret = newSecret();
  const row = await rotateSecret(trx, id, secret, previousValidHours);
  if (!row) throw notFound('webhook subscription', id);
  return {
    created: false, value: { ...toSubscription(row), secret },
    audit: { action: 'webhook_subscription.secret_rotated', entityType: 'webhook_subscription', entityId: id, details: { previousValidHours } },
  };
}

export async function removeWebhookSubscription(trx: Trx, id: string): Promise<CommandResult<{ id: string }>> {
  if (!(await deleteSubscription(trx, id))) throw notFound('webhook subscription', id);
  return { created: false, value: { id }, audit: { action: 'webhook_subscription.deleted', entityType: 'webhook_subscription', entityId: id } };
}

export async function replayWebhookEvents(trx: Trx, id: string, sel: { eventId?: string; from?: string; to?: string }): Promise<CommandResult<{ queued: number }>> {
  if (!(await findSubscription(trx, id))) throw notFound('webhook subscription', id);
  const queued = await replayEvents(trx, id, sel);
  return { created: false, value: { queued }, audit: { action: 'webhook_subscription.replayed', entityType: 'webhook_subscription', entityId: id, details: { ...sel, queued } } };
}

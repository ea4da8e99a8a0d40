/**
 * Setting a channel's connector (PUT): its kind, settings and secrets. Secrets are write-only: a secret left out is
 * kept (while the kind stays), `null` removes it; they are sealed with the server's key before they reach the
 * database. A connector that pushes (stock, parcels) registers the relay's connectors sink, so from then on the
 * relay keeps those events for it.
 */
import type { Trx } from '../db/database.js';
import type { CommandResult } from '../db/command.js';
import { findChannel } from '../channel/index.js';
import { upsertSink } from '../integration/index.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Connector, ConnectorInput } from './connector.js';
import { lockConnector, readHealth, saveConnectorRow, type ConnectorRow } from './connector.repository.js';
import { compileMapping } from './mapping.js';
import { openSecrets, sealSecrets, type Secrets } from './secret-box.js';

export const CONNECTOR_SINK = 'connectors';
export const connectorEventTypes = ['inventory.availability_changed', 'order.shipment_created'];

export function toConnector(row: ConnectorRow, channelCode: string, health: Connector['health']): Connector {
  return {
    channel: channelCode, kind: row.kind, active: row.active, settings: row.settings as Record<string, unknown>, secrets: row.secret_names,
    webhookUrl: `/v1/connectors/${channelCode}/webhooks/`, health, version: row.version,
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}

/** Whether a connector's settings ask for pushes out of Ordo (the relay's connectors sink must then exist). */
export function pushes(kind: string, settings: Record<string, unknown>): boolean {
  if (kind === 'shopify') return settings.pushFulfillments !== false || (settings.locationId !== undefined && settings.pushStock !== false);
  if (kind === 'mapping') return typeof settings.stockPushUrl === 'string';
  return false;
}

export async function saveConnector(trx: Trx, channelRef: string, input: ConnectorInput, key: Buffer | null): Promise<CommandResult<Connector>> {
  const channel = await findChannel(trx, channelRef);
  if (!channel) throw notFound('channel', channelRef);
  const settings: Record<string, unknown> = { ...(input.settings ?? {}) };
  if (input.kind === 'mapping') {
    if (input.settings.mapping === 'custom' && !input.settings.expression) {
      throw new AppError('validation_failed', 'a custom mapping needs its expression', { errors: [{ path: '/body/settings/expression', message: 'required when mapping is custom' }] });
    }
    if (input.settings.expression) compileMapping(input.settings.expression);
  }
  const current = await lockConnector(trx, channel.id);
  const changes = 'secrets' in input ? input.secrets ?? {} : {};
  let secrets: Secrets = {};
  if (current?.secrets && current.kind === input.kind) {
    if (!key) throw secretKeyMissing();
    secrets = openSecrets(key, current.secrets);
  }
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === undefined) delete secrets[name];
    else secrets[name] = value;
  }
  const names = Object.keys(secrets).sort();
  if (names.length > 0 && !key) throw secretKeyMissing();
  const sealed = names.length > 0 && key ? sealSecrets(key, secrets) : null;
  const { row, created } = await saveConnectorRow(trx, {
    channelId: channel.id, kind: input.kind, settings, secrets: sealed, secretNames: names, active: input.active ?? true,
  });
  if (pushes(input.kind, settings)) await upsertSink(trx, { sink: CONNECTOR_SINK, kind: 'connectors', eventTypes: connectorEventTypes });
  return {
    created,
    value: toConnector(row, channel.code, await readHealth(trx, channel.id)),
    audit: { action: created ? 'connector.created' : 'connector.updated', entityType: 'channel', entityId: channel.id, details: { kind: input.kind, secretsChanged: Object.keys(changes) } },
  };
}

const secretKeyMissing = () => new AppError('conflict', 'this server cannot store connector secrets: set CONNECTOR_SECRET_KEY (32 random bytes, e.g. `openssl rand -hex 32`) and restart it');

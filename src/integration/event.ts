/**
 * The event contract: one envelope for every event, whatever the sink (webhooks, NATS, the live stream).
 *
 * `id` is the event's UUID (what consumers de-duplicate by: delivery is at least once); `aggregateType`,
 * `aggregateId` and `aggregateVersion` say whose change it reports and which version of it came out, so a consumer
 * applies events of one aggregate in version order and ignores one older than what it has; `occurredAt` is when the
 * transaction that made it true ran; `data` is the payload, whose schema per type is in the module that writes it
 * (order-events.ts, inventory-events.ts) and in docs/events.md.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Type, type Static } from 'typebox';
import { fulfillmentEvents, shipmentEvents } from '../fulfillment/index.js';
import { inventoryEvents } from '../inventory/index.js';
import { orderEvents } from '../order/index.js';
import { paymentEvents } from '../payment/index.js';
import { returnEvents } from '../returns/index.js';
import type { EventDefinition } from '../shared/events.js';
import { integrationEvents } from './integration-events.js';

/** Every event type Ordo writes, with its aggregate, description and payload schema. */
export const eventCatalog: Record<string, EventDefinition> = { ...orderEvents, ...paymentEvents, ...returnEvents, ...inventoryEvents, ...integrationEvents, ...fulfillmentEvents, ...shipmentEvents };
export const eventTypes = Object.keys(eventCatalog).sort();

export const EventEnvelope = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The event id: the same on every delivery of this event; de-duplicate by it.' }),
  type: Type.String({ description: 'What happened, past tense: `order.shipped`, `inventory.availability_changed`, …' }),
  aggregateType: Type.String({ description: 'The kind of thing that changed: `order`, `channel_availability`, `stock_alert`.' }),
  aggregateId: Type.String(),
  aggregateVersion: Type.Integer({ minimum: 0, description: 'The aggregate\'s version after the change; several events of one change share it.' }),
  occurredAt: Type.String({ format: 'date-time' }),
  data: Type.Object({}, { additionalProperties: true, description: 'The payload: its schema per type is in docs/events.md.' }),
}, { $id: 'Event', additionalProperties: false });
export type EventEnvelope = Static<typeof EventEnvelope>;

/** An outbox row as the relay reads it. */
export interface OutboxRow {
  id: number;
  event_id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number;
  payload: unknown;
  created_at: Date;
}

export function toEnvelope(row: OutboxRow): EventEnvelope {
  return {
    id: row.event_id, type: row.type, aggregateType: row.aggregate_type, aggregateId: row.aggregate_id,
    aggregateVersion: row.aggregate_version, occurredAt: row.created_at.toISOString(), data: row.payload as Record<string, unknown>,
  };
}

const ajv = addFormats.default(new Ajv({ allErrors: true, strict: false }));
const validators = new Map<string, ValidateFunction>(Object.entries(eventCatalog).map(([type, d]) => [type, ajv.compile(d.payload)]));

/** What is wrong with an event, or [] when its type is known, its aggregate the declared one and its payload valid. */
export function eventProblems(e: Pick<OutboxRow, 'type' | 'aggregate_type' | 'payload'>): string[] {
  const definition = eventCatalog[e.type];
  const validate = validators.get(e.type);
  if (!definition || !validate) return [`unknown event type ${e.type} (add it to its module's event catalogue)`];
  const problems: string[] = [];
  if (e.aggregate_type !== definition.aggregate) problems.push(`aggregate ${e.aggregate_type}, declared ${definition.aggregate}`);
  if (!validate(e.payload)) problems.push(...(validate.errors ?? []).map((x) => `${x.instancePath || '/'} ${x.message ?? ''}`));
  return problems;
}

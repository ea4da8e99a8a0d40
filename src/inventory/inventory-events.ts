/**
 * The inventory events, written by the stock signals in SQL (ordo_publish_signals, migrations 0006, 0012, 0016) in
 * the statement that changed the stock — or, for capture's batch writes, in the publish right after their commit
 * (migration 0041, ADR 0013). Their payload schemas, for docs/events.md and the test suite's check.
 */
import { Type } from 'typebox';
import { Code, Id } from '../http/schemas.js';
import type { EventDefinition } from '../shared/events.js';

const strict = { additionalProperties: false } as const;

export const inventoryEvents = {
  'inventory.availability_changed': {
    aggregate: 'channel_availability',
    description: 'The number a channel may sell of a SKU changed. The aggregate is the (channel, SKU) pair '
      + '(`aggregateId` is `channelId:skuId`); apply a number only if its `aggregateVersion` is higher than the last one '
      + 'applied. External sinks (webhooks, NATS) get these coalesced: the latest number per pair, never an older one after a newer. '
      + 'A batch of captured orders publishes its numbers in a second transaction right after its own (ADR 0013), '
      + 'so these may arrive just after the `order.*` events of the orders that moved them.',
    payload: Type.Object({
      channelId: Id, channel: Code, skuId: Id, sku: Code,
      available: Type.Integer({ description: 'Available to promise on the channel now.' }),
    }, strict),
  },
  'inventory.low_stock': {
    aggregate: 'stock_alert',
    description: 'Free stock of a SKU at a location fell below its reorder point: a low-stock alert was raised.',
    payload: Type.Object({
      alertId: Id, skuId: Id, locationId: Id,
      available: Type.Integer({ description: 'On hand − reserved − quarantined when the alert was raised.' }),
      reorderPoint: Type.Integer({ minimum: 0 }),
    }, strict),
  },
} satisfies Record<string, EventDefinition>;

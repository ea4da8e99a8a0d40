/** The integration module's own events. */
import { Type } from 'typebox';
import { Id } from '../http/schemas.js';
import type { EventDefinition } from '../shared/events.js';

export const integrationEvents = {
  'integration.webhook_disabled': {
    aggregate: 'webhook_subscription',
    description: 'A webhook endpoint failed for days and was disabled; its deliveries wait until it is re-enabled (PATCH `status: "active"`).',
    payload: Type.Object({ subscriptionId: Id, url: Type.String(), reason: Type.String() }, { additionalProperties: false }),
  },
} satisfies Record<string, EventDefinition>;

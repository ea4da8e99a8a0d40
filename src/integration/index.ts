/**
 * The integration module's front door: the event contract (envelope, catalogue, validation), the outbox relay and
 * its sinks. The only file other modules import (a lint rule enforces it).
 */
export { eventCatalog, eventTypes, eventProblems, toEnvelope, EventEnvelope, type OutboxRow } from './event.js';
export { renderEventReference, withEventReference } from './events-doc.js';
export { registerWebhookRoutes } from './webhook.routes.js';
export { startRelay, type LocalSink, type Relay, type RelayOptions } from './relay.js';
export { natsSink, type NatsSink } from './nats-sink.js';
export { cleanupEvents, upsertSink } from './relay.repository.js';
export { registerEventStreamRoutes } from './event-stream.routes.js';
export { integrationChecks } from './check.js';

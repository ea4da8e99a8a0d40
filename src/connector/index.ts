/**
 * The connector module's front door: per sales channel, how its orders come in (Shopify webhooks, JSONata mappings
 * for Taobao/Tmall, JD, Pinduoduo or any JSON, CSV/Excel files) and its stock and parcels go back out (a sink of the
 * outbox relay). Its own module rather than part of `channel`: it uses capture and cancellation (order), which use
 * channel, so inside channel it would make a cycle.
 */
export { registerConnectorRoutes, type ConnectorDeps } from './connector.routes.js';
export { connectorSink, type ConnectorSinkOptions } from './connector-sink.js';
export { CONNECTOR_SINK, connectorEventTypes } from './save-connector.js';
export { pullDueConnectors, type PullOptions, type PullSummary } from './pull-orders.js';
export { connectorChecks } from './check.js';

/** The fulfilment module's front door: the only file other modules import. */
export { Carrier, CarrierInput } from './carrier.js';
export { findCarrierByRef } from './carrier.repository.js';
export { registerCarrierRoutes } from './carrier.routes.js';
export { upsertCarrier } from './save-carrier.js';
export { registerFulfillmentRoutes, defaultFulfillmentSettings, type FulfillmentSettings } from './fulfillment-order.routes.js';
export { fulfillmentHooks } from './release-to-fulfillment.js';
export { fulfillmentEvents, shipmentEvents } from './fulfillment-events.js';
export { expireUncollectedPickups, completeDeliveredOrders } from './fulfillment-jobs.js';
export { fulfillmentStatuses, fulfillmentTransitions } from './fulfillment-status.js';
export { fulfillmentChecks } from './check.js';

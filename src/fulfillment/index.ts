/** The fulfilment module's front door: the only file other modules import. */
export { Carrier, CarrierInput } from './carrier.js';
export { findCarrierByRef } from './carrier.repository.js';
export { registerCarrierRoutes } from './carrier.routes.js';
export { upsertCarrier } from './save-carrier.js';
export { registerFulfillmentRoutes, defaultFulfillmentSettings, type FulfillmentSettings } from './fulfillment-order.routes.js';
export { fulfillmentFillHooks, fulfillmentHooks } from './release-to-fulfillment.js';
export { fulfillmentEvents, shipmentEvents } from './fulfillment-events.js';
export { expireUncollectedPickups, completeDeliveredOrders } from './fulfillment-jobs.js';
export { fulfillmentStatuses, fulfillmentTransitions } from './fulfillment-status.js';
export { fulfillmentChecks } from './check.js';
// Carriers and rates (issue #19 part 5): pricing is pure (rate.ts); capture reads the cached rate book.
export { adapterFor, manualAdapter, rateTableAdapter, type CarrierAdapter } from './carrier-adapter.js';
export { estimateShippingCost, parcelOf, regionOf, type Parcel, type RateBook, type RatedService } from './rate.js';
export { promiseDelivery, type DeliveryPromise } from './promise.js';
export { rateBookAt, rateCatalogVersionSql } from './rate-book.js';
export { RateTableInput, rateTableProblems } from './rate-table.js';
export { setRateTable } from './set-rate-table.js';
export { rateChecks } from './rate-check.js';

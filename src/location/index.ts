/** The location module's front door: warehouses, stores, drop-shippers. */
export { registerLocationRoutes } from './location.routes.js';
export { Location, LocationInput } from './location.js';
export { upsertLocationBatch } from './save-location.js';
export { findLocationByRef } from './location.repository.js';

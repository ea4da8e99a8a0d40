/** The fulfilment module's front door: the only file other modules import. */
export { Carrier, CarrierInput } from './carrier.js';
export { findCarrierByRef } from './carrier.repository.js';
export { registerCarrierRoutes } from './carrier.routes.js';
export { upsertCarrier } from './save-carrier.js';

/**
 * The returns module's front door: returns (RMA) from request to refund, channels' return policies, and insight into
 * what comes back and why. The only file other modules import (a lint rule enforces it).
 */
export { registerReturnRoutes, type ReturnDeps } from './returns.routes.js';
export { returnChecks } from './check.js';
export { returnRefundSettled } from './refund-return.js';
export { registerCustomerReturnRoutes } from './customer-return.routes.js';
export { returnEvents } from './return-events.js';

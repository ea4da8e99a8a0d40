/**
 * The order module's front door: capture, review rules and holds, the lifecycle, edits, split and merge, search and
 * tracking. The only file other modules import (a lint rule enforces it).
 */
export { registerOrderModule } from './routes.js';
export { registerTrackRoutes } from './track.routes.js';
export { orderChecks } from './check.js';
export { orderStatuses, transitions, type OrderStatus } from './order-status.js';
export { orderSearchText } from './search-text.js';
export { itemsSignature } from './order-state.js';
export { fillBackorders, findFillableOrders, FILL_ACTOR } from './fill-backorders.js';
export { orderEvents } from './order-events.js';

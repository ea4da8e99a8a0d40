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
/** For the fulfilment module: a rejected fulfilment order's lines are sourced again elsewhere (docs/sourcing.md). */
export { resourceAwayFrom, resourceOrder, RESOURCE_ACTOR, type ResourceResult } from './resource-order.js';
/** For the payment and returns modules: the locked order model, its view, its timeline, holds, and returned units. */
export { lockOrder, loadOrder, addTimeline } from './order.repository.js';
export { activeUnits, type OrderState, type LineState } from './order-state.js';
export { canTransition } from './order-status.js';
export { placeHold } from './place-hold.js';
export { recordReturnedUnits } from './return-units.js';
/** For exchanges (src/returns/): a replacement order goes through capture's own path, rules and events. */
export { captureOrder } from './capture-order.js';
export type { CaptureOrder, Order } from './order.js';
export { orderEvents } from './order-events.js';

/**
 * The order module's front door: capture, review rules and holds, the lifecycle, edits, split and merge, search and
 * tracking. The only file other modules import (a lint rule enforces it).
 */
export { registerOrderModule, type OrderHooks } from './routes.js';
export { meteredCapture } from './order.routes.js';
export { registerTrackRoutes } from './track.routes.js';
export { orderChecks } from './check.js';
export { orderStatuses, transitions, type OrderStatus } from './order-status.js';
export { orderSearchText } from './search-text.js';
export { itemsSignature } from './order-state.js';
export { fillBackorders, findFillableOrders, FILL_ACTOR, type FillHooks } from './fill-backorders.js';
export { rebuildOrderVolume } from './dashboard.repository.js';
/** For the fulfilment module: a rejected fulfilment order's lines are sourced again elsewhere (docs/sourcing.md). */
export { resourceAwayFrom, resourceOrder, RESOURCE_ACTOR, type ResourceResult } from './resource-order.js';
/** For the payment and returns modules: the locked order model, its view, its timeline, holds, and returned units. */
export { lockOrder, loadOrder, addTimeline } from './order.repository.js';
/** For the availability explanation (inventory, through app.ts): the orders holding reservations of order lines. */
export { ordersOfLines } from './order.repository.js';
export { activeUnits, type OrderState, type LineState } from './order-state.js';
export { canTransition } from './order-status.js';
export { placeHold } from './place-hold.js';
export { recordReturnedUnits } from './return-units.js';
/** For exchanges (src/returns/): a replacement order goes through capture's own path, rules and events. */
export { captureOrder } from './capture-order.js';
export type { CaptureOrder, Order } from './order.js';
/** For connectors (src/connector/): the capture request's schema, capture's batched path, and cancelling (below). */
export { CaptureOrder as CaptureOrderSchema } from './order.js';
export { batchedCapture, type CaptureBatched } from './capture-batch.js';
export { orderEvents } from './order-events.js';
/** For the fulfilment module (and connectors: cancelling): handing the order to the warehouse, parcels, ways back, delivery and closing. */
export { releaseOrder } from './release-order.js';
export { shipOrderUnits, type ShipUnits, type ShippedUnits } from './ship-order.js';
export { recallOrder } from './recall-order.js';
export { cancelOrder } from './cancel-order.js';
export { deliverOrder } from './deliver-order.js';
export { completeOrder } from './complete-order.js';
export { findOrdersDeliveredBefore } from './order-closing.repository.js';
export { openUnits } from './order-state.js';
export { LineUnits, Address } from './order.js';
export { OrderView, redactOrder } from './redact-order.js';
/** For data import (src/transfer/): closed orders from another system, written as history (no stock, no events). */
export { importHistoricalOrders, historicalStatuses, type HistoricalOrder, type HistoricalStatus, type HistoryProblem } from './import-history.js';

/**
 * The inventory module's front door: the only file other modules import (a lint rule enforces it). Stock levels and
 * their ledger, reservations, supply, counts, ERP/WMS sync, channel allocation and availability to promise.
 */
export { registerInventoryRoutes, type InventoryDeps } from './routes.js';
export { inventoryChecks } from './check.js';
export { Ref, Quantity, freeUnits, type MovementReason } from './inventory.js';
export { resolveRefs, type ResolvedRefs } from './refs.repository.js';
export { moveStock, receiptMovements } from './move-stock.js';
/** For the fulfilment module: a location's shortfall written off or quarantined. */
export { adjustStock } from './adjust-stock.js';
export { quarantineStock } from './quarantine-stock.js';
export { reserveStock, closeReservations, checkChannelAllocation, allocationShortfall, expireReservations } from './reserve-stock.js';
export { lockAllocatedSkus, lockOpenReservations, reserveIncoming, insertIncomingReservations } from './reservation.repository.js';
export { channelAvailability, pendingSignalsPublisher, publishPendingSignals, publishSignals, publishSkuSignals, republishAvailability } from './availability.repository.js';
export { recomputeSafetyStock } from './stock-settings.js';
/** For the dashboard (src/order/dashboard.routes.ts): low-stock alerts waiting. */
export { countUnresolvedAlerts } from './alert.repository.js';
export { findLevels, freeStockOf, freeSql, type FreeStock, hasStockOnHand, applyMovements, type Movement } from './stock.repository.js';
/**
 * The stock movement statement's CTEs, for a use case that writes stock in its own statement (capture, ADR 0002).
 * Contract: the caller's statement must not define a CTE named in `movementCteNames`; `movementResult` selects the
 * counters after the change from them.
 */
export { movementCtes, movementCteNames, movementResult } from './stock.repository.js';
export { inventoryEvents } from './inventory-events.js';
/** For data import (src/transfer/): absolute stock levels through the ERP/WMS sync use case. */
export { syncStock } from './sync-stock.js';
export { MAX_SYNC_ROWS } from './stock-sync.js';

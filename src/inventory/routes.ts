/** Every inventory route, registered under /v1 by app.ts. */
import type { App } from '../http/app.js';
import type { Config } from '../config.js';
import type pg from 'pg';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { registerAlertRoutes } from './alert.routes.js';
import { registerAllocationRoutes } from './allocation.routes.js';
import { registerAvailabilityRoutes } from './availability.routes.js';
import { registerCountRoutes } from './count.routes.js';
import { registerExplainAvailabilityRoutes } from './explain-availability.routes.js';
import { registerReservationRoutes } from './reservation.routes.js';
import { registerStockRoutes } from './stock.routes.js';
import { registerSupplyRoutes } from './supply.routes.js';
import { registerSyncRoutes } from './sync.routes.js';

export interface InventoryDeps {
  db: Db;
  batchDb: Db;
  /** For the stock snapshot, which copies its body into a temporary table on a connection of its own. */
  pool: pg.Pool;
  run: RunCommand;
  config: Pick<Config, 'syncHoldUnits' | 'syncHoldPercent'>;
  /**
   * Names what holds reservations of order lines (their orders), for the availability explanation. Given by app.ts
   * from the order module, which inventory does not import (order depends on inventory).
   */
  holders?: (orderLineIds: readonly string[]) => Promise<Map<string, { id: string; number: string }>>;
}

export function registerInventoryRoutes(app: App, deps: InventoryDeps): void {
  registerStockRoutes(app, deps);
  registerReservationRoutes(app, deps);
  registerSupplyRoutes(app, deps);
  registerAvailabilityRoutes(app, deps);
  registerExplainAvailabilityRoutes(app, deps);
  registerAllocationRoutes(app, deps);
  registerAlertRoutes(app, deps);
  registerCountRoutes(app, deps);
  registerSyncRoutes(app, deps);
}

/** Every order route, registered under /v1 by app.ts. */
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import type { Registry } from 'prom-client';
import { registerOrderChangeRoutes } from './order-change.routes.js';
import { registerOrderLifecycleRoutes } from './order-lifecycle.routes.js';
import { registerOrderReviewRoutes } from './order-review.routes.js';
import { registerOrderSearchRoutes } from './order-search.routes.js';
import { registerOrderRoutes } from './order.routes.js';
import { registerSavedViewRoutes } from './saved-view.routes.js';
import { registerDashboardRoutes } from './dashboard.routes.js';

export interface OrderDeps {
  db: Db;
  /** Connections for batched writes (capture). */
  batchDb: Db;
  run: RunCommand;
  /** Where the order module's metrics go (the capture batches' decisions). */
  metrics: Registry;
}

export function registerOrderModule(app: App, deps: OrderDeps): void {
  registerOrderRoutes(app, deps);
  registerOrderSearchRoutes(app, deps);
  registerOrderReviewRoutes(app, deps);
  registerOrderLifecycleRoutes(app, deps);
  registerOrderChangeRoutes(app, deps);
  registerSavedViewRoutes(app, deps);
  registerDashboardRoutes(app, deps);
}

/** Every order route, registered under /v1 by app.ts. */
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import type { CaptureBatched } from './capture-batch.js';
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import type { Order } from './order.js';
import type { RevenueConverter } from './dashboard.js';
import { loadOrder } from './order.repository.js';
import { registerOrderChangeRoutes } from './order-change.routes.js';
import { registerOrderLifecycleRoutes } from './order-lifecycle.routes.js';
import { registerOrderReviewRoutes } from './order-review.routes.js';
import { registerOrderSearchRoutes } from './order-search.routes.js';
import { registerOrderRoutes } from './order.routes.js';
import { registerSavedViewRoutes } from './saved-view.routes.js';
import { registerDashboardRoutes } from './dashboard.routes.js';

export interface OrderDeps {
  db: Db;
  run: RunCommand;
  /** The process's capture pipeline (meteredCapture), shared with the connectors and the pull jobs. */
  captureBatched: CaptureBatched;
  /** What the order module tells others; the fulfilment module listens (app.ts wires it). */
  hooks?: OrderHooks;
  /** Today's revenue in the base currency for the dashboard: the payment module's exchange rates (app.ts wires it). */
  revenueInBase: RevenueConverter;
}

/**
 * The order module knows the fulfilment module only by this hook, so that the dependency goes one way (fulfilment
 * uses the order module's front door). A command that may take units back from the warehouse or move the order out
 * of it (cancel, recall, a hold decided) calls it in its transaction, and the fulfilment orders follow the lines.
 */
export interface OrderHooks {
  warehouseChanged?(trx: Trx, orderId: string, actor: string): Promise<void>;
}

/** Runs a command on an order, then the warehouse hook, in the same transaction. */
export async function afterWarehouseChange(
  hooks: OrderHooks | undefined, trx: Trx, ctx: CommandContext, command: Promise<CommandResult<Order>>,
): Promise<CommandResult<Order>> {
  const result = await command;
  if (!hooks?.warehouseChanged) return result;
  await hooks.warehouseChanged(trx, result.value.id, ctx.actorName);
  // The hook may move the order on (a held shipped order released is delivered once every parcel was): answer it as it is now.
  return { ...result, value: await loadOrder(trx, result.value.id) };
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

/** Every inventory route, registered under /v1 by app.ts. */
import type { App } from '../app.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';

export interface InventoryDeps {
  db: Db;
  run: RunCommand;
  config: Pick<Config, 'syncHoldUnits' | 'syncHoldPercent'>;
}

export function registerInventoryRoutes(app: App, deps: InventoryDeps): void {
  void app;
  void deps;
}

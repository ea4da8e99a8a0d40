import type { App } from '../app.js';
import type { OrderDeps } from './routes.js';

// Placeholder: being written (see the orders issue); registers nothing yet.
export function registerOrderLifecycleRoutes(_app: App, _deps: OrderDeps): void {}

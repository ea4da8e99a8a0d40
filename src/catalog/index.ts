/** The catalog module's front door: SKUs and bundles. */
export { registerBundleRoutes } from './bundle.routes.js';
export { registerCatalogRoutes } from './sku.routes.js';
export { Sku, SkuInput, type SkuPatch } from './sku.js';
export { findSkuById, findSkuByRef } from './sku.repository.js';
export { upsertSkuBatch } from './upsert-skus.js';

/**
 * Making a SKU a bundle (kit) of other SKUs, or no longer one. Its availability is computed from its components (min
 * over components of component ATP ÷ quantity); it holds no stock of its own.
 */
import type { Trx } from '../db/database.js';
import type { CommandResult } from '../db/command.js';
import { hasStockOnHand, publishSkuSignals, resolveRefs } from '../inventory/index.js';
import { AppError, notFound } from '../shared/errors.js';
import { loadComponents, nestsBundles, replaceComponents } from './bundle.repository.js';
import { findSkuById } from './sku.repository.js';

export async function setBundleComponents(trx: Trx, bundleId: string, wanted: readonly { sku: string; quantity: number }[]): Promise<CommandResult<Awaited<ReturnType<typeof loadComponents>>>> {
  if (!await findSkuById(trx, bundleId)) throw notFound('SKU', bundleId);
  const refs = await resolveRefs(trx, { sku: wanted.map((c) => c.sku) });
  const components = wanted.map((c) => ({ skuId: refs.sku(c.sku), quantity: c.quantity }));
  if (components.some((c) => c.skuId === bundleId)) throw new AppError('validation_failed', 'a bundle cannot contain itself');
  if (new Set(components.map((c) => c.skuId)).size < components.length) throw new AppError('validation_failed', 'each component once per bundle');
  // One level deep: a component that is itself a bundle, or a bundle used as a component, would make ATP recursive.
  if (components.length > 0 && await nestsBundles(trx, bundleId, components.map((c) => c.skuId))) {
    throw new AppError('validation_failed', 'bundles are one level deep: a bundle cannot contain another bundle or be a component itself');
  }
  if (components.length > 0 && await hasStockOnHand(trx, bundleId)) {
    throw new AppError('conflict', 'this SKU has stock of its own; a bundle is available only through its components');
  }
  await replaceComponents(trx, bundleId, components);
  // The bundle's ATP changed for every channel: publish it (through any stocked component's rows).
  await publishSkuSignals(trx, components.length > 0 ? components.map((c) => c.skuId) : [bundleId]);
  return { created: false, value: await loadComponents(trx, bundleId), audit: { action: 'sku.components_set', entityType: 'sku', entityId: bundleId, details: { components: components.length } } };
}

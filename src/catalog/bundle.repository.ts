/** SQL for bundles (a SKU made of other SKUs): their components. */
import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';

export async function loadComponents(db: DbOrTrx, bundleId: string): Promise<{ components: { sku: string; skuId: string; quantity: number }[] }> {
  const rows = await db.selectFrom('sku_components as c').innerJoin('skus as k', 'k.id', 'c.component_sku_id')
    .select(['k.code as sku', 'k.id as skuId', 'c.quantity']).where('c.bundle_sku_id', '=', bundleId).orderBy('k.code').execute();
  return { components: rows };
}

/** Whether any of the SKUs is a bundle, or the bundle is itself a component of another. */
export async function nestsBundles(trx: Trx, bundleId: string, componentIds: readonly string[]): Promise<boolean> {
  const nested = await sql<{ id: string }>`
    SELECT bundle_sku_id AS id FROM sku_components WHERE bundle_sku_id = ANY(${componentIds}::uuid[])
    UNION SELECT component_sku_id FROM sku_components WHERE component_sku_id = ${bundleId}::uuid`.execute(trx);
  return nested.rows.length > 0;
}

export async function replaceComponents(trx: Trx, bundleId: string, components: readonly { skuId: string; quantity: number }[]): Promise<void> {
  await trx.deleteFrom('sku_components').where('bundle_sku_id', '=', bundleId).execute();
  if (components.length > 0) {
    await trx.insertInto('sku_components').values(components.map((c) => ({ bundle_sku_id: bundleId, component_sku_id: c.skuId, quantity: c.quantity }))).execute();
  }
}

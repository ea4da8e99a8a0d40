/**
 * Bundles (kits): a SKU made of other SKUs. Its availability is computed from its components (min over components of
 * component ATP ÷ quantity); it holds no stock of its own.
 */
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { App } from '../app.js';
import type { Db, DbOrTrx } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { IdParams } from '../http/schemas.js';
import { publishSignals } from '../inventory/availability.repository.js';
import { Ref } from '../inventory/inventory.js';
import { resolveRefs } from '../inventory/refs.repository.js';
import { AppError, notFound } from '../shared/errors.js';
import { problemResponse } from '../http/openapi.js';

const Components = Type.Object({
  components: Type.Array(Type.Object({
    sku: Ref,
    quantity: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Units of this component in one bundle' }),
  }, { additionalProperties: false }), { maxItems: 100, description: 'Empty: the SKU is no longer a bundle' }),
}, { additionalProperties: false });

const ComponentsView = Type.Object({
  components: Type.Array(Type.Object({ sku: Type.String(), skuId: Type.String(), quantity: Type.Integer() })),
});

async function loadComponents(db: DbOrTrx, bundleId: string) {
  const rows = await db.selectFrom('sku_components as c').innerJoin('skus as k', 'k.id', 'c.component_sku_id')
    .select(['k.code as sku', 'k.id as skuId', 'c.quantity']).where('c.bundle_sku_id', '=', bundleId).orderBy('k.code').execute();
  return { components: rows };
}

export function registerBundleRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  const tags = ['catalog'];

  app.get('/skus/:id/components', {
    config: { permission: 'catalog:read' },
    schema: { tags, summary: 'The components of a bundle SKU', params: IdParams, response: { 200: ComponentsView } },
  }, async (request) => {
    const sku = await db.selectFrom('skus').select('id').where('id', '=', request.params.id).executeTakeFirst();
    if (!sku) throw notFound('SKU', request.params.id);
    return loadComponents(db, sku.id);
  });

  app.put('/skus/:id/components', {
    config: { permission: 'catalog:write' },
    schema: { tags, summary: 'Make a SKU a bundle of other SKUs (replaces its components)', params: IdParams, body: Components, response: { 200: ComponentsView, 404: problemResponse('No such SKU, or an unknown component SKU (`not_found`); `missing` lists each') } },
  }, (request, reply) => run(request, reply, async (trx) => {
    const bundleId = request.params.id;
    const sku = await trx.selectFrom('skus').select('id').where('id', '=', bundleId).executeTakeFirst();
    if (!sku) throw notFound('SKU', bundleId);
    const refs = await resolveRefs(trx, { sku: request.body.components.map((c) => c.sku) });
    const components = request.body.components.map((c) => ({ skuId: refs.sku(c.sku), quantity: c.quantity }));
    if (components.some((c) => c.skuId === bundleId)) throw new AppError('validation_failed', 'a bundle cannot contain itself');
    if (new Set(components.map((c) => c.skuId)).size < components.length) throw new AppError('validation_failed', 'each component once per bundle');
    // One level deep: a component that is itself a bundle, or a bundle used as a component, would make ATP recursive.
    const nested = await sql<{ id: string }>`
      SELECT bundle_sku_id AS id FROM sku_components WHERE bundle_sku_id = ANY(${components.map((c) => c.skuId)}::uuid[])
      UNION SELECT component_sku_id FROM sku_components WHERE component_sku_id = ${bundleId}::uuid`.execute(trx);
    if (nested.rows.length > 0 && components.length > 0) {
      throw new AppError('validation_failed', 'bundles are one level deep: a bundle cannot contain another bundle or be a component itself');
    }
    const stocked = await trx.selectFrom('stock_levels').select('sku_id').where('sku_id', '=', bundleId).where('on_hand', '>', 0).executeTakeFirst();
    if (stocked && components.length > 0) throw new AppError('conflict', 'this SKU has stock of its own; a bundle is available only through its components');
    await trx.deleteFrom('sku_components').where('bundle_sku_id', '=', bundleId).execute();
    if (components.length > 0) {
      await trx.insertInto('sku_components').values(components.map((c) => ({ bundle_sku_id: bundleId, component_sku_id: c.skuId, quantity: c.quantity }))).execute();
    }
    // The bundle's ATP changed for every channel: publish it (through any stocked component's rows).
    const pairs = await trx.selectFrom('stock_levels').select(['sku_id as skuId', 'location_id as locationId'])
      .where('sku_id', 'in', components.length > 0 ? components.map((c) => c.skuId) : [bundleId]).execute();
    await publishSignals(trx, pairs);
    return { status: 200, body: await loadComponents(trx, bundleId), audit: { action: 'sku.components_set', entityType: 'sku', entityId: bundleId, details: { components: components.length } } };
  }));
}

/**
 * Bundles (kits): a SKU made of other SKUs. Its availability is computed from its components (min over components of
 * component ATP ÷ quantity); it holds no stock of its own.
 */
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { IdParams } from '../http/schemas.js';
import { Ref } from '../inventory/index.js';
import { notFound } from '../shared/errors.js';
import { loadComponents } from './bundle.repository.js';
import { setBundleComponents } from './set-bundle-components.js';
import { findSkuById } from './sku.repository.js';
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

export function registerBundleRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  const tags = ['catalog'];

  app.get('/skus/:id/components', {
    config: { permission: 'catalog:read' },
    schema: { tags, summary: 'The components of a bundle SKU', params: IdParams, response: { 200: ComponentsView } },
  }, async (request) => {
    if (!await findSkuById(db, request.params.id)) throw notFound('SKU', request.params.id);
    return loadComponents(db, request.params.id);
  });

  app.put('/skus/:id/components', {
    config: { permission: 'catalog:write' },
    schema: { tags, summary: 'Make a SKU a bundle of other SKUs (replaces its components)', params: IdParams, body: Components, response: { 200: ComponentsView, 404: problemResponse('No such SKU, or an unknown component SKU (`not_found`); `missing` lists each') } },
  }, (request, reply) => run(request, reply, (trx) => setBundleComponents(trx, request.params.id, request.body.components)));
}

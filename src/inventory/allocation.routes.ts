/** Channel allocation rules (the allocation layer): dedicated quotas per channel and SKU, the rest a shared pool. */
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import { Id, IdParams, Nullable, Timestamp } from '../http/schemas.js';
import { listAllocations } from './allocation.repository.js';
import { Ref } from './inventory.js';
import { resolveRefs } from './refs.repository.js';
import { removeAllocation } from './remove-allocation.js';
import type { InventoryDeps } from './routes.js';
import { setAllocation } from './set-allocation.js';
import { unknownRefResponse } from '../http/openapi.js';

const tags = ['inventory'];
const Allocation = Type.Object({
  id: Id,
  channel: Type.String(),
  sku: Nullable(Type.String({ description: 'null: the channel\'s default for every SKU without its own rule' })),
  quotaUnits: Nullable(Type.Integer()),
  quotaPercent: Nullable(Type.Number()),
  updatedAt: Timestamp,
});

export function registerAllocationRoutes(app: App, { db, run }: InventoryDeps): void {
  app.get('/allocations', {
    config: { permission: 'inventory:read' },
    schema: {
      tags, summary: 'List channel allocation rules',
      querystring: Type.Object({ channel: Type.Optional(Ref), sku: Type.Optional(Ref) }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(Allocation) }), 404: unknownRefResponse() },
    },
  }, async (request) => {
    const { channel, sku } = request.query;
    const refs = await resolveRefs(db, { channel: channel ? [channel] : [], sku: sku ? [sku] : [] });
    return { data: await listAllocations(db, { channelId: channel ? refs.channel(channel) : undefined, skuId: sku ? refs.sku(sku) : undefined }) };
  });

  app.put('/allocations', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Set a channel\'s dedicated quota for a SKU (or its default), in units or percent of sellable stock',
      body: Type.Object({
        channel: Ref,
        sku: Type.Optional(Nullable(Ref)),
        quotaUnits: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
        quotaPercent: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
      }, { additionalProperties: false }),
      response: { 200: Allocation, 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, (trx) => setAllocation(trx, request.body)));

  app.delete('/allocations/:id', {
    config: { permission: 'inventory:write' },
    schema: { tags, summary: 'Remove an allocation rule (its units return to the shared pool)', params: IdParams, response: { 200: Type.Object({ id: Id }) } },
  }, (request, reply) => run(request, reply, (trx) => removeAllocation(trx, request.params.id)));
}

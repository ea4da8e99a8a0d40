/** Channel allocation rules (the allocation layer): dedicated quotas per channel and SKU, the rest a shared pool. */
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { DbOrTrx } from '../db/database.js';
import { Id, IdParams, Nullable, Timestamp } from '../http/schemas.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { publishSignals } from './availability.repository.js';
import { Ref } from './inventory.js';
import { resolveRefs } from './refs.repository.js';
import type { InventoryDeps } from './routes.js';
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
  const select = (q: DbOrTrx = db) => q.selectFrom('channel_allocations as a')
    .innerJoin('channels as c', 'c.id', 'a.channel_id')
    .leftJoin('skus as k', 'k.id', 'a.sku_id')
    .select(['a.id', 'c.code as channel', 'k.code as sku', 'a.quota_units as quotaUnits', 'a.quota_percent as quotaPercent', 'a.updated_at as updatedAt']);
  const shape = (r: { id: string; channel: string; sku: string | null; quotaUnits: number | null; quotaPercent: number | null; updatedAt: Date }) =>
    ({ ...r, updatedAt: r.updatedAt.toISOString() });

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
    let q = select().orderBy('c.code').orderBy('k.code');
    if (channel) q = q.where('a.channel_id', '=', refs.channel(channel));
    if (sku) q = q.where('a.sku_id', '=', refs.sku(sku));
    return { data: (await q.execute()).map(shape) };
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
  }, (request, reply) => run(request, reply, async (trx) => {
    const b = request.body;
    if ((b.quotaUnits === undefined) === (b.quotaPercent === undefined)) {
      throw new AppError('validation_failed', 'give exactly one of quotaUnits and quotaPercent');
    }
    const refs = await resolveRefs(trx, { channel: [b.channel], sku: b.sku ? [b.sku] : [] });
    const skuId = b.sku ? refs.sku(b.sku) : null;
    const row = await sql<{ id: string }>`
      INSERT INTO channel_allocations (id, channel_id, sku_id, quota_units, quota_percent)
      VALUES (${newId()}, ${refs.channel(b.channel)}, ${skuId}, ${b.quotaUnits ?? null}, ${b.quotaPercent ?? null})
      ON CONFLICT (channel_id, sku_id) DO UPDATE SET quota_units = excluded.quota_units,
        quota_percent = excluded.quota_percent, updated_at = now()
      RETURNING id
    `.execute(trx);
    const id = row.rows[0]?.id ?? '';
    await publishAllocationChange(trx, skuId);
    const saved = await select(trx).where('a.id', '=', id).executeTakeFirstOrThrow();
    return { status: 200, body: shape(saved), audit: { action: 'allocation.set', entityType: 'channel_allocation', entityId: id, details: { quotaUnits: b.quotaUnits, quotaPercent: b.quotaPercent } } };
  }));

  app.delete('/allocations/:id', {
    config: { permission: 'inventory:write' },
    schema: { tags, summary: 'Remove an allocation rule (its units return to the shared pool)', params: IdParams, response: { 200: Type.Object({ id: Id }) } },
  }, (request, reply) => run(request, reply, async (trx) => {
    const gone = await trx.deleteFrom('channel_allocations').where('id', '=', request.params.id).returning('sku_id').executeTakeFirst();
    if (!gone) throw notFound('allocation rule', request.params.id);
    await publishAllocationChange(trx, gone.sku_id);
    return { status: 200, body: { id: request.params.id }, audit: { action: 'allocation.removed', entityType: 'channel_allocation', entityId: request.params.id } };
  }));
}

/** A rule change moves the ATP of its SKU (or, for a default rule, of every stocked SKU) for every channel. */
async function publishAllocationChange(trx: Parameters<typeof publishSignals>[0], skuId: string | null): Promise<void> {
  const q = trx.selectFrom('stock_levels').select(['sku_id as skuId', 'location_id as locationId']);
  const pairs = await (skuId ? q.where('sku_id', '=', skuId) : q).execute();
  await publishSignals(trx, pairs);
}

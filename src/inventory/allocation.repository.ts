/** All SQL of channel allocation rules (the allocation layer): dedicated quotas per channel and SKU. */
import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { publishSignals } from './availability.repository.js';

/** A rule as answered: channel and SKU by code (SKU null for the channel's default rule). */
export interface AllocationView { id: string; channel: string; sku: string | null; quotaUnits: number | null; quotaPercent: number | null; updatedAt: string }

const selectAllocations = (q: DbOrTrx) => q.selectFrom('channel_allocations as a')
  .innerJoin('channels as c', 'c.id', 'a.channel_id')
  .leftJoin('skus as k', 'k.id', 'a.sku_id')
  .select(['a.id', 'c.code as channel', 'k.code as sku', 'a.quota_units as quotaUnits', 'a.quota_percent as quotaPercent', 'a.updated_at as updatedAt']);
const toAllocation = (r: { id: string; channel: string; sku: string | null; quotaUnits: number | null; quotaPercent: number | null; updatedAt: Date }): AllocationView =>
  ({ ...r, updatedAt: r.updatedAt.toISOString() });

/** Lists rules by channel code then SKU code, optionally of one channel and/or one SKU. */
export async function listAllocations(db: DbOrTrx, filter: { channelId?: string; skuId?: string }): Promise<AllocationView[]> {
  let q = selectAllocations(db).orderBy('c.code').orderBy('k.code');
  if (filter.channelId) q = q.where('a.channel_id', '=', filter.channelId);
  if (filter.skuId) q = q.where('a.sku_id', '=', filter.skuId);
  return (await q.execute()).map(toAllocation);
}

/** Reads one rule that must exist (e.g. just written in the same transaction). */
export async function getAllocation(q: DbOrTrx, id: string): Promise<AllocationView> {
  return toAllocation(await selectAllocations(q).where('a.id', '=', id).executeTakeFirstOrThrow());
}

/** Inserts the rule of (channel, SKU or default), or replaces the quota of the existing one; returns its id. */
export async function upsertAllocation(
  trx: Trx,
  rule: { id: string; channelId: string; skuId: string | null; quotaUnits: number | null; quotaPercent: number | null },
): Promise<string> {
  const row = await sql<{ id: string }>`
    INSERT INTO channel_allocations (id, channel_id, sku_id, quota_units, quota_percent)
    VALUES (${rule.id}, ${rule.channelId}, ${rule.skuId}, ${rule.quotaUnits}, ${rule.quotaPercent})
    ON CONFLICT (channel_id, sku_id) DO UPDATE SET quota_units = excluded.quota_units,
      quota_percent = excluded.quota_percent, updated_at = now()
    RETURNING id
  `.execute(trx);
  return row.rows[0]?.id ?? '';
}

/** Deletes a rule; returns its SKU (null for a default rule), or undefined when there was no such rule. */
export async function deleteAllocation(trx: Trx, id: string): Promise<{ skuId: string | null } | undefined> {
  const gone = await trx.deleteFrom('channel_allocations').where('id', '=', id).returning('sku_id').executeTakeFirst();
  return gone && { skuId: gone.sku_id };
}

/** A rule change moves the ATP of its SKU (or, for a default rule, of every stocked SKU) for every channel. */
export async function publishAllocationChange(trx: Trx, skuId: string | null): Promise<void> {
  const q = trx.selectFrom('stock_levels').select(['sku_id as skuId', 'location_id as locationId']);
  const pairs = await (skuId ? q.where('sku_id', '=', skuId) : q).execute();
  await publishSignals(trx, pairs);
}

import { sql, type Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import type { Channels } from '../db/types.js';
import type { Channel, ChannelInput, ChannelPatch } from './channel.js';

export type ChannelRow = Selectable<Channels>;

export function toChannel(row: ChannelRow): Channel {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    type: row.type,
    currency: row.currency,
    orderNumberPrefix: row.order_number_prefix,
    policy: {
      allowBackorder: row.allow_backorder, presaleDays: row.presale_days, returnWindowDays: row.return_window_days,
      handlingDays: row.handling_days, defaultTransitDays: row.default_transit_days,
    },
    active: row.active,
    defaultLanguage: row.default_language as Channel['defaultLanguage'],
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function columns(input: ChannelPatch) {
  return {
    name: input.name,
    type: input.type,
    currency: input.currency,
    order_number_prefix: input.orderNumberPrefix,
    allow_backorder: input.policy?.allowBackorder,
    presale_days: input.policy?.presaleDays,
    return_window_days: input.policy?.returnWindowDays,
    handling_days: input.policy?.handlingDays,
    default_transit_days: input.policy?.defaultTransitDays,
    active: input.active,
    default_language: input.defaultLanguage,
  };
}

export async function insertChannel(trx: Trx, id: string, input: ChannelInput): Promise<ChannelRow> {
  return trx
    .insertInto('channels')
    .values({ id, code: input.code, ...columns(input), name: input.name, type: input.type, currency: input.currency })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateChannel(trx: Trx, id: string, patch: ChannelPatch, expectedVersion?: number): Promise<ChannelRow | undefined> {
  let q = trx.updateTable('channels').set({ ...columns(patch), version: sql`version + 1`, updated_at: sql`now()` }).where('id', '=', id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  return q.returningAll().executeTakeFirst();
}

export async function findChannel(db: DbOrTrx, idOrCode: string): Promise<ChannelRow | undefined> {
  return db
    .selectFrom('channels')
    .selectAll()
    .where((eb) => (isUuidLike(idOrCode) ? eb('id', '=', idOrCode) : eb('code', '=', idOrCode)))
    .executeTakeFirst();
}

const isUuidLike = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

export async function listChannels(db: DbOrTrx, f: { type?: string; active?: boolean; afterCode?: string; limit: number }): Promise<ChannelRow[]> {
  let q = db.selectFrom('channels').selectAll().orderBy('code').limit(f.limit);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.active !== undefined) q = q.where('active', '=', f.active);
  if (f.afterCode !== undefined) q = q.where('code', '>', f.afterCode);
  return q.execute();
}

/** SQL of saved views; every statement is limited to the owner's rows, so nobody reads or changes another's view. */
import type { Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import type { SavedViews } from '../db/types.js';
import type { SavedView, SavedViewInput, SavedViewPatch, ViewOwner } from './saved-view.js';

type SavedViewRow = Selectable<SavedViews>;

export const toSavedView = (row: SavedViewRow): SavedView => ({
  id: row.id,
  list: row.list as SavedView['list'],
  name: row.name,
  filters: row.filters as SavedView['filters'],
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export async function listSavedViews(db: DbOrTrx, owner: ViewOwner, list: string): Promise<SavedViewRow[]> {
  return db.selectFrom('saved_views').selectAll().where('owner_id', '=', owner.id).where('list', '=', list).orderBy('name').execute();
}

export async function findSavedView(db: DbOrTrx, owner: ViewOwner, id: string): Promise<SavedViewRow | undefined> {
  return db.selectFrom('saved_views').selectAll().where('id', '=', id).where('owner_id', '=', owner.id).executeTakeFirst();
}

export async function insertSavedView(trx: Trx, id: string, owner: ViewOwner, input: SavedViewInput): Promise<SavedViewRow> {
  return trx.insertInto('saved_views').values({
    id,
    user_id: owner.kind === 'user' ? owner.id : null,
    api_key_id: owner.kind === 'api_key' ? owner.id : null,
    list: input.list,
    name: input.name,
    filters: JSON.stringify(input.filters),
  }).returningAll().executeTakeFirstOrThrow();
}

export async function updateSavedView(trx: Trx, owner: ViewOwner, id: string, patch: SavedViewPatch, expectedVersion?: number): Promise<SavedViewRow | undefined> {
  let q = trx.updateTable('saved_views').set((eb) => ({
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.filters !== undefined && { filters: JSON.stringify(patch.filters) }),
    version: eb('version', '+', 1),
    updated_at: new Date(),
  })).where('id', '=', id).where('owner_id', '=', owner.id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  return q.returningAll().executeTakeFirst();
}

export async function deleteSavedView(trx: Trx, owner: ViewOwner, id: string): Promise<boolean> {
  const deleted = await trx.deleteFrom('saved_views').where('id', '=', id).where('owner_id', '=', owner.id).returning('id').executeTakeFirst();
  return deleted !== undefined;
}

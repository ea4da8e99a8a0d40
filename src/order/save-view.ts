/** Saved views: create, change, delete — each only the caller's own. */
import type { CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { AppError, missingOrConflict, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { SavedView, SavedViewInput, SavedViewPatch, ViewOwner } from './saved-view.js';
import { deleteSavedView, findSavedView, insertSavedView, toSavedView, updateSavedView } from './saved-view.repository.js';

const nameTaken = (name: string) =>
  new AppError('already_exists', `you already have a view named "${name}" of this list; choose another name, or change that view (PATCH /v1/saved-views/{id})`);

/** The unique index on (owner, list, name) is the rule; its violation is answered as the name being taken. */
async function uniqueName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (name !== undefined && isPgError(e, pgCode.uniqueViolation)) throw nameTaken(name);
    throw e;
  }
}

export async function createSavedView(trx: Trx, owner: ViewOwner, input: SavedViewInput): Promise<CommandResult<SavedView>> {
  const view = toSavedView(await uniqueName(input.name, () => insertSavedView(trx, newId(), owner, input)));
  return { created: true, value: view, audit: { action: 'saved_view.created', entityType: 'saved_view', entityId: view.id, details: { name: view.name } } };
}

export async function changeSavedView(trx: Trx, owner: ViewOwner, id: string, patch: SavedViewPatch, expectedVersion?: number): Promise<CommandResult<SavedView>> {
  const row = await uniqueName(patch.name, () => updateSavedView(trx, owner, id, patch, expectedVersion));
  if (!row) throw missingOrConflict('saved view', id, await findSavedView(trx, owner, id), expectedVersion);
  return { created: false, value: toSavedView(row), audit: { action: 'saved_view.updated', entityType: 'saved_view', entityId: id, details: { fields: Object.keys(patch) } } };
}

export async function removeSavedView(trx: Trx, owner: ViewOwner, id: string): Promise<CommandResult<{ id: string }>> {
  if (!(await deleteSavedView(trx, owner, id))) throw notFound('saved view', id);
  return { created: false, value: { id }, audit: { action: 'saved_view.deleted', entityType: 'saved_view', entityId: id } };
}

import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import { newId } from '../shared/ids.js';
import { generateApiKey } from './api-key.js';
import { countApiKeys, insertApiKey, type ApiKeyRow } from './api-key.repository.js';
import type { Role } from './permissions.js';

/**
 * Creates a key and returns it in clear text: the only time it is ever shown. `createdBy` is the key that made it,
 * `createdByUser` the signed-in user who did.
 */
export async function createApiKey(
  trx: Trx,
  input: { name: string; role: Role; createdBy: string | null; createdByUser?: string | null },
): Promise<ApiKeyRow & { key: string }> {
  const { key, prefix, hash } = generateApiKey();
  const row = await insertApiKey(trx, {
    id: newId(), name: input.name, role: input.role, prefix, hash, createdBy: input.createdBy, createdByUser: input.createdByUser ?? null,
  });
  return { ...row, key };
}

/**
 * On the first start of an empty database, makes one admin key so that someone can get in. The advisory lock makes
 * two servers starting together agree on who makes it; the key is returned once, for printing, and never again.
 */
export async function bootstrapAdminKey(trx: Trx): Promise<string | undefined> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('ordo.bootstrap_admin_key'))`.execute(trx);
  if ((await countApiKeys(trx)) > 0) return undefined;
  const created = await createApiKey(trx, { name: 'bootstrap admin', role: 'admin', createdBy: null });
  return created.key;
}

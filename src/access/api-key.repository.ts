import type { DbOrTrx } from '../db/database.js';
import type { Role } from './permissions.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const columns = ['id', 'name', 'role', 'prefix', 'created_at as createdAt', 'revoked_at as revokedAt'] as const;

export async function findActiveKeyByHash(db: DbOrTrx, hash: Buffer) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'role'])
    .where('key_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function insertApiKey(
  db: DbOrTrx,
  key: { id: string; name: string; role: Role; prefix: string; hash: Buffer; createdBy: string | null; createdByUser?: string | null },
): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({
      id: key.id, name: key.name, role: key.role, prefix: key.prefix, key_hash: key.hash,
      created_by: key.createdBy, created_by_user: key.createdByUser ?? null,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export async function listApiKeys(db: DbOrTrx, opts: { afterId?: string; limit: number }): Promise<ApiKeyRow[]> {
  let q = db.selectFrom('api_keys').select(columns).orderBy('id').limit(opts.limit);
  if (opts.afterId) q = q.where('id', '>', opts.afterId);
  return q.execute();
}

export async function revokeApiKey(db: DbOrTrx, id: string): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(columns)
    .executeTakeFirst();
}

export async function countApiKeys(db: DbOrTrx): Promise<number> {
  const row = await db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return row.n;
}

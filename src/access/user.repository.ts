import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { Role } from './permissions.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  createdAt: Date;
  disabledAt: Date | null;
}

const columns = ['id', 'email', 'name', 'role', 'created_at as createdAt', 'disabled_at as disabledAt'] as const;

export async function insertUser(
  db: DbOrTrx,
  user: { id: string; email: string; name: string; role: Role; passwordHash: string },
): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values({ id: user.id, email: user.email, name: user.name, role: user.role, password_hash: user.passwordHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(columns)
    .executeTakeFirst();
}

/** The user for a sign-in, locked for the attempt so that concurrent failures count one by one. */
export async function findUserForSignIn(db: DbOrTrx, email: string) {
  return db
    .selectFrom('users')
    .select([...columns, 'password_hash as passwordHash', 'failed_sign_ins as failedSignIns', 'locked_until as lockedUntil'])
    .where('email', '=', email)
    .forUpdate()
    .executeTakeFirst();
}

export async function recordSignInFailure(db: DbOrTrx, id: string, lockAfter: number, lockMs: number) {
  return db
    .updateTable('users')
    .set({
      failed_sign_ins: sql`CASE WHEN failed_sign_ins + 1 >= ${lockAfter} THEN 0 ELSE failed_sign_ins + 1 END`,
      locked_until: sql`CASE WHEN failed_sign_ins + 1 >= ${lockAfter} THEN now() + ${lockMs} * interval '1 millisecond' ELSE locked_until END`,
    })
    .where('id', '=', id)
    .returning(['locked_until as lockedUntil'])
    .executeTakeFirstOrThrow();
}

export async function recordSignInSuccess(db: DbOrTrx, id: string): Promise<void> {
  await db.updateTable('users').set({ failed_sign_ins: 0, locked_until: null }).where('id', '=', id).execute();
}

export async function insertSession(
  db: DbOrTrx,
  s: { id: string; userId: string; hash: Buffer; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('user_sessions')
    .values({ id: s.id, user_id: s.userId, token_hash: s.hash, csrf_token: s.csrfToken, expires_at: s.expiresAt })
    .execute();
}

/** A live session (not revoked, not expired, its user not disabled) with its user. */
export async function findActiveSession(db: DbOrTrx, hash: Buffer) {
  return db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id as sessionId', 's.csrf_token as csrfToken', 's.expires_at as expiresAt', 'u.id as userId', 'u.email', 'u.name', 'u.role'])
    .where('s.token_hash', '=', hash)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
}

export async function revokeSession(db: DbOrTrx, sessionId: string): Promise<void> {
  await db.updateTable('user_sessions').set({ revoked_at: sql`now()` }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}

export async function listUsers(db: DbOrTrx, opts: { afterId?: string; limit: number }): Promise<UserRow[]> {
  let q = db.selectFrom('users').select(columns).orderBy('id').limit(opts.limit);
  if (opts.afterId) q = q.where('id', '>', opts.afterId);
  return q.execute();
}

/** Disables a user and ends every session of theirs; undefined when no such active user. */
export async function disableUser(db: DbOrTrx, id: string): Promise<UserRow | undefined> {
  const row = await db
    .updateTable('users')
    .set({ disabled_at: sql`now()` })
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .returning(columns)
    .executeTakeFirst();
  if (row) await db.updateTable('user_sessions').set({ revoked_at: sql`now()` }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
  return row;
}

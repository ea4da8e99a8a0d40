/** A signed-in browser's session as the auth hook and the session routes see it. */
import { timingSafeEqual } from 'node:crypto';
import type { DbOrTrx } from '../db/database.js';
import type { Principal } from './api-key.js';
import { isRole, type Role } from './permissions.js';
import { hashSessionToken } from './user.js';
import { findActiveSession } from './user.repository.js';

export interface UserSession {
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
  user: { id: string; email: string; name: string; role: Role };
  principal: Principal;
}

export async function findUserSession(db: DbOrTrx, token: string): Promise<UserSession | undefined> {
  if (token.length > 100) return undefined;
  const row = await findActiveSession(db, hashSessionToken(token));
  if (!row || !isRole(row.role)) return undefined;
  const user = { id: row.userId, email: row.email, name: row.name, role: row.role };
  return {
    sessionId: row.sessionId,
    csrfToken: row.csrfToken,
    expiresAt: row.expiresAt,
    user,
    // The audit log names the user by name and e-mail.
    principal: { id: user.id, name: `${user.name} <${user.email}>`, role: user.role, kind: 'user' },
  };
}

/** Whether a request's CSRF header carries the session's token (compared in constant time). */
export function csrfMatches(session: UserSession, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(session.csrfToken);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Methods that change nothing; every other method sent with the session cookie must carry the CSRF header. */
export const isSafeMethod = (method: string): boolean => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';

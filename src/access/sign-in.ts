/**
 * Signing in with an e-mail and a password. Every attempt is audited, failed ones too, and the failure count and
 * lockout are written in the same transaction: the caller commits and then answers 401 for a refusal, so a refusal
 * is recorded rather than rolled back with an error.
 */
import type { Trx } from '../db/database.js';
import { writeAudit } from './audit.repository.js';
import { isRole, type Role } from './permissions.js';
import { generateSession, LOCKOUT_AFTER_FAILURES, LOCKOUT_MS, normalizeEmail, SESSION_MS, verifyPassword } from './user.js';
import { findUserForSignIn, insertSession, recordSignInFailure, recordSignInSuccess } from './user.repository.js';
import { newId } from '../shared/ids.js';

export interface SignedIn {
  ok: true;
  user: { id: string; email: string; name: string; role: Role };
  token: string;
  csrfToken: string;
  expiresAt: Date;
}
export interface Refused {
  ok: false;
  /** For the person signing in: says nothing about whether the e-mail exists, only about a lockout. */
  detail: string;
  lockedUntil: Date | null;
}

export async function signIn(trx: Trx, input: { email: string; password: string; requestId: string; ip: string }): Promise<SignedIn | Refused> {
  const email = normalizeEmail(input.email);
  const user = await findUserForSignIn(trx, email);
  const audit = (action: string, details: Record<string, unknown>) => writeAudit(trx, {
    actorId: user?.id ?? null, actorName: user?.email ?? email, action, entityType: 'user', entityId: user?.id ?? null,
    requestId: input.requestId, details: { ...details, ip: input.ip },
  });
  const refused = (lockedUntil: Date | null): Refused => ({
    ok: false,
    lockedUntil,
    detail: lockedUntil
      ? `too many failed sign-ins: this account is locked until ${lockedUntil.toISOString()}`
      : 'the e-mail or the password is wrong',
  });

  if (user?.lockedUntil && user.lockedUntil > new Date()) {
    await audit('user.sign_in_refused', { reason: 'locked' });
    return refused(user.lockedUntil);
  }
  const usable = user !== undefined && user.disabledAt === null && isRole(user.role);
  const matches = await verifyPassword(user?.passwordHash, input.password);
  if (!user || !usable || !matches || !isRole(user.role)) {
    const lockedUntil = user && usable ? (await recordSignInFailure(trx, user.id, LOCKOUT_AFTER_FAILURES, LOCKOUT_MS)).lockedUntil : null;
    const lockedNow = lockedUntil !== null && lockedUntil > new Date();
    await audit('user.sign_in_failed', { reason: !user ? 'unknown_email' : !usable ? 'disabled' : 'wrong_password', locked: lockedNow });
    return refused(lockedNow ? lockedUntil : null);
  }

  await recordSignInSuccess(trx, user.id);
  const session = generateSession();
  const expiresAt = new Date(Date.now() + SESSION_MS);
  const sessionId = newId();
  await insertSession(trx, { id: sessionId, userId: user.id, hash: session.hash, csrfToken: session.csrfToken, expiresAt });
  await audit('user.signed_in', { sessionId });
  return {
    ok: true,
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    token: session.token,
    csrfToken: session.csrfToken,
    expiresAt,
  };
}

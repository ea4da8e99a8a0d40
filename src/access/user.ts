/**
 * People who sign in: passwords hashed with argon2id, sessions as random tokens of which only a hash is stored, and
 * the lockout rule. The numbers here are the policy; src/access/sign-in.ts applies it.
 */
import { hash, verify } from '@node-rs/argon2';
import { createHash, randomBytes } from 'node:crypto';

/** Failed sign-ins in a row that lock an account, and for how long. */
export const LOCKOUT_AFTER_FAILURES = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** How long a session lasts from sign-in. */
export const SESSION_MS = 12 * 3_600_000;
export const SESSION_COOKIE = 'ordo_session';
export const CSRF_HEADER = 'x-csrf-token';
export const MIN_PASSWORD_LENGTH = 12;

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** argon2id with the library's defaults (19 MiB, 2 passes: the OWASP minimum). */
export const hashPassword = (password: string): Promise<string> => hash(password);

/** A fixed hash to verify against when the e-mail is unknown, so that the answer takes as long as for a known one. */
let decoy: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (passwordHash === undefined) {
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    await verify(await decoy, password);
    return false;
  }
  return verify(passwordHash, password);
}

/** A new session: the cookie's token (256 random bits, returned once), its hash for the database, and a CSRF token. */
export function generateSession(): { token: string; hash: Buffer; csrfToken: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashSessionToken(token), csrfToken: randomBytes(32).toString('base64url') };
}

export const hashSessionToken = (token: string): Buffer => createHash('sha256').update(token).digest();

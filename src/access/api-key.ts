import { createHash, randomBytes } from 'node:crypto';
import type { Role } from './permissions.js';

/** The caller of a request: an API key or a signed-in user (or the CLI acting as the operator at the terminal). */
export interface Principal {
  id: string;
  name: string;
  role: Role;
  /** What `id` names. Absent means an API key. */
  kind?: 'api_key' | 'user';
}

/** A new key: `ordo_` + 43 characters of base64url (256 random bits). Returned once; only its hash is stored. */
export function generateApiKey(): { key: string; prefix: string; hash: Buffer } {
  const key = `ordo_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

export const hashApiKey = (key: string): Buffer => createHash('sha256').update(key).digest();

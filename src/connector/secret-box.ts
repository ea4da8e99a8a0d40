/**
 * A connector's secrets (an app secret, an access token) sealed with AES-256-GCM under the server's
 * CONNECTOR_SECRET_KEY: a fresh 12-byte IV per seal, the 16-byte tag, then the ciphertext of their JSON. The database
 * never holds the key, so a copy of it (a backup, a replica) does not give the secrets away; a tampered box fails to
 * open rather than yield wrong secrets.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export type Secrets = Record<string, string>;

export function sealSecrets(key: Buffer, secrets: Secrets): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Opens a box sealed by `sealSecrets`; throws when the key is another or the box was changed. */
export function openSecrets(key: Buffer, box: Buffer): Secrets {
  const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, IV_BYTES));
  decipher.setAuthTag(box.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  const text = Buffer.concat([decipher.update(box.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  return JSON.parse(text) as Secrets;
}

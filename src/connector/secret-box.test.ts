import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecrets, sealSecrets } from './secret-box.js';

describe('secret box', () => {
  const key = randomBytes(32);

  it('opens what it sealed, and each seal differs', () => {
    const a = sealSecrets(key, { appSecret: 's3cret' });
    expect(openSecrets(key, a)).toEqual({ appSecret: 's3cret' });
    expect(sealSecrets(key, { appSecret: 's3cret' }).equals(a)).toBe(false);
    expect(a.toString('utf8')).not.toContain('s3cret');
  });

  it('refuses another key or a changed box', () => {
    const box = sealSecrets(key, { appSecret: 's3cret' });
    expect(() => openSecrets(randomBytes(32), box)).toThrow();
    const changed = Buffer.from(box);
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
    expect(() => openSecrets(key, changed)).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { isUuid, newId, randomBytesFromPool } from './ids.js';

describe('newId', () => {
  it('makes distinct version-7 UUIDs that sort in the order they were made, across pool refills', () => {
    const ids = Array.from({ length: 2000 }, () => newId()); // 2,000 × 16 bytes: the 4 kB pool refills several times
    expect(ids.every(isUuid)).toBe(true);
    expect(ids.every((id) => id[14] === '7')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('takes fresh random bytes each time', () => {
    const a = Buffer.from(randomBytesFromPool(16)).toString('hex');
    const b = Buffer.from(randomBytesFromPool(16)).toString('hex');
    expect(a).not.toBe(b);
  });
});

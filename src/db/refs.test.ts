import { describe, expect, it } from 'vitest';
import { uuidArrayBinary, uuidBytes } from './refs.js';

describe('uuid[] in binary form', () => {
  it('lays the ids out as PostgreSQL array_recv reads them', () => {
    const ids = ['01a23bea-5bd7-73eb-a9aa-f5401e9b6d0f', 'FFFFFFFF-0000-4000-8000-00000000000A'];
    const out = uuidArrayBinary(ids.map(uuidBytes));
    // One dimension, no nulls, element type uuid (2950), 2 elements from index 1; then length 16 and bytes, each.
    expect(out.subarray(0, 20).toString('hex')).toBe('00000001' + '00000000' + '00000b86' + '00000002' + '00000001');
    expect(out.subarray(20).toString('hex')).toBe('00000010' + '01a23bea5bd773eba9aaf5401e9b6d0f' + '00000010' + 'ffffffff000040008000' + '00000000000a');
  });

  it('refuses what is not a UUID', () => {
    expect(() => uuidBytes('01a23bea-5bd7-73eb-a9aa-f5401e9b6d0')).toThrow(/not a UUID/);
    expect(() => uuidBytes('01a23bea-5bd7-73eb-a9aa-f5401e9b6dxx')).toThrow(/not a UUID/);
    expect(() => uuidArrayBinary(['short'])).toThrow(/16-byte ids/);
  });

  it('makes an empty array without dimensions', () => {
    expect(uuidArrayBinary([]).toString('hex')).toBe('00000000' + '00000000' + '00000b86');
  });
});

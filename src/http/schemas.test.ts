import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.js';
import { expectedVersion, MAX_VERSION } from './schemas.js';

describe('expectedVersion (If-Match)', () => {
  it('reads a version, quoted or not', () => {
    expect(expectedVersion({})).toBeUndefined();
    expect(expectedVersion({ 'if-match': '3' })).toBe(3);
    expect(expectedVersion({ 'if-match': '"3"' })).toBe(3);
    expect(expectedVersion({ 'if-match': String(MAX_VERSION) })).toBe(MAX_VERSION);
  });

  it('refuses a version no resource can be at with a 400 quoting the header exactly as sent', () => {
    for (const sent of ['2147483648', '"99999999999999999999"', '9'.repeat(400)]) {
      let error: unknown;
      try {
        expectedVersion({ 'if-match': sent });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('validation_failed');
      expect((error as AppError).detail).toContain(`If-Match: ${sent} `);
      expect((error as AppError).extra.errors?.[0]?.path).toBe('/headers/if-match');
    }
  });
});

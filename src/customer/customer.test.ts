import { describe, expect, it } from 'vitest';
import { normalisePhone, phoneSearchKey } from './customer.js';

describe('phone numbers', () => {
  it('are stored in E.164 when they can be read, as international or national numbers of the given country', () => {
    expect(normalisePhone('+49 221 5550123')).toBe('+492215550123');
    expect(normalisePhone('0221 5550123', 'DE')).toBe('+492215550123');
    expect(normalisePhone('(0221) 555-0123', 'DE')).toBe('+492215550123');
    expect(normalisePhone('138 0013 8000', 'CN')).toBe('+8613800138000');
  });

  it('keep their digits when they cannot be read (no country, or an unknown one)', () => {
    expect(normalisePhone('0221 5550123')).toBe('02215550123');
    expect(normalisePhone('0221 5550123', 'XX')).toBe('02215550123');
    expect(normalisePhone(null)).toBeNull();
  });

  it('are searched for by their national digits, which old and new stored forms both contain', () => {
    expect(phoneSearchKey('+49 221 5550123')).toBe('2215550123');
    expect(phoneSearchKey('0221 5550123')).toBe('2215550123');
    expect(phoneSearchKey('erika')).toBeNull();
    expect(phoneSearchKey('12345')).toBeNull();
  });
});

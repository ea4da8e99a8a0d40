import { describe, expect, it } from 'vitest';
import { decimalToMinor } from './minor-units.js';

describe('decimalToMinor', () => {
  it('reads yuan strings exactly, without floats', () => {
    expect(decimalToMinor('129.90', 'CNY')).toBe(12990);
    expect(decimalToMinor('0.29', 'CNY')).toBe(29); // 0.29 * 100 is 28.999999999999996 in floating point
    expect(decimalToMinor('1.1', 'CNY')).toBe(110);
    expect(decimalToMinor('7', 'CNY')).toBe(700);
    expect(decimalToMinor('19.990', 'CNY')).toBe(1999);
    expect(decimalToMinor(59.9, 'CNY')).toBe(5990);
    expect(decimalToMinor('-3.50', 'CNY')).toBe(-350);
    expect(decimalToMinor('500', 'JPY')).toBe(500);
  });

  it('refuses what is not a plain decimal in the currency', () => {
    for (const bad of ['1.234', '1e3', '1,000.00', '', ' ', '12.', '.5', 'abc', '1.5', '9999999999999999']) {
      expect(decimalToMinor(bad, bad === '1.5' ? 'JPY' : 'CNY'), bad).toBeNull();
    }
    expect(decimalToMinor(Number.NaN, 'CNY')).toBeNull();
  });
});

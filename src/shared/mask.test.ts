import { describe, expect, it } from 'vitest';
import { maskEmail, maskName, maskPhone, maskTail } from './mask.js';

describe('maskName', () => {
  it('keeps the surname of a Chinese name and masks the given name, letter by letter', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('欧阳娜娜')).toBe('欧***');
  });

  it('keeps the first letter of each word of a Latin name', () => {
    expect(maskName('Erika Mustermann')).toBe('E**** M*********');
    expect(maskName('  Jürgen  Groß ')).toBe('J*****  G***');
  });

  it('masks a one-letter name whole, and leaves an empty one empty', () => {
    expect(maskName('王')).toBe('*');
    expect(maskName('')).toBe('');
  });

  it('counts what a reader sees as one letter: combining accents and characters beyond 16 bits stay whole', () => {
    expect(maskName('E\u0301milie')).toBe('E\u0301*****');
    expect(maskName('𠮷野家')).toBe('𠮷**');
  });
});

describe('maskPhone', () => {
  it('masks a number stored in E.164 by its country code and national number', () => {
    expect(maskPhone('+8613812345678')).toBe('+86 138****5678');
    expect(maskPhone('+492211234567')).toBe('+49 ******4567');
  });

  it('keeps the first 3 and last 4 digits of a Chinese mobile number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('138 1234 5678')).toBe('138 **** 5678');
  });

  it('keeps the + and the separators, and fewer digits of shorter numbers', () => {
    expect(maskPhone('+49 221 1234567')).toBe('+49 2** ***4567');
    expect(maskPhone('030/1234567')).toBe('***/***4567');
    expect(maskPhone('12345')).toBe('***45');
    expect(maskPhone('1234')).toBe('****');
  });
});

describe('maskEmail', () => {
  it('keeps the first letter of the local part, hides its length, and keeps the domain', () => {
    expect(maskEmail('erika@example.com')).toBe('e***@example.com');
    expect(maskEmail('e@example.com')).toBe('e***@example.com');
    expect(maskEmail('张伟@例子.中国')).toBe('张***@例子.中国');
  });

  it('masks a value without an @ like a name', () => {
    expect(maskEmail('erika')).toBe('e****');
  });
});

describe('maskTail', () => {
  it('keeps the region of a postal code and the country of a VAT id', () => {
    expect(maskTail('51147')).toBe('51***');
    expect(maskTail('SW1A 1AA')).toBe('SW** ***');
    expect(maskTail('DE123456789')).toBe('DE*********');
    expect(maskTail('100-0001', 3)).toBe('100-****');
  });
});

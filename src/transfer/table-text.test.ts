import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.js';
import { detectEncoding, isUtf8 } from './read-table.js';
import { escapeFormula, unescapeFormula } from './write-table.js';

describe('formula escaping', () => {
  it('prefixes text a spreadsheet would run, and an import takes the prefix off again', () => {
    for (const text of ['=1+1', '+49 221 555', '-2', '@SUM(A1)', '\tx', '\rx']) {
      expect(escapeFormula(text)).toBe(`'${text}`);
      expect(unescapeFormula(escapeFormula(text))).toBe(text);
    }
    for (const text of ['plain', '\'quoted', '', 'a=b']) {
      expect(escapeFormula(text)).toBe(text);
      expect(unescapeFormula(text)).toBe(text);
    }
  });
});

describe('encoding detection', () => {
  it('knows UTF-8, with or without BOM, even when the sample ends inside a character', () => {
    const text = Buffer.from('code,name\nA,北京\n');
    expect(isUtf8(text.subarray(0, text.length - 3))).toBe(true);
    expect(isUtf8(text.subarray(0, text.length - 2))).toBe(true);
    expect(detectEncoding(text)).toBe('utf-8');
    expect(detectEncoding(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]))).toBe('utf-8');
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x41, 0x00]))).toBe('utf-16le');
  });

  it('takes GBK from Chinese text and refuses Latin-1, naming a guess', () => {
    const chinese = iconv.encode('code,name\nA-1,红色连衣裙 大号\nA-2,蓝色衬衫 中号\nA-3,白色运动鞋\nA-4,黑色羽绒服 加厚\n', 'gbk');
    expect(isUtf8(chinese)).toBe(false);
    expect(detectEncoding(chinese)).toBe('gb18030');
    const latin1 = iconv.encode('code,name\nA-1,Größe für Jürgen\nA-2,Müller Köln Straße\n', 'latin1');
    expect(() => detectEncoding(latin1)).toThrow(AppError);
    expect(() => detectEncoding(latin1)).toThrow(/is not UTF-8 \(it may be .*\): save it as "CSV UTF-8"/);
  });
});

/** The admin UI's two languages: the same keys, the same placeholders, and no English left in the Chinese. */
import { describe, expect, it } from 'vitest';
import { en } from '../web/src/locales/en.js';
import { zh } from '../web/src/locales/zh.js';

/** Strings that are the same in both languages: the product's name and the code "SKU". */
const sameInBoth = new Set(['app.title', 'orders.sku', 'order.line.sku', 'stock.sku']);
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('the admin UI translations', () => {
  it('Chinese has every English key with the same placeholders, and translates every one', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [key, english] of Object.entries(en)) {
      const chinese = zh[key as keyof typeof en];
      expect(placeholders(chinese), key).toEqual(placeholders(english));
      if (!sameInBoth.has(key)) {
        expect(chinese, key).not.toBe(english);
        expect(/[\u4e00-\u9fff]/.test(chinese), `${key} has no Chinese: ${chinese}`).toBe(true);
      }
    }
  });
});

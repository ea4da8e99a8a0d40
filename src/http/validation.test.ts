import { describe, expect, it } from 'vitest';
import { textProblem } from './validation.js';

describe('textProblem', () => {
  it('accepts whole characters, surrogate pairs (emoji) included', () => {
    for (const text of ['', 'Anna', 'Heidestraße 17', 'Mug \ud83d\ude00', '\ud83c\udfa8 at the start', '漢字']) expect(textProblem(text), text).toBeNull();
  });

  it('names a NUL character and a lone surrogate, high or low, anywhere in the text', () => {
    expect(textProblem('a\u0000b')).toContain('NUL');
    expect(textProblem('Anna \ud83d')).toContain('lone UTF-16 surrogate (\\ud83d) at position 5');
    expect(textProblem('\udc00x')).toContain('(\\udc00) at position 0');
    expect(textProblem('a\ud800b')).toContain('(\\ud800)');
    expect(textProblem('\ude00\ud83d')).toContain('(\\ude00)');
  });
});

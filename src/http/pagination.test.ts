import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.js';
import { decodeCursor, encodeCursor } from './pagination.js';

const id = '0192f5d2-7c3e-7a1b-9c2d-3e4f5a6b7c8d';
const refused = (cursor: string, shape: Parameters<typeof decodeCursor>[1]) => {
  try {
    decodeCursor(cursor, shape);
  } catch (e) {
    return e instanceof AppError && e.code === 'invalid_cursor';
  }
  return false;
};

describe('decodeCursor', () => {
  it('gives back the key it encoded when the key has the list\'s shape', () => {
    expect(decodeCursor(encodeCursor(['Jan Kowalski', id]), ['text', 'uuid'])).toEqual(['Jan Kowalski', id]);
    expect(decodeCursor(encodeCursor(['2026-12-01T23:38:25.123Z', id]), ['timestamp', 'uuid'])).toEqual(['2026-12-01T23:38:25.123Z', id]);
    expect(decodeCursor(encodeCursor([9007199254740991]), ['bigint'])).toEqual([9007199254740991]);
    expect(decodeCursor(encodeCursor(['-placedAt', '2026-12-01T23:38:25.123456Z', id]), ['text', ['timestamp', 'bigint'], 'uuid'])).toBeDefined();
    expect(decodeCursor(encodeCursor(['total', 4990, id]), ['text', ['timestamp', 'bigint'], 'uuid'])).toBeDefined();
    expect(decodeCursor(undefined, ['uuid'])).toBeUndefined();
  });

  it('refuses garbage and keys of another arity', () => {
    for (const cursor of ['', '!!!', 'bm90IGpzb24', encodeCursor([]), encodeCursor({ a: 1 } as never), encodeCursor([id, id])]) {
      expect(refused(cursor, ['uuid']), cursor).toBe(true);
    }
  });

  it('refuses a part of the wrong type, each of which would otherwise fail its SQL comparison', () => {
    const cases: [unknown[], Parameters<typeof decodeCursor>[1]][] = [
      [['x', 1], ['text', 'uuid']],
      [['x', 'y'], ['text', 'uuid']],
      [[1], ['text']],
      [[null], ['text']],
      [['a\u0000b'], ['text']],
      [['a\ud800'], ['text']],
      [['x'.repeat(1001)], ['text']],
      [[8], ['uuid']],
      [['B2B'], ['bigint']],
      [['12'], ['bigint']],
      [[1.5], ['bigint']],
      [[-1], ['bigint']],
      [[2 ** 53], ['bigint']],
      [['NaN', id], ['timestamp', 'uuid']],
      [['2026-02-30T00:00:00.000Z', id], ['timestamp', 'uuid']],
      [['0000-01-01T00:00:00.000Z', id], ['timestamp', 'uuid']],
      [['2026-12-01 23:38:25', id], ['timestamp', 'uuid']],
      [['2026-12-01T23:38:25.1234567Z', id], ['timestamp', 'uuid']],
      [['total', 'x', id], ['text', ['timestamp', 'bigint'], 'uuid']],
    ];
    for (const [key, shape] of cases) expect(refused(encodeCursor(key), shape), JSON.stringify(key)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('writes a lone request at once, and what queues meanwhile as one batch, answering each in order', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, string>(async (items) => {
      batches.push([...items]);
      await tick();
      return items.map((n) => `r${n}`);
    }, { maxBatch: 3, maxInFlight: 1 });
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => b.submit(n)));
    expect(answers).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('keeps at most maxInFlight batches running', async () => {
    let running = 0;
    let most = 0;
    const b = new Batcher<number, number>(async (items) => {
      most = Math.max(most, ++running);
      await tick();
      running--;
      return items;
    }, { maxBatch: 1, maxInFlight: 2 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(i)));
    expect(most).toBe(2);
  });

  it('runs each item of a failed batch alone, so one bad item fails only itself', async () => {
    const b = new Batcher<number, number>(async (items) => {
      await tick();
      if (items.includes(13)) throw new Error('13 is bad');
      return items.map((n) => n * 2);
    }, { maxBatch: 10, maxInFlight: 1 });
    const settled = await Promise.allSettled([1, 13, 2, 3].map((n) => b.submit(n)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([2, '13 is bad', 4, 6]);
  });

  it('refuses a result list of the wrong length', async () => {
    const b = new Batcher<number, number>(() => Promise.resolve([]), { maxBatch: 10, maxInFlight: 1 });
    await expect(b.submit(1)).rejects.toThrow('a batch of 1 returned 0 results');
  });
});

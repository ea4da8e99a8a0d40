import { describe, expect, it } from 'vitest';
import { canMoveReturn, returnStatuses, returnTransitions, verifyReturnTransitions } from './return-status.js';

describe('the return transition table', () => {
  it('reaches every state from requested', () => {
    expect(() => verifyReturnTransitions()).not.toThrow();
  });

  it('answers every (from, to) pair exactly as the table says', () => {
    let allowed = 0;
    for (const from of returnStatuses) {
      for (const to of returnStatuses) {
        const expected = (returnTransitions[from] as readonly string[]).includes(to);
        expect(canMoveReturn(from, to), `${from} → ${to}`).toBe(expected);
        if (expected) allowed++;
      }
    }
    expect(allowed).toBe(Object.values(returnTransitions).reduce((n, targets) => n + targets.length, 0));
  });

  it('never leaves a final state, never goes back to requested, and refunds only what was inspected', () => {
    for (const to of returnStatuses) {
      for (const final of ['refunded', 'rejected', 'cancelled', 'closed'] as const) expect(canMoveReturn(final, to)).toBe(false);
      expect(canMoveReturn(to, 'requested')).toBe(false);
    }
    expect(returnStatuses.filter((s) => canMoveReturn(s, 'refunded'))).toEqual(['inspected']);
    // Goods that arrived cannot be un-received: no cancel after receipt.
    expect(canMoveReturn('received', 'cancelled')).toBe(false);
  });
});

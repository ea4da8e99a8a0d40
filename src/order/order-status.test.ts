import { describe, expect, it } from 'vitest';
import { canTransition, orderStatuses, transitions, verifyTransitionTable } from './order-status.js';

describe('the order transition table', () => {
  it('reaches every state from received', () => {
    expect(() => verifyTransitionTable()).not.toThrow();
  });

  it('answers every (from, to) pair exactly as the table says', () => {
    let allowed = 0;
    for (const from of orderStatuses) {
      for (const to of orderStatuses) {
        const expected = (transitions[from] as readonly string[]).includes(to);
        expect(canTransition(from, to), `${from} → ${to}`).toBe(expected);
        if (expected) allowed++;
      }
    }
    expect(allowed).toBe(Object.values(transitions).reduce((n, targets) => n + targets.length, 0));
  });

  it('never leaves the final states, and never goes back to received', () => {
    for (const to of orderStatuses) {
      expect(canTransition('completed', to)).toBe(false);
      expect(canTransition('cancelled', to)).toBe(false);
    }
    for (const from of orderStatuses) expect(canTransition(from, 'received')).toBe(false);
  });
});

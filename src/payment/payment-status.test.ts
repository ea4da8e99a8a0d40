import { describe, expect, it } from 'vitest';
import { canSettle, paymentStatuses, paymentTransitions, verifyPaymentTransitions } from './payment-status.js';

describe('the payment row transition table', () => {
  it('reaches every state from pending', () => {
    expect(() => verifyPaymentTransitions()).not.toThrow();
  });

  it('answers every (from, to) pair exactly as the table says', () => {
    let allowed = 0;
    for (const from of paymentStatuses) {
      for (const to of paymentStatuses) {
        const expected = (paymentTransitions[from] as readonly string[]).includes(to);
        expect(canSettle(from, to), `${from} → ${to}`).toBe(expected);
        if (expected) allowed++;
      }
    }
    expect(allowed).toBe(2);
  });

  it('never changes a settled row and never goes back to pending', () => {
    for (const to of paymentStatuses) {
      expect(canSettle('succeeded', to)).toBe(false);
      expect(canSettle('failed', to)).toBe(false);
      expect(canSettle(to, 'pending')).toBe(false);
    }
  });
});

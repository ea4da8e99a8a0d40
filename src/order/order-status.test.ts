import { describe, expect, it } from 'vitest';
import { canTransition, orderStatuses, pathTo, transitions, verifyTransitionTable } from './order-status.js';

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

  it('lets an order in the warehouse go back: recalled, re-sourced, held or cancelled (ADR 0004)', () => {
    for (const to of ['allocated', 'confirmed', 'on_hold', 'cancelled'] as const) expect(canTransition('in_fulfillment', to), to).toBe(true);
    expect(canTransition('partially_shipped', 'on_hold')).toBe(true);
    // Shipped units cannot be un-shipped: a partly shipped order is never cancelled whole (cancelling the rest ships it).
    expect(canTransition('partially_shipped', 'cancelled')).toBe(false);
    expect(canTransition('shipped', 'on_hold')).toBe(false);
  });
});

describe('pathTo: how a new order reaches its first status', () => {
  it('walks the table from received, the shortest way', () => {
    expect(pathTo('received')).toEqual(['received']);
    expect(pathTo('on_hold')).toEqual(['received', 'on_hold']);
    expect(pathTo('confirmed')).toEqual(['received', 'confirmed']);
    expect(pathTo('allocated')).toEqual(['received', 'confirmed', 'allocated']);
    for (const to of orderStatuses) {
      const path = pathTo(to);
      path.slice(1).forEach((step, i) => expect(canTransition(path[i] as never, step), `${path[i]} → ${step}`).toBe(true));
    }
  });
});

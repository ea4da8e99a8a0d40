import { describe, expect, it } from 'vitest';
import { canTransition, heldReturn, orderStatuses, pathTo, transitions, verifyTransitionTable } from './order-status.js';

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
  });

  it('holds a shipped order for a carrier exception and lets it go back to shipped, never to the warehouse again', () => {
    expect(canTransition('shipped', 'on_hold')).toBe(true);
    expect(canTransition('on_hold', 'shipped')).toBe(true);
    expect(canTransition('on_hold', 'delivered')).toBe(false);
    expect(heldReturn.shipped).toBe('shipped');
    // Delivered is final for holds: the parcel is at the door.
    expect(canTransition('delivered', 'on_hold')).toBe(false);
  });

  it('gives every status that can be held a way back the table allows (the start-up check)', () => {
    const back = heldReturn as Partial<Record<string, string>>;
    for (const from of orderStatuses) {
      if (!canTransition(from, 'on_hold')) continue;
      expect(back[from], `${from} has a way back from on_hold`).toBeDefined();
      expect(canTransition('on_hold', back[from] as never), `on_hold → ${back[from]}`).toBe(true);
    }
  });
});

describe('pathTo: how a new order reaches its first status', () => {
  it('walks the table from received, the shortest way', () => {
    expect(pathTo('received')).toEqual(['received']);
    expect(pathTo('on_hold')).toEqual(['received', 'on_hold']);
    expect(pathTo('confirmed')).toEqual(['received', 'confirmed']);
    expect(pathTo('allocated')).toEqual(['received', 'confirmed', 'allocated']);
    // A hold is a detour, not a step: a new shipped order never passes through on_hold (on_hold → shipped exists).
    expect(pathTo('shipped')).toEqual(['received', 'confirmed', 'allocated', 'in_fulfillment', 'shipped']);
    expect(pathTo('delivered')).toEqual(['received', 'confirmed', 'allocated', 'in_fulfillment', 'shipped', 'delivered']);
    for (const to of orderStatuses) {
      const path = pathTo(to);
      path.slice(1).forEach((step, i) => expect(canTransition(path[i] as never, step), `${path[i]} → ${step}`).toBe(true));
    }
  });
});

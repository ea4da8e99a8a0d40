import { describe, expect, it } from 'vitest';
import {
  canFulfillmentTransition, canTrack, fulfillmentStatuses, fulfillmentTransitions, isOpenFulfillment, shipmentStatuses,
  shipmentTransitions, trackingEventTypes, verifyFulfillmentTransitions,
} from './fulfillment-status.js';

describe('the fulfilment order transition table', () => {
  it('reaches every state from requested', () => {
    expect(() => verifyFulfillmentTransitions()).not.toThrow();
  });

  it('answers every (from, to) pair exactly as the table says', () => {
    let allowed = 0;
    for (const from of fulfillmentStatuses) {
      for (const to of fulfillmentStatuses) {
        const expected = (fulfillmentTransitions[from] as readonly string[]).includes(to);
        expect(canFulfillmentTransition(from, to), `${from} → ${to}`).toBe(expected);
        if (expected) allowed++;
      }
    }
    expect(allowed).toBe(Object.values(fulfillmentTransitions).reduce((n, targets) => n + targets.length, 0));
  });

  it('never leaves a final state, never goes back to requested, and open means "not final"', () => {
    for (const from of fulfillmentStatuses) {
      expect(canFulfillmentTransition(from, 'requested')).toBe(false);
      expect(isOpenFulfillment(from), from).toBe(fulfillmentTransitions[from].length > 0);
    }
  });

  it('hands over only what waits for pickup, and a parcel never leaves a pickup shelf', () => {
    for (const from of fulfillmentStatuses) expect(canFulfillmentTransition(from, 'picked_up'), from).toBe(from === 'ready_for_pickup');
    expect(canFulfillmentTransition('ready_for_pickup', 'shipped')).toBe(false);
    expect(canFulfillmentTransition('ready_for_pickup', 'rejected')).toBe(false);
  });
});

describe('the tracking table', () => {
  it('answers every (status, event) pair as the table says; delivered and returned are final', () => {
    for (const from of shipmentStatuses) {
      for (const to of trackingEventTypes) {
        expect(canTrack(from, to), `${from} → ${to}`).toBe((shipmentTransitions[from] as readonly string[]).includes(to));
      }
    }
    for (const to of trackingEventTypes) {
      expect(canTrack('delivered', to)).toBe(false);
      expect(canTrack('returned_to_sender', to)).toBe(false);
    }
  });
});

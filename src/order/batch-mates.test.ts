import { describe, expect, it } from 'vitest';
import type { PreparedCapture } from './capture-order.js';
import type { CapturePlan } from './plan-capture.js';
import { BatchMates } from './batch-mates.js';

/** The parts of a request and its plan that the bookkeeping reads. */
function decided(ref: string, opts: { email?: string; key?: string; newCustomer?: boolean; signature?: string } = {}) {
  const prepared = {
    input: { externalRef: ref }, email: opts.email ?? 'a@example.com', phone: null, signature: opts.signature ?? 'sig',
    claim: opts.key ? { principalId: 'p', key: opts.key, method: 'POST', path: '/v1/orders', requestHash: 'h', createdStatus: 201 } : null,
  } as unknown as PreparedCapture;
  const plan = {
    channelId: 'web',
    order: { customer: { id: `customer-of-${ref}`, name: 'A', email: opts.email ?? 'a@example.com', phone: null } },
    write: { order: { new_customer: opts.newCustomer ?? true } },
  } as unknown as CapturePlan;
  return { prepared, plan };
}

describe('the orders of a batch', () => {
  it('count for the orders decided after them', () => {
    const mates = new BatchMates();
    const first = decided('R1', { key: 'k1' });
    mates.add(first.prepared, first.plan);
    const next = decided('R1', { key: 'k2' });
    expect(mates.collides(next.prepared, next.plan)).toBe(true);
    expect(mates.collides(decided('R2', { key: 'k1' }).prepared, decided('R2').plan)).toBe(true);
    expect(mates.collides(decided('R3', { key: 'k3' }).prepared, decided('R3').plan)).toBe(false);
    expect(mates.customer(next.prepared)?.id).toBe('customer-of-R1');
    expect(mates.placedAlike(next.prepared)).toBe(true);
    expect(mates.placedAlike(decided('R4', { signature: 'other' }).prepared)).toBe(false);
  });

  it('give a customer only an order that creates one, and the first of them', () => {
    const mates = new BatchMates();
    const known = decided('R1', { newCustomer: false, email: 'b@example.com' });
    mates.add(known.prepared, known.plan);
    expect(mates.customer(decided('R2', { email: 'b@example.com' }).prepared)).toBeUndefined();
    const first = decided('R3', { email: 'c@example.com' });
    const second = decided('R4', { email: 'c@example.com' });
    mates.add(first.prepared, first.plan);
    mates.add(second.prepared, second.plan);
    expect(mates.customer(decided('R5', { email: 'c@example.com' }).prepared)?.id).toBe('customer-of-R3');
  });
});

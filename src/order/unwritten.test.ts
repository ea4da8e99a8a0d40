import { describe, expect, it } from 'vitest';
import type { CapturePlan, PreparedCapture } from './capture-order.js';
import { Unwritten } from './unwritten.js';

/** The parts of a request and its plan that the bookkeeping reads. */
function decided(ref: string, opts: { email?: string; key?: string; units?: number; newCustomer?: boolean; signature?: string } = {}) {
  const prepared = {
    input: { externalRef: ref }, email: opts.email ?? 'a@example.com', phone: null, signature: opts.signature ?? 'sig',
    claim: opts.key ? { principalId: 'p', key: opts.key, method: 'POST', path: '/v1/orders', requestHash: 'h' } : null,
  } as unknown as PreparedCapture;
  const plan = {
    channelId: 'web',
    order: { customer: { id: `customer-of-${ref}`, name: 'A', email: opts.email ?? 'a@example.com', phone: null } },
    write: {
      order: { new_customer: opts.newCustomer ?? true },
      reserve: [{ skuId: 'sku', locationId: 'wh', quantity: opts.units ?? 1, lineId: 'l', reservationId: 'r', channelId: 'web' }],
    },
  } as unknown as CapturePlan;
  return { prepared, plan };
}

describe('unwritten orders', () => {
  it('are seen by the next batch until their write ends, then forgotten', () => {
    const u = new Unwritten();
    const first = decided('R1', { key: 'k1', units: 3 });
    u.add(first.prepared, first.plan);
    const next = decided('R1', { key: 'k2' });
    expect(u.takenAt('sku', 'wh')).toBe(3);
    expect(u.collides(next.prepared, next.plan)).toBe(true);
    expect(u.collides(decided('R2', { key: 'k1' }).prepared, decided('R2').plan)).toBe(true);
    expect(u.collides(decided('R3', { key: 'k3' }).prepared, decided('R3').plan)).toBe(false);
    expect(u.customer(next.prepared)?.id).toBe('customer-of-R1');
    expect(u.placedAlike(next.prepared)).toBe(true);
  });

  it('stay for a batch that began to read before the write ended, until that batch has decided', () => {
    const u = new Unwritten();
    const order = decided('R1', { units: 2 });
    const forget = u.add(order.prepared, order.plan);
    const early = u.reading();
    u.written([forget]);
    // The early batch's facts may not show the write: it must still count the units.
    expect(u.takenAt('sku', 'wh')).toBe(2);
    const late = u.reading();
    early();
    // Everyone reading now began after the write: its rows are in their facts.
    expect(u.takenAt('sku', 'wh')).toBe(0);
    expect(u.customer(order.prepared)).toBeUndefined();
    late();
  });

  it('count alike orders and units per order, so that one write forgets only its own', () => {
    const u = new Unwritten();
    const a = decided('R1', { units: 2 });
    const b = decided('R2', { units: 5, newCustomer: false });
    const forgetA = u.add(a.prepared, a.plan);
    const forgetB = u.add(b.prepared, b.plan);
    expect(u.takenAt('sku', 'wh')).toBe(7);
    u.written([forgetA]);
    expect(u.takenAt('sku', 'wh')).toBe(5);
    expect(u.placedAlike(b.prepared)).toBe(true);
    u.written([forgetB]);
    expect(u.takenAt('sku', 'wh')).toBe(0);
    expect(u.placedAlike(b.prepared)).toBe(false);
  });
});

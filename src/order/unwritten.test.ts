import { describe, expect, it } from 'vitest';
import type { PreparedCapture } from './capture-order.js';
import type { CapturePlan } from './plan-capture.js';
import { Snapshot, Unwritten, UnwrittenView } from './unwritten.js';

/** The parts of a request and its plan that the bookkeeping reads. */
function decided(ref: string, opts: { email?: string; key?: string; units?: number; newCustomer?: boolean; signature?: string } = {}) {
  const prepared = {
    input: { externalRef: ref }, email: opts.email ?? 'a@example.com', phone: null, signature: opts.signature ?? 'sig',
    claim: opts.key ? { principalId: 'p', key: opts.key, method: 'POST', path: '/v1/orders', requestHash: 'h', createdStatus: 201 } : null,
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

describe('snapshots', () => {
  it('see transactions committed before them, not those running or started after', () => {
    // As PostgreSQL writes it: xmin (the oldest still running) is among the running ids.
    const s = new Snapshot('100:105:100,103');
    expect([99n, 100n, 101n, 102n, 103n, 104n, 105n, 106n].map((x) => s.sees(x))).toEqual([true, false, true, true, false, true, false, false]);
    expect(new Snapshot('7:7:').sees(6n)).toBe(true);
  });
});

describe('a batch view', () => {
  it('counts its own orders for the orders decided after them', () => {
    const view = new UnwrittenView();
    const first = decided('R1', { key: 'k1', units: 3 });
    view.add(first.prepared, first.plan);
    const next = decided('R1', { key: 'k2' });
    expect(view.takenAt('sku', 'wh')).toBe(3);
    expect(view.collides(next.prepared, next.plan)).toBe(true);
    expect(view.collides(decided('R2', { key: 'k1' }).prepared, decided('R2').plan)).toBe(true);
    expect(view.collides(decided('R3', { key: 'k3' }).prepared, decided('R3').plan)).toBe(false);
    expect(view.customer(next.prepared)?.id).toBe('customer-of-R1');
    expect(view.placedAlike(next.prepared)).toBe(true);
  });
});

describe('earlier batches', () => {
  it('count for a batch exactly when its snapshot does not show their write', () => {
    const u = new Unwritten();
    const earlier = new UnwrittenView();
    const a = decided('R1', { units: 2 });
    const b = decided('R2', { units: 5, newCustomer: false, signature: 'other' });
    const reading = u.reading();
    u.committed(200n, [earlier.add(a.prepared, a.plan), earlier.add(b.prepared, b.plan)]);
    // Read before transaction 200 committed (still running in the snapshot): its orders count.
    const before = u.view(new Snapshot('199:201:200'));
    expect(before.takenAt('sku', 'wh')).toBe(7);
    expect(before.customer(a.prepared)?.id).toBe('customer-of-R1');
    expect(before.placedAlike(b.prepared)).toBe(true);
    // Read after it committed: the facts show them, counting them again would take the units twice.
    const after = u.view(new Snapshot('201:201:'));
    expect(after.takenAt('sku', 'wh')).toBe(0);
    expect(after.customer(a.prepared)).toBeUndefined();
    reading();
  });

  it('are forgotten once every batch still reading began after their write', () => {
    const u = new Unwritten();
    const view = new UnwrittenView();
    const a = decided('R1', { units: 2 });
    const early = u.reading();
    u.committed(300n, [view.add(a.prepared, a.plan)]);
    const late = u.reading();
    expect(u.view(new Snapshot('300:301:300')).takenAt('sku', 'wh')).toBe(2);
    early();
    // Only `late` reads now, and it began after write 300 ended: nobody can miss it any more.
    expect(u.view(new Snapshot('300:301:300')).takenAt('sku', 'wh')).toBe(0);
    late();
  });
});

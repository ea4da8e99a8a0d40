import { describe, expect, it } from 'vitest';
import { fullyAllocated, lineTotalMinor, scaleLineMoney, settledStatus, shareOrderDiscount, splitLine, takeUnits, totalsOf, type LineState } from './order-state.js';

const line = (over: Partial<LineState> = {}): LineState => ({
  id: 'l1', orderId: 'o1', lineNo: 1, skuId: 's1', sku: 'A', locationId: 'w1', quantity: 3, allocated: 3, shipped: 0, cancelled: 0,
  returned: 0, backordered: 0, unitPriceMinor: 1000, discountMinor: 100, orderDiscountMinor: 200, taxMinor: 570, ...over,
});

describe('units', () => {
  it('takes unassigned units first, then backordered, reserved last', () => {
    expect(takeUnits(line({ quantity: 6, allocated: 2, backordered: 2 }), 3)).toEqual({ unassigned: 2, backordered: 1, allocated: 0 });
    expect(takeUnits(line({ quantity: 6, allocated: 2, backordered: 2 }), 6)).toEqual({ unassigned: 2, backordered: 2, allocated: 2 });
  });

  it('one meaning of fully allocated, and the status an edit settles in', () => {
    expect(fullyAllocated([line()])).toBe(true);
    expect(fullyAllocated([line({ allocated: 2, backordered: 1 })])).toBe(false);
    expect(fullyAllocated([line({ allocated: 0, cancelled: 3 })])).toBe(false);
    expect(settledStatus('confirmed', [line()])).toBe('allocated');
    expect(settledStatus('allocated', [line({ allocated: 2, backordered: 1 })])).toBe('confirmed');
    expect(settledStatus('allocated', [line({ allocated: 0, cancelled: 3 })])).toBe('cancelled');
    expect(settledStatus('partially_shipped', [line({ allocated: 0, shipped: 1, cancelled: 2 })])).toBe('shipped');
    expect(settledStatus('in_fulfillment', [line({ allocated: 2, cancelled: 1 })])).toBeNull();
  });
});

describe('money', () => {
  it('shares an order discount by what each line is worth, exactly, and keeps what no line can take', () => {
    const lines = [{ unitPriceMinor: 1000, quantity: 3, discountMinor: 100 }, { unitPriceMinor: 500, quantity: 2, discountMinor: 0 }];
    const { shares, unallocatedMinor } = shareOrderDiscount(lines, 200);
    expect(shares).toEqual([149, 51]);
    expect(unallocatedMinor).toBe(0);
    // A voucher larger than the goods (it also pays the shipping): the lines take what they are worth, the order the rest.
    expect(shareOrderDiscount(lines, 5000)).toEqual({ shares: [2900, 1000], unallocatedMinor: 1100 });
  });

  it('keeps a line money exact when units go: what leaves plus what stays is what was', () => {
    const l = line({ discountMinor: 100, orderDiscountMinor: 200, taxMinor: 571 });
    const kept = scaleLineMoney(l, 3, 2);
    expect(kept).toEqual({ discountMinor: 67, orderDiscountMinor: 133, taxMinor: 381 });
    const again = scaleLineMoney({ ...l, ...kept }, 2, 1);
    const last = scaleLineMoney({ ...l, ...again }, 1, 0);
    expect(last).toEqual({ discountMinor: 0, orderDiscountMinor: 0, taxMinor: 0 });
    // Growing: per-unit amounts grow, the order discount share (a fixed amount) stays.
    expect(scaleLineMoney(l, 3, 6)).toEqual({ discountMinor: 200, orderDiscountMinor: 200, taxMinor: 1142 });
  });

  it('totals: lines plus charges, the unallocated discount never more than the order', () => {
    const charges = { shippingMinor: 495, shippingTaxMinor: 94, unallocatedDiscountMinor: 50 };
    const { totals } = totalsOf([line()], charges);
    expect(totals).toEqual({ subtotalMinor: 3000, discountMinor: 350, shippingMinor: 495, taxMinor: 664, totalMinor: 3000 - 350 + 495 + 664 });
    const cut = totalsOf([line({ allocated: 0, cancelled: 3, discountMinor: 0, orderDiscountMinor: 0, taxMinor: 0 })], { ...charges, unallocatedDiscountMinor: 9999 });
    expect(cut.totals.totalMinor).toBe(0);
    expect(cut.clampedMinor).toBe(9999 - 589);
  });
});

describe('splitting a line over locations after capture', () => {
  const ids = () => { let n = 0; return () => `new${++n}`; };
  const sum = (lines: LineState[], f: (l: LineState) => number) => lines.reduce((a, l) => a + f(l), 0);

  it('re-sourced: the first part keeps the line and its cancelled units, the money divided over units not cancelled', () => {
    // 10 units, 1 cancelled, 9 reserved elsewhere and placed again as 5 + 4.
    const whole = line({ quantity: 10, allocated: 9, cancelled: 1, discountMinor: 101, orderDiscountMinor: 7, taxMinor: 1903 });
    const parts = splitLine(whole, 'allocated', [{ locationId: 'w2', quantity: 5 }, { locationId: 'w3', quantity: 4 }], 4, ids());
    expect(parts.map((l) => [l.id, l.lineNo, l.locationId, l.quantity, l.cancelled, l.allocated, l.splitFromLineNo])).toEqual([
      ['l1', 1, 'w2', 6, 1, 5, 1], ['new1', 4, 'w3', 4, 0, 4, 1],
    ]);
    expect([sum(parts, (l) => l.discountMinor), sum(parts, (l) => l.orderDiscountMinor), sum(parts, (l) => l.taxMinor)]).toEqual([101, 7, 1903]);
    expect(sum(parts, lineTotalMinor)).toBe(lineTotalMinor(whole));
    expect(parts.map((l) => l.taxMinor)).toEqual([1057, 846]);
  });

  it('filled from backorder: the placed units leave backordered, a part of a part names the first line of the family', () => {
    const waiting = line({ lineNo: 3, quantity: 5, allocated: 0, backordered: 5, locationId: null, splitFromLineNo: 1 });
    const parts = splitLine(waiting, 'backordered', [{ locationId: 'w1', quantity: 3 }, { locationId: 'w2', quantity: 2 }], 7, ids());
    expect(parts.map((l) => [l.lineNo, l.locationId, l.quantity, l.allocated, l.backordered, l.splitFromLineNo])).toEqual([
      [3, 'w1', 3, 3, 0, 1], [7, 'w2', 2, 2, 0, 1],
    ]);
    expect(sum(parts, lineTotalMinor)).toBe(lineTotalMinor(waiting));
  });
});

describe('splitting a line discounted to nothing', () => {
  const ids = () => { let n = 0; return () => `new${++n}`; };

  it('leaves no part with more discount than its units are worth, and each kind of discount whole', () => {
    // 2 units at 1 cent, 1 cent of its own discount and 1 of the order's: divided on their own, both cents went to
    // the first part (a tie, the first wins), 2 cents of discount on 1 cent of value.
    const free = line({ quantity: 2, allocated: 2, unitPriceMinor: 1, discountMinor: 1, orderDiscountMinor: 1, taxMinor: 0 });
    const parts = splitLine(free, 'allocated', [{ locationId: 'w1', quantity: 1 }, { locationId: 'w2', quantity: 1 }], 2, ids());
    expect(parts.map((l) => [l.quantity, l.discountMinor, l.orderDiscountMinor])).toEqual([[1, 1, 0], [1, 0, 1]]);
    expect(parts.map(lineTotalMinor)).toEqual([0, 0]);
  });

  it('over many shapes: within value, sums exact', () => {
    for (let units = 2; units <= 9; units++) {
      for (let price = 1; price <= 7; price++) {
        for (let own = 0; own <= units * price; own++) {
          const free = line({ quantity: units, allocated: units, unitPriceMinor: price, discountMinor: own, orderDiscountMinor: units * price - own, taxMinor: 0 });
          for (let moved = 1; moved < units; moved++) {
            const parts = splitLine(free, 'allocated', [{ locationId: 'w1', quantity: units - moved }, ...Array.from({ length: moved }, () => ({ locationId: 'w2', quantity: 1 }))], 2, ids());
            for (const p of parts) expect(p.discountMinor + p.orderDiscountMinor, `${units}×${price}, own ${own}, moved ${moved}`).toBe(p.quantity * price);
            expect(parts.reduce((a, p) => a + p.discountMinor, 0)).toBe(own);
            expect(parts.reduce((a, p) => a + p.orderDiscountMinor, 0)).toBe(units * price - own);
          }
        }
      }
    }
  });
});

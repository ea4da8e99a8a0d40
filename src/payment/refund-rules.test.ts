import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateMinor } from '../shared/money.js';
import { capturableMinor, ledgerDrifts, refundableMinor, totalsOf, type LedgerRow } from './ledger.js';
import { explainRefund, firstUnitsShare, partsAddUp, unitsShare, type RefundInput, type RefundLineInput } from './refund-rules.js';

const line = (over: Partial<RefundLineInput> = {}): RefundLineInput => ({
  lineId: 'l1', lineNo: 1, sku: 'A', unitPriceMinor: 10_000, paidUnits: 2, discountMinor: 0, orderDiscountMinor: 0, taxMinor: 0, refundedUnits: 0, units: 1, ...over,
});
const input = (lines: RefundLineInput[], over: Partial<RefundInput> = {}): RefundInput => ({
  currency: 'EUR', lines, completesOrder: false,
  shipping: { refundable: false, asked: false, shippingMinor: 0, shippingTaxMinor: 0, refundedBeforeMinor: 0 },
  unallocatedDiscountMinor: 0, restockingFeeBps: 0, maxRefundableMinor: Number.MAX_SAFE_INTEGER, ...over,
});

describe('unit shares: largest remainder, the extra cents to the earlier units', () => {
  it('equals allocateMinor summed, for small and large unit counts', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 200 }), (amount, n, k) => {
      const parts = allocateMinor(amount, new Array<number>(n).fill(1));
      expect(firstUnitsShare(amount, n, k)).toBe(parts.slice(0, Math.min(k, n)).reduce((a, b) => a + b, 0));
    }));
  });

  it('adds up to the whole amount however the units are taken', () => {
    expect(unitsShare(1001, 7, 0, 2) + unitsShare(1001, 7, 2, 3) + unitsShare(1001, 7, 5, 2)).toBe(1001);
    expect(firstUnitsShare(100, 3, 1)).toBe(34);
  });
});

describe('the refund explanation', () => {
  it('2 × 100.00 with a 20.00 discount and 10 % tax, one unit back: exactly 99.00', () => {
    // The discount as the order's (its stored share on the line) and as the line's own: the same 99.00.
    for (const discount of [{ orderDiscountMinor: 2000 }, { discountMinor: 2000 }]) {
      const e = explainRefund(input([line({ ...discount, taxMinor: 1800 })]));
      expect(e.lines[0]).toMatchObject({ subtotalMinor: 10_000, taxMinor: 900, amountMinor: 9900 });
      expect(e.totalMinor).toBe(9900);
      expect(partsAddUp(e)).toBe(true);
    }
  });

  it('an order paid 87.96 refunds 87.96 in full (shipping refunded with the last unit)', () => {
    // 3 × 24.99 less 5.00 order discount, 19 % tax 13.29, shipping 4.70: 69.97 + 13.29 + 4.70 = 87.96.
    const l = line({ unitPriceMinor: 2499, paidUnits: 3, units: 3, orderDiscountMinor: 500, taxMinor: 1329 });
    const e = explainRefund(input([l], {
      completesOrder: true, maxRefundableMinor: 8796,
      shipping: { refundable: true, asked: false, shippingMinor: 470, shippingTaxMinor: 0, refundedBeforeMinor: 0 },
    }));
    expect(e.itemsMinor).toBe(8326);
    expect(e.shipping.amountMinor).toBe(470);
    expect(e.totalMinor).toBe(8796);
    expect(e.cappedMinor).toBe(0);
  });

  it('three partial returns refund exactly what the line was paid', () => {
    const base = { unitPriceMinor: 1333, paidUnits: 7, discountMinor: 101, orderDiscountMinor: 250, taxMinor: 977 };
    const lineTotal = 1333 * 7 - 101 - 250 + 977;
    let refunded = 0;
    let before = 0;
    for (const units of [2, 3, 2]) {
      const e = explainRefund(input([line({ ...base, refundedUnits: before, units })]));
      expect(partsAddUp(e)).toBe(true);
      refunded += e.totalMinor;
      before += units;
    }
    expect(refunded).toBe(lineTotal);
  });

  it('takes the restocking fee off, rounded down, and says so', () => {
    const e = explainRefund(input([line({ units: 1, taxMinor: 1901 })], { restockingFeeBps: 1000 }));
    // One unit: 10,000 + 950 tax (the second unit has 951... the first takes the extra cent: 951).
    expect(e.lines[0]!.taxMinor).toBe(951);
    expect(e.restockingFee.amountMinor).toBe(Math.floor(10_951 / 10));
    expect(e.totalMinor).toBe(10_951 - 1095);
    expect(e.restockingFee.rule).toContain('10 %');
  });

  it('caps at what is still refundable, and the cap is one of the parts', () => {
    const e = explainRefund(input([line({ units: 2 })], { maxRefundableMinor: 15_000 }));
    expect(e.totalMinor).toBe(15_000);
    expect(e.cappedMinor).toBe(5000);
    expect(partsAddUp(e)).toBe(true);
  });
});

/**
 * A pure model of one order's money under random sequences of capture, ship, cancel, return and refund: whatever
 * the order, refunded ≤ captured ≤ authorised, and every refund equals the sum of its explained parts.
 */
describe('property: random sequences of capture, ship, cancel, return and refund', () => {
  type Op = { op: 'capture' | 'ship' | 'cancel' | 'return' | 'refund'; line: number; n: number; amount: number };
  const op = fc.record({
    op: fc.constantFrom('capture' as const, 'ship' as const, 'cancel' as const, 'return' as const, 'refund' as const),
    line: fc.integer({ min: 0, max: 2 }), n: fc.integer({ min: 1, max: 4 }), amount: fc.integer({ min: 1, max: 50_000 }),
  });
  const lineArb = fc.record({ qty: fc.integer({ min: 1, max: 6 }), price: fc.integer({ min: 1, max: 20_000 }), disc: fc.integer({ min: 0, max: 500 }), taxBps: fc.integer({ min: 0, max: 2500 }) });

  it('keeps refunded ≤ captured ≤ authorised and every refund adds up', () => {
    fc.assert(fc.property(fc.array(lineArb, { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2000 }), fc.array(op, { maxLength: 40 }), (specs, orderDiscount, ops: Op[]) => {
      const shares = allocateMinor(Math.min(orderDiscount, specs.reduce((a, s) => a + s.qty * s.price - s.disc, 0)), specs.map((s) => Math.max(0, s.qty * s.price - s.disc)));
      const lines = specs.map((s, i) => {
        const disc = Math.min(s.disc, s.qty * s.price);
        const od = Math.min(shares[i] ?? 0, s.qty * s.price - disc);
        return { id: `l${i}`, price: s.price, qty: s.qty, cancelled: 0, shipped: 0, returned: 0, refundedUnits: 0, disc, od, tax: Math.floor(((s.qty * s.price - disc - od) * s.taxBps) / 10_000) };
      });
      const total = () => lines.reduce((a, l) => a + l.price * (l.qty - l.cancelled) - l.disc - l.od + l.tax, 0);
      const rows: LedgerRow[] = [{ kind: 'authorization', status: 'succeeded', amountMinor: total() }];
      for (const o of ops) {
        const l = lines[o.line]!;
        const t = totalsOf(rows);
        if (o.op === 'capture') {
          const amount = Math.min(o.amount, capturableMinor(t));
          if (amount > 0) rows.push({ kind: 'capture', status: 'succeeded', amountMinor: amount });
        } else if (o.op === 'ship') {
          l.shipped += Math.min(o.n, l.qty - l.cancelled - l.shipped);
        } else if (o.op === 'cancel') {
          // Cancelled units take the last units' shares of the line's money (the rest keeps its exact shares).
          const k = Math.min(o.n, l.qty - l.cancelled - l.shipped);
          if (k > 0 && l.refundedUnits === 0) {
            const n = l.qty - l.cancelled;
            l.disc -= unitsShare(l.disc, n, n - k, k);
            l.od -= unitsShare(l.od, n, n - k, k);
            l.tax -= unitsShare(l.tax, n, n - k, k);
            l.cancelled += k;
          }
        } else if (o.op === 'return') {
          l.returned += Math.min(o.n, l.shipped - l.returned);
        } else {
          const units = l.returned - l.refundedUnits;
          if (units <= 0) continue;
          const e = explainRefund(input([{ lineId: l.id, lineNo: o.line + 1, sku: 'X', unitPriceMinor: l.price, paidUnits: l.qty - l.cancelled, discountMinor: l.disc,
            orderDiscountMinor: l.od, taxMinor: l.tax, refundedUnits: l.refundedUnits, units }], { maxRefundableMinor: refundableMinor(t), restockingFeeBps: o.amount % 2000 }));
          expect(partsAddUp(e)).toBe(true);
          expect(e.totalMinor).toBeLessThanOrEqual(refundableMinor(t));
          // The use case refuses a refund that would be capped; the model does too.
          if (e.cappedMinor === 0 && e.totalMinor > 0) {
            rows.push({ kind: 'refund', status: 'succeeded', amountMinor: e.totalMinor });
            l.refundedUnits += units;
          }
        }
        const after = totalsOf(rows);
        expect(ledgerDrifts(after)).toEqual([]);
        expect(after.refundedMinor).toBeLessThanOrEqual(after.capturedMinor);
        expect(after.capturedMinor).toBeLessThanOrEqual(after.authorizedMinor);
      }
    }), { numRuns: 300 });
  });
});

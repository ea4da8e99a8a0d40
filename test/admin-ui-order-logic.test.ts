/** The order page's pure parts: a sourcing explanation as table rows, a refund's explanation as a sum, typed amounts. */
import { describe, expect, it } from 'vitest';
import { refundRows, toMinor } from '../web/src/screens/order/refund-parts.js';
import { candidateRows, chosenLocations, rejectionMessage, scoreMessage } from '../web/src/screens/order/sourcing-rows.js';
import type { RefundExplanation, SourcingExplanation } from '../web/src/types.js';

const explanation: SourcingExplanation = {
  rules: ['fewest_shipments', 'nearest', 'priority'], splitLines: false, ruleSet: 'default', deliveryMethod: 'ship',
  destination: { how: 'city', region: 'CN', area: 'CN-GD', label: 'Shenzhen' }, costModel: null, fallbacks: [],
  candidates: [
    { location: 'A', eligible: true, rejected: 'ranked lower, or nothing left for it to cover', scores: { fewest_shipments: 1, nearest: 1234.4, priority: 10 }, distanceKm: 1234.4, region: 'CN-BJ' },
    { location: 'B', eligible: false, rejected: 'does not serve CN-GD', scores: { fewest_shipments: 0, nearest: null, priority: 5 }, distanceKm: null, region: null },
    { location: 'C', eligible: true, rejected: null, scores: { fewest_shipments: 2, nearest: 12.6, priority: 20 }, distanceKm: 12.6, region: 'CN-GD' },
    { location: 'D', eligible: true, rejected: null, scores: { fewest_shipments: 1, nearest: 30, priority: 30 }, distanceKm: 30, region: 'CN-GD' },
  ],
  parcels: [{ location: 'C', lines: [{ index: 0, quantity: 2 }] }, { location: 'D', lines: [{ index: 1, quantity: 1 }] }],
  uncovered: [], summary: '2 parcel(s): C (line 1); D (line 2)',
};

describe('a sourcing decision as a table', () => {
  it('puts the chosen locations first in parcel order, with what each ships, and the others in the API\'s order with why not', () => {
    const rows = candidateRows(explanation);
    expect(rows.map((r) => [r.location, r.chosen])).toEqual([['C', true], ['D', true], ['A', false], ['B', false]]);
    expect(rows[0]!.parcel).toEqual([{ line: 1, quantity: 2 }]);
    expect(rows[0]!.rejected).toBeNull();
    expect(rows[2]!.rejected).toEqual({ key: 'order.sourcing.reject.rankedLower' });
    expect(rows[3]!.rejected).toEqual({ key: 'order.sourcing.reject.doesNotServe', values: { area: 'CN-GD' } });
    expect(chosenLocations(explanation)).toEqual(['C', 'D']);
  });

  it('gives each rule\'s score in the rule set\'s order, in words fit for the rule, and a dash for no score', () => {
    const [c] = candidateRows(explanation);
    expect(c!.scores).toEqual([
      { rule: 'fewest_shipments', message: { key: 'order.sourcing.score.linesWhole', values: { count: 2 } } },
      { rule: 'nearest', message: { key: 'order.sourcing.score.km', values: { km: 13 } } },
      { rule: 'priority', message: { key: 'order.sourcing.score.priority', values: { priority: 20 } } },
    ]);
    expect(candidateRows(explanation)[3]!.scores[1]).toEqual({ rule: 'nearest', message: null });
    expect(scoreMessage('same_region', 0)).toEqual({ key: 'order.sourcing.score.sameRegion' });
    expect(scoreMessage('same_region', 1)).toEqual({ key: 'order.sourcing.score.otherRegion' });
    expect(scoreMessage('stock_balance', 3.14159, { supply: { onHand: 10, demandPerDay: 1, weeks: 3.14159 } })).toEqual({ key: 'order.sourcing.score.weeks', values: { weeks: 3.1 } });
    expect(scoreMessage('stock_balance', 40, {})).toEqual({ key: 'order.sourcing.score.freeUnits', values: { count: 40 } });
  });

  it('words every rejection the engine gives, and shows one it does not know as the API says it', () => {
    expect(rejectionMessage('not the pickup store')).toEqual({ key: 'order.sourcing.reject.notPickupStore' });
    expect(rejectionMessage('does not ship (pickup only)')).toEqual({ key: 'order.sourcing.reject.pickupOnly' });
    expect(rejectionMessage('no capacity left today')).toEqual({ key: 'order.sourcing.reject.noCapacity' });
    expect(rejectionMessage('past its cut-off (15:00)')).toEqual({ key: 'order.sourcing.reject.pastCutoff', values: { cutoff: '15:00' } });
    expect(rejectionMessage('closed for inventory')).toEqual({ key: 'order.sourcing.reject.other', values: { reason: 'closed for inventory' } });
    expect(rejectionMessage(null)).toBeNull();
  });
});

const part = (amountMinor: number, rule = 'r') => ({ amountMinor, rule });
const refund: RefundExplanation = {
  currency: 'EUR',
  lines: [{ lineId: 'l1', lineNo: 1, sku: 'A', units: 2, unitsRefundedBefore: 0, paidUnits: 3, unitPriceMinor: 1000, subtotalMinor: 2000, discountMinor: 0, orderDiscountMinor: 0, taxMinor: 0, amountMinor: 2000, rule: 'units 1–2 of 3' }],
  itemsMinor: 2000, shipping: part(495), unallocatedDiscount: part(0), restockingFee: { bps: 1000, amountMinor: 200, rule: '10 %' }, goodwill: part(300),
  cancellation: part(0), exchange: part(0), maxRefundableMinor: 2500, cappedMinor: 95, totalMinor: 2500, rule: 'total = items + …',
};

describe('a refund\'s explanation as a sum', () => {
  it('lists each line, then the parts that are not nothing with deductions negative, then the total: they add up', () => {
    const rows = refundRows(refund);
    expect(rows.map((r) => [r.key, r.amountMinor])).toEqual([
      ['order.refund.part.line', 2000], ['order.refund.part.shipping', 495], ['order.refund.part.restockingFee', -200],
      ['order.refund.part.goodwill', 300], ['order.refund.part.capped', -95], ['order.refund.part.total', 2500],
    ]);
    expect(rows[0]).toMatchObject({ values: { lineNo: 1, sku: 'A', units: 2 }, rule: 'units 1–2 of 3' });
    expect(rows.slice(0, -1).reduce((a, r) => a + r.amountMinor, 0)).toBe(rows.at(-1)!.amountMinor);
  });
});

describe('an amount typed in the currency\'s units', () => {
  it('becomes minor units with the currency\'s decimals, and anything else is refused', () => {
    expect(toMinor('12.5', 'EUR')).toBe(1250);
    expect(toMinor('12,05', 'EUR')).toBe(1205);
    expect(toMinor(' 3 ', 'EUR')).toBe(300);
    expect(toMinor('1200', 'JPY')).toBe(1200);
    expect(toMinor('12.5', 'JPY')).toBeNull();
    expect(toMinor('1.234', 'EUR')).toBeNull();
    expect(['', '0', '-1', 'abc', '1e3', '0.00'].map((s) => toMinor(s, 'EUR'))).toEqual([null, null, null, null, null, null]);
  });
});

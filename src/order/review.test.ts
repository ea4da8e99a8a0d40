import { describe, expect, it } from 'vitest';
import { addressProblems, defaultRules, review, type ReviewFacts, type ReviewRule } from './review.js';

const facts: ReviewFacts = {
  'order.totalMinor': 5000, 'order.subtotalMinor': 5000, 'order.currency': 'EUR', 'order.lineCount': 1, 'order.totalUnits': 2,
  'order.maxUnitsPerSku': 2, 'order.hasRemark': false, 'order.buyerRemark': null, 'order.deliveryMethod': 'ship',
  'order.channel': 'WEB', 'order.shippingCountry': 'DE', 'order.isB2b': false, 'address.valid': true,
  'payment.authorized': true, 'payment.method': 'card', 'customer.blocked': false, 'customer.email': 'a@b.de',
  'customer.isNew': false, 'duplicate.minutesSinceIdentical': null,
};
const rules: ReviewRule[] = defaultRules.map((r, i) => ({ ...r, id: `r${i}`, enabled: true }));

describe('review', () => {
  it('passes a normal order', () => {
    expect(review(rules, facts)).toEqual({ holds: [], flags: [] });
  });

  it('holds for each default reason and flags a remark', () => {
    const out = review(rules, {
      ...facts, 'address.valid': false, 'customer.blocked': true, 'payment.authorized': false, 'order.totalMinor': 200_000,
      'order.maxUnitsPerSku': 11, 'duplicate.minutesSinceIdentical': 3, 'order.hasRemark': true,
    });
    expect(out.holds.map((h) => h.reasonCode)).toEqual(['invalid_address', 'blocked_customer', 'payment_not_authorized', 'high_value', 'unusual_quantity', 'likely_duplicate']);
    expect(out.flags.map((f) => f.reasonCode)).toEqual(['buyer_remark']);
  });

  it('ignores disabled rules and honours any/all', () => {
    const anyRule: ReviewRule = { id: 'x', code: 'x', name: 'x', priority: 1, enabled: true, action: 'hold', reasonCode: 'x',
      condition: { match: 'any', conditions: [{ field: 'order.channel', operator: 'in', value: ['MARKET'] }, { field: 'order.totalUnits', operator: 'gte', value: 2 }] } };
    expect(review([anyRule], facts).holds).toHaveLength(1);
    expect(review([{ ...anyRule, condition: { ...anyRule.condition, match: 'all' } }], facts).holds).toHaveLength(0);
    expect(review([{ ...anyRule, enabled: false }], facts).holds).toHaveLength(0);
  });
});

describe('addressProblems', () => {
  it('accepts a complete German address and names what is wrong otherwise', () => {
    expect(addressProblems({ name: 'A', line1: 'Str 1', city: 'Berlin', postalCode: '10115', country: 'DE' })).toEqual([]);
    expect(addressProblems({ name: 'A', line1: 'Str 1', city: 'Berlin', postalCode: '1011', country: 'DE' })).toEqual(['postal code "1011" is not valid for DE']);
    expect(addressProblems({ name: 'A', line1: '', city: 'X', postalCode: '1', country: 'QQ' })).toContain('line1 is missing');
    expect(addressProblems(null)).toEqual(['no shipping address']);
  });
});

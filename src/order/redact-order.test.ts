import { describe, expect, it } from 'vitest';
import { redactTimelineEntry } from './redact-order.js';

const address = { name: 'Erika Mustermann', line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' };
const masked = { name: 'E**** M*********', line1: 'H********** 1*', city: 'Köln', postalCode: '51***', country: 'DE' };
const change = (field: string, from: unknown, to: unknown, label: string) =>
  ({ type: 'details_changed', message: `${label} changed: ${JSON.stringify(from)} → ${JSON.stringify(to)}`, details: { field, from, to } });

describe('redactTimelineEntry', () => {
  it('keeps the label of a change the level may not see, and masks its values', () => {
    const entry = change('shippingAddress', address, null, 'Shipping address');
    expect(redactTimelineEntry(entry, 'masked')).toEqual({
      type: 'details_changed', message: 'Shipping address changed', details: { field: 'shippingAddress', from: masked, to: null },
    });
    expect(redactTimelineEntry(entry, 'shipping')).toBe(entry);
  });

  it('hides a remark change from a level that may not read remarks', () => {
    const entry = change('buyerRemark', 'call me on 0170 1234567', null, 'Buyer remark');
    expect(redactTimelineEntry(entry, 'masked')).toEqual({
      type: 'details_changed', message: 'Buyer remark changed', details: { field: 'buyerRemark', from: null, to: null },
    });
  });

  it('leaves other entries alone', () => {
    const entry = { type: 'status_changed', message: 'Every unit shipped', details: { shipmentId: 'x' } };
    expect(redactTimelineEntry(entry, 'masked')).toBe(entry);
  });
});

/** The orders list's filters between the form, the API's query and a saved view: a view applied shows what was saved. */
import { describe, expect, it } from 'vitest';
import { fromApiFilters, toApiFilters } from '../web/src/screens/orders/filters.js';

describe('the orders list filters', () => {
  it('go to the API as it takes them: status a list, days as instants at local midnight, empty ones left out', () => {
    const api = toApiFilters({ status: 'on_hold', channel: 'WEB', location: 'OWH1', placedFrom: '2026-12-01', sku: '' });
    expect(api).toEqual({ status: ['on_hold'], channel: 'WEB', location: 'OWH1', placedFrom: new Date('2026-12-01T00:00:00').toISOString() });
  });

  it('come back from a saved view as the form holds them', () => {
    const form = { status: 'allocated', q: 'Köln', placedFrom: '2026-11-30', placedTo: '2026-12-02', holdReason: 'address_check' };
    expect(fromApiFilters(toApiFilters(form))).toEqual(form);
    // What the form cannot show is left out rather than misread.
    expect(fromApiFilters({ totalMin: 100, status: [], colour: 'red' })).toEqual({});
  });
});

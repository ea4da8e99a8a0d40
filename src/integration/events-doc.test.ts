import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventProblems } from './event.js';
import { renderEventReference, withEventReference } from './events-doc.js';

describe('docs/events.md', () => {
  it('holds the event reference as the catalogues have it (run `npm run docs:events` after changing an event)', () => {
    const doc = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
    expect(doc).toBe(withEventReference(doc));
  });

  it('lists every event with its aggregate and fields', () => {
    const reference = renderEventReference();
    expect(reference).toContain('| [`order.shipped`](#ordershipped) | `order` |');
    expect(reference).toContain('| `available` | integer | yes |');
    expect(reference).toContain('When `change` is `"line_added"`:');
  });
});

describe('eventProblems', () => {
  it('accepts a valid payload and names what is wrong with others', () => {
    const orderId = '01a23496-b80c-77b9-88d8-8e05638fc943';
    expect(eventProblems({ type: 'order.shipped', aggregate_type: 'order', payload: { orderId, from: 'allocated', to: 'shipped', version: 3 } })).toEqual([]);
    expect(eventProblems({ type: 'order.shipped', aggregate_type: 'order', payload: { orderId, from: 'allocated', to: 'delivered' } })).not.toEqual([]);
    expect(eventProblems({ type: 'order.shipped', aggregate_type: 'sku', payload: { orderId, from: 'allocated', to: 'shipped' } }))
      .toEqual(['aggregate sku, declared order']);
    expect(eventProblems({ type: 'order.teleported', aggregate_type: 'order', payload: {} }))
      .toEqual(['unknown event type order.teleported (add it to its module\'s event catalogue)']);
  });
});

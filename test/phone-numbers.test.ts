/** One phone number however it is written: one customer, and found by search in any of its forms. */
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
beforeAll(() => seedOrderWorld(t));

describe('phone numbers', () => {
  it('"+49 221 5550123" and "0221 5550123" to a German address are one customer, stored in E.164', async () => {
    const first = await t.http('POST', '/v1/orders', { body: anOrder({ customer: { phone: '+49 221 5550123', name: 'Paul Phone' } }) });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.customer.phone).toBe('+492215550123');
    const second = await t.http('POST', '/v1/orders', { body: anOrder({ customer: { phone: '0221 5550123', name: 'Paul Phone' } }) });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.customer.id).toBe(first.body.customer.id);
  });

  it('finds the orders by the number as it was captured, international or national', async () => {
    for (const q of ['+49 221 5550123', '0221 5550123', '0221/555-0123']) {
      const res = await t.http('GET', `/v1/orders?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      expect(res.body.data.length, q).toBe(2);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { Customer } from './customer.js';
import { redactCustomer } from './redact-customer.js';

const customer: Customer = {
  id: '0190b1c2-0000-7000-8000-000000000001', email: 'zhang.san@example.com', phone: '13812345678', name: '张三', type: 'business',
  company: 'Muster GmbH', vatId: 'DE123456789', paymentTermsDays: 30, blocked: true, blockedReason: 'chargebacks on 3 orders', language: 'zh-CN',
  version: 2, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z',
};

describe('redactCustomer', () => {
  it('shows everything at the full level', () => {
    expect(redactCustomer(customer, 'full')).toBe(customer);
  });

  it.each(['shipping', 'masked'] as const)('masks who the customer is at the %s level, and hides why they are blocked', (level) => {
    expect(redactCustomer(customer, level)).toEqual({
      ...customer, name: '张*', email: 'z***@example.com', phone: '138****5678', company: 'M***** G***', vatId: 'DE*********', blockedReason: null,
    });
  });

  it('leaves missing values missing', () => {
    expect(redactCustomer({ ...customer, email: null, phone: null, company: null, vatId: null }, 'masked'))
      .toMatchObject({ email: null, phone: null, company: null, vatId: null });
  });
});

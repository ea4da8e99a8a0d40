import { describe, expect, it } from 'vitest';
import { eventCatalog } from '../integration/index.js';
import { languages, templates, type TemplateContext } from './templates.js';

const order: TemplateContext['order'] = { number: 'W-1001', customerName: 'Erika', trackingUrl: 'https://shop.example/track/tok', totalMinor: 2495, currency: 'EUR' };
const data: Record<string, unknown> = {
  carrier: 'DHL', trackingNumber: 'TN-1', number: 'R-7', amountMinor: 1250, currency: 'EUR', available: 2, reorderPoint: 10,
  skuId: 'sku', locationId: 'loc', alertId: 'alert', url: 'https://hooks.example/x', reason: 'HTTP 500 for 3 days',
};

describe('notification templates', () => {
  it('each is for an event Ordo writes, with a unique name', () => {
    for (const type of Object.keys(templates)) expect(eventCatalog[type], type).toBeDefined();
    const names = Object.values(templates).map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(Object.entries(templates))('%s renders in every language, Chinese in Chinese', (_type, template) => {
    for (const language of languages) {
      const { subject, text } = template.render[language]({ data, order });
      expect(subject.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/undefined|\[object/);
      if (language === 'zh-CN') expect(subject).toMatch(/\p{Script=Han}/u);
      else expect(subject).not.toMatch(/\p{Script=Han}/u);
      if (template.audience === 'customer') expect(`${subject}${text}`).toContain('W-1001');
    }
  });

  it('a refund names its amount; a shipped parcel its tracking link and number', () => {
    expect(templates['order.payment_refund']!.render.en({ data, order }).text).toContain('12.50 EUR');
    expect(templates['order.payment_refund']!.render['zh-CN']({ data, order }).text).toContain('12.50 EUR');
    const shipped = templates['order.shipment_created']!.render['zh-CN']({ data, order }).text;
    expect(shipped).toContain('承运商：DHL，运单号：TN-1');
    expect(shipped).toContain('https://shop.example/track/tok');
  });

  it('ready for pickup gives the customer the code and the last day; a carrier exception tells the team what the carrier said', () => {
    const pickup = { ...data, pickupCode: '042917', location: 'SH-STORE', collectBy: '2026-12-09T08:00:00.000Z' };
    for (const language of languages) {
      const { text } = templates['fulfillment.ready_for_pickup']!.render[language]({ data: pickup, order });
      expect(text).toContain('042917');
      expect(text).toContain('2026-12-09');
      expect(text).toContain('SH-STORE');
    }
    expect(templates['fulfillment.ready_for_pickup']!.render['zh-CN']({ data: pickup, order }).text).toContain('取件码：042917');
    const exception = { ...data, description: 'Address not found 地址不详', location: 'Shenzhen hub' };
    expect(templates['shipment.exception']!.render.en({ data: exception, order }).text).toContain('Address not found');
    expect(templates['shipment.exception']!.render['zh-CN']({ data: exception, order }).subject).toBe('订单 W-1001 物流异常');
    expect(templates['shipment.exception']!.audience).toBe('team');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.js';
import { mapPayload } from './mapping.js';
import { toCapture } from './mapped-order.js';
import { shopifyToMapped } from './shopify.js';

const fixture = (name: string): Record<string, any> => JSON.parse(readFileSync(new URL(`../../test/fixtures/connectors/${name}`, import.meta.url), 'utf8'));
const channel = { code: 'tmall', currency: 'CNY' };

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('marketplace mappings', () => {
  it('maps a Taobao trade: lines, address and money in fen, exactly', async () => {
    const { capture, cancelled } = await mapPayload({ mapping: 'taobao' }, fixture('taobao-trade.json'), channel);
    expect(cancelled).toBe(false);
    expect(capture).toMatchObject({
      channel: 'tmall', externalRef: '3391028745612093452', currency: 'CNY', placedAt: '2026-11-30T20:15:42+08:00',
      customer: { name: '王小明', phone: '13800138000' },
      shippingAddress: { name: '王小明', line1: '西湖区 文三路 478 号 华星时代广场 A 座 1201', city: '杭州市', state: '浙江省', postalCode: '310012', country: 'CN' },
      lines: [{ sku: 'TEE-RED-M', quantity: 2, unitPriceMinor: 12990, discountMinor: 1000 }, { sku: 'CAP-01', quantity: 1, unitPriceMinor: 5900, discountMinor: 0 }],
      shippingMinor: 800,
      totals: { subtotalMinor: 31880, discountMinor: 1000, shippingMinor: 800, taxMinor: 0, totalMinor: 31680 },
      buyerRemark: '请用顺丰',
    });
  });

  it('maps a JD order and a Pinduoduo order', async () => {
    const jd = (await mapPayload({ mapping: 'jd' }, fixture('jd-order.json'), channel)).capture;
    expect(jd).toMatchObject({
      externalRef: '298765432101', lines: [{ sku: 'TEE-BLK-L', quantity: 2, unitPriceMinor: 12950 }, { sku: 'HOODIE-GRY-M', quantity: 1, unitPriceMinor: 13000 }],
      orderDiscountMinor: 2000, totals: { subtotalMinor: 38900, discountMinor: 2000, shippingMinor: 0, totalMinor: 36900 },
      shippingAddress: { city: '北京市', state: '北京', line1: '北京市朝阳区建国路 88 号 SOHO 现代城 2 号楼 1502' },
    });
    const pdd = (await mapPayload({ mapping: 'pinduoduo' }, fixture('pinduoduo-order.json'), channel)).capture;
    expect(pdd).toMatchObject({ externalRef: '261201-083355214930871', lines: [{ sku: 'TEE-RED-M', quantity: 2, unitPriceMinor: 5990 }], totals: { totalMinor: 10980, discountMinor: 1000 } });
  });

  it('names the payload field a mapping cannot read', async () => {
    const trade = fixture('taobao-trade.json');
    delete trade.trade_fullinfo_get_response.trade.orders.order[1].outer_sku_id;
    trade.trade_fullinfo_get_response.trade.orders.order[0].price = 129.9;
    const e = await refusal(mapPayload({ mapping: 'taobao' }, trade, channel));
    expect(e.code).toBe('validation_failed');
    expect(e.extra.errors).toEqual(expect.arrayContaining([
      { path: '/payload/orders/order/1/outer_sku_id', message: 'is missing' },
      expect.objectContaining({ path: '/payload/orders/order/0/price' }),
    ]));
  });

  it('names the amount that is not money', async () => {
    const order = fixture('pinduoduo-order.json');
    order.order_info_get_response.order_info.item_list[0].goods_price = 59.999;
    const e = await refusal(mapPayload({ mapping: 'pinduoduo' }, order, channel));
    expect(e.extra.errors).toEqual([expect.objectContaining({ path: '/mapped/lines/0/unitPrice' })]);
  });

  it('runs a custom expression, and refuses one that does not compile', async () => {
    const expression = '{ "externalRef": no, "customer": { "name": who, "phone": tel }, "lines": [items.{ "sku": s, "quantity": q, "unitPrice": p }], "total": paid }';
    const { capture } = await mapPayload({ mapping: 'custom', expression }, { no: 'A1', who: 'Li', tel: '13800000000', items: [{ s: 'X', q: 3, p: '0.10' }], paid: '0.30' }, channel);
    expect(capture.totals).toEqual({ subtotalMinor: 30, discountMinor: 0, shippingMinor: 0, taxMinor: 0, totalMinor: 30 });
    const e = await refusal(mapPayload({ mapping: 'custom', expression: '{ "a": ' }, {}, channel));
    expect(e.code).toBe('validation_failed');
  });

  it('maps a Shopify order: discounts allocated to lines, taxes and shipping', () => {
    const mapped = shopifyToMapped(fixture('shopify-order-create.json'));
    const { capture, channelLines } = toCapture(mapped, { code: 'shop', currency: 'USD' });
    expect(capture).toMatchObject({
      externalRef: '5631873450123', currency: 'USD', customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
      lines: [{ sku: 'TEE-RED-M', quantity: 2, unitPriceMinor: 2000, discountMinor: 500, taxMinor: 300 }, { sku: 'CAP-01', unitPriceMinor: 1500, taxMinor: 150 }],
      totals: { subtotalMinor: 5500, discountMinor: 500, shippingMinor: 700, taxMinor: 450, totalMinor: 6150 },
      shippingAddress: { name: 'Ada Lovelace', line1: '12 Main Street', line2: 'Apt 4', city: 'Springfield', state: 'Illinois', postalCode: '62701', country: 'US' },
    });
    expect(channelLines).toEqual({ 'TEE-RED-M': '13579246801', 'CAP-01': '13579246802' });
  });
});

/**
 * The China network of the demo business (issue #19 part 8), beside the European one: warehouses in Shanghai,
 * Chengdu and Guangzhou, a Beijing store that ships and offers pickup, Taobao, JD, store and B2B channels in CNY,
 * SKUs of its own (so the European tour's numbers stay as they are), stock, and sourcing rule sets per channel, so
 * that an order shows where it ships from and why (GET /v1/orders/{id}/sourcing, docs/sourcing.md). No cut-off
 * times: the tour in the README must decide the same way at any hour (set one with PATCH /v1/locations/{id}).
 */
import type { SkuInput } from '../catalog/index.js';
import type { ChannelInput } from '../channel/index.js';
import type { LocationInput } from '../location/index.js';
import type { RuleName } from '../sourcing/index.js';

const china = { timeZone: 'Asia/Shanghai', servesRegions: ['CN'] };

export const chinaLocations: LocationInput[] = [
  {
    code: 'WH-SHA', name: '上海嘉定仓 Shanghai warehouse', type: 'warehouse', region: 'CN-SH', priority: 10, ...china,
    dailyCapacity: 20_000,
    address: { line1: '嘉定区兴贤路 1388 号', city: '上海市', state: '上海市', postalCode: '201815', country: 'CN' },
    coordinates: { latitude: 31.3747, longitude: 121.2650 }, capabilities: { ship: true, pickup: false },
  },
  {
    code: 'WH-CTU', name: '成都双流仓 Chengdu warehouse', type: 'warehouse', region: 'CN-SC', priority: 20, ...china,
    dailyCapacity: 8_000,
    address: { line1: '双流区西航港大道 88 号', city: '成都市', state: '四川省', postalCode: '610207', country: 'CN' },
    coordinates: { latitude: 30.5035, longitude: 103.9620 }, capabilities: { ship: true, pickup: false },
  },
  {
    code: 'WH-CAN', name: '广州白云仓 Guangzhou warehouse', type: 'warehouse', region: 'CN-GD', priority: 30, ...china,
    dailyCapacity: 12_000,
    address: { line1: '白云区太和镇大源北路 66 号', city: '广州市', state: '广东省', postalCode: '510540', country: 'CN' },
    coordinates: { latitude: 23.2530, longitude: 113.3090 }, capabilities: { ship: true, pickup: false },
  },
  {
    code: 'ST-PEK', name: '北京三里屯店 Beijing store', type: 'store', region: 'CN-BJ', priority: 50, ...china,
    dailyCapacity: 200,
    address: { line1: '朝阳区三里屯路 19 号', city: '北京市', state: '北京市', postalCode: '100027', country: 'CN' },
    coordinates: { latitude: 39.9337, longitude: 116.4547 }, capabilities: { ship: true, pickup: true },
  },
];

const families = [
  { prefix: 'CN-TEA', name: '龙井茶礼盒 Longjing tea gift box', priceMinor: 19_800, weightGrams: 600, variants: ['50G', '100G', '250G', '500G'] },
  { prefix: 'CN-SILK', name: '真丝围巾 Silk scarf', priceMinor: 39_900, weightGrams: 80, variants: ['RED', 'BLUE', 'JADE', 'INK'] },
  { prefix: 'CN-CUP', name: '景德镇茶杯 Jingdezhen tea cup', priceMinor: 12_800, weightGrams: 150, variants: ['WHITE', 'CELADON', 'BLUE', 'SET4'] },
] as const;

export function chinaSkus(): SkuInput[] {
  return families.flatMap((f) => f.variants.map((v) => {
    return {
      code: `${f.prefix}-${v}`, name: `${f.name} ${v}`,
      weightGrams: f.weightGrams, price: { amountMinor: f.priceMinor, currency: 'CNY' }, attributes: { family: f.name, variant: v },
    };
  }));
}

export const chinaChannels: ChannelInput[] = [
  { code: 'TAOBAO', name: '淘宝 Taobao', type: 'marketplace', currency: 'CNY', orderNumberPrefix: 'TB', defaultLanguage: 'zh-CN', policy: { allowBackorder: false, presaleDays: 0, returnWindowDays: 7 } },
  { code: 'JD', name: '京东 JD.com', type: 'marketplace', currency: 'CNY', orderNumberPrefix: 'JD', defaultLanguage: 'zh-CN', policy: { allowBackorder: false, presaleDays: 0, returnWindowDays: 7 } },
  { code: 'CN-STORE', name: '门店 Stores (POS)', type: 'store', currency: 'CNY', orderNumberPrefix: 'CS', defaultLanguage: 'zh-CN', policy: { allowBackorder: false, presaleDays: 0, returnWindowDays: 7 } },
  { code: 'CN-B2B', name: '企业采购 B2B', type: 'b2b', currency: 'CNY', orderNumberPrefix: 'CB', defaultLanguage: 'zh-CN', policy: { allowBackorder: true, presaleDays: 0, returnWindowDays: 14 } },
];

/** Each channel's sourcing rules: marketplaces ship in-province first (cross-province parcels cost most), then nearest. */
export const chinaRuleSets: Record<string, RuleName[]> = {
  TAOBAO: ['fewest_shipments', 'same_region', 'nearest', 'priority'],
  JD: ['fewest_shipments', 'nearest', 'lowest_cost', 'priority'],
  'CN-B2B': ['fewest_shipments', 'stock_balance', 'priority'],
};

/** Deterministic stock: Shanghai has most, Guangzhou and Chengdu part of the range, the store a little of everything. */
export function chinaQuantity(skuIndex: number, locationIndex: number): number {
  const x = Math.sin(skuIndex * 7.31 + locationIndex * 19.19) * 10_000;
  const r = x - Math.floor(x);
  const scale = [300, 120, 160, 12][locationIndex] ?? 50;
  return r < 0.2 && locationIndex > 0 ? 0 : Math.floor(r * scale) + (locationIndex === 0 ? 20 : 0);
}

/**
 * The demo's Chinese carriers (issue #19 part 5): `sf` (an express carrier priced 首重/续重, first kilogram and each
 * further kilogram) and `zto` (an economy carrier priced by weight bands), with zones by province: the same
 * province, the same region of China (华东, 华南 …), the rest of the country, and the remote west.
 */
import type { Trx } from '../db/database.js';
import { setRateTable, type CarrierInput, type RateTableInput } from '../fulfillment/index.js';

/** Mainland provinces by region (ISO 3166-2:CN). */
const regionsOfChina: Record<string, string[]> = {
  east: ['CN-SH', 'CN-JS', 'CN-ZJ', 'CN-AH', 'CN-FJ', 'CN-JX', 'CN-SD'],
  south: ['CN-GD', 'CN-GX', 'CN-HI'],
  north: ['CN-BJ', 'CN-TJ', 'CN-HE', 'CN-SX', 'CN-NM'],
  central: ['CN-HA', 'CN-HB', 'CN-HN'],
  southwest: ['CN-CQ', 'CN-SC', 'CN-GZ', 'CN-YN', 'CN-XZ'],
  northwest: ['CN-SN', 'CN-GS', 'CN-QH', 'CN-NX', 'CN-XJ'],
  northeast: ['CN-LN', 'CN-JL', 'CN-HL'],
};
const provinces = Object.values(regionsOfChina).flat();
const remote = ['CN-XZ', 'CN-XJ', 'CN-QH'];

/** The routes of the four zones; a (from, to) pair is in one zone only (the table check refuses otherwise). */
const routes = {
  sameProvince: provinces.map((p) => ({ from: [p], to: [p] })),
  sameRegion: Object.values(regionsOfChina).flatMap((group) => group.map((p) => ({ from: [p], to: group.filter((q) => q !== p) }))),
  // Less specific than the two above (a country as origin), so they win where they apply.
  national: [{ from: ['CN'], to: ['CN'] }],
  remote: [{ from: ['CN'], to: remote }],
};

export const demoChinaCarriers: CarrierInput[] = [
  { code: 'sf', name: 'SF Express (顺丰)', trackingUrlTemplate: 'https://www.sf-express.com/chn/sc/waybill/list?waybill={trackingNumber}',
    services: [{ code: 'standard', name: '顺丰标快', transitDaysMin: 1, transitDaysMax: 3, dimFactor: 6000 }] },
  { code: 'zto', name: 'ZTO Express (中通)', trackingUrlTemplate: 'https://www.zto.com/?num={trackingNumber}',
    services: [{ code: 'economy', name: '中通标准', transitDaysMin: 2, transitDaysMax: 5, dimFactor: 8000 }] },
];

const firstAdditional = (code: string, r: { from: string[]; to: string[] }[], days: [number, number], first: number, additional: number) => ({
  code, routes: r, transitDaysMin: days[0], transitDaysMax: days[1],
  first: { weightGrams: 1000, priceMinor: first }, additional: { weightGrams: 1000, priceMinor: additional },
});
const banded = (code: string, r: { from: string[]; to: string[] }[], days: [number, number], prices: [number, number, number, number]) => ({
  code, routes: r, transitDaysMin: days[0], transitDaysMax: days[1],
  bands: [
    { minGrams: 0, maxGrams: 1000, priceMinor: prices[0] }, { minGrams: 1000, maxGrams: 3000, priceMinor: prices[1] },
    { minGrams: 3000, maxGrams: 5000, priceMinor: prices[2] }, { minGrams: 5000, maxGrams: 30000, priceMinor: prices[3] },
  ],
});

export const demoRateTables: { carrier: string; service: string; table: RateTableInput }[] = [
  { carrier: 'sf', service: 'standard', table: { currency: 'CNY', pricing: 'first_additional', maxWeightGrams: 50000, zones: [
    firstAdditional('same-province', routes.sameProvince, [1, 1], 1200, 200),
    firstAdditional('same-region', routes.sameRegion, [1, 2], 1400, 400),
    firstAdditional('national', routes.national, [2, 3], 1800, 600),
    firstAdditional('remote', routes.remote, [3, 5], 2500, 1500),
  ] } },
  { carrier: 'zto', service: 'economy', table: { currency: 'CNY', pricing: 'weight_bands', maxWeightGrams: 30000, zones: [
    banded('same-province', routes.sameProvince, [1, 2], [500, 700, 1000, 2000]),
    banded('same-region', routes.sameRegion, [2, 3], [600, 900, 1300, 2800]),
    banded('national', routes.national, [3, 4], [800, 1200, 1800, 3500]),
    banded('remote', routes.remote, [5, 7], [1500, 2500, 4000, 8000]),
  ] } },
];

/** The rate tables of the Chinese carriers (created with the other demo carriers); safe to run twice. */
export async function seedChinaRateTables(trx: Trx): Promise<void> {
  for (const r of demoRateTables) await setRateTable(trx, r.carrier, r.service, r.table);
}

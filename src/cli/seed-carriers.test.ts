import { describe, expect, it } from 'vitest';
import { estimateShippingCost, rateTableProblems, type RatedService } from '../fulfillment/index.js';
import { demoChinaCarriers, demoRateTables } from './seed-carriers.js';

const book = {
  services: demoRateTables.map((r): RatedService => {
    const service = demoChinaCarriers.find((c) => c.code === r.carrier)?.services[0];
    return {
      carrier: r.carrier, carrierName: r.carrier, service: r.service, serviceName: r.service, adapter: 'rate-table', active: true,
      transitDaysMin: service?.transitDaysMin ?? 0, transitDaysMax: service?.transitDaysMax ?? 0, dimFactor: service?.dimFactor ?? null, table: r.table,
    };
  }),
};

describe('the demo\'s Chinese rate tables', () => {
  it('are valid tables', () => {
    for (const r of demoRateTables) expect(rateTableProblems(r.table), r.carrier).toEqual([]);
  });
  it('price within a province below across the country, and the remote west highest', () => {
    const cost = (from: string, to: string) => estimateShippingCost(book, { originRegion: from, destinationRegion: to, weightGrams: 2300 })?.amountMinor;
    expect(cost('CN-GD', 'CN-GD')).toBe(700);   // zto same province, 1–3 kg band
    expect(cost('CN-GD', 'CN-GX')).toBe(900);   // zto same region (south)
    expect(cost('CN-SH', 'CN-SC')).toBe(1200);  // zto national
    expect(cost('CN-SH', 'CN-XJ')).toBe(2500);  // zto remote
    expect(cost('CN-XJ', 'CN-XJ')).toBe(700);   // within Xinjiang it is the same province
  });
});

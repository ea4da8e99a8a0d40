import { describe, expect, it } from 'vitest';
import { cheapest, chooseQuote, estimateShippingCost, parcelOf, priceWeight, quoteService, regionOf, volumetricGrams, zoneFor, type RatedService } from './rate.js';
import { rateTableProblems, type RateTableInput, type RateZone } from './rate-table.js';
import { promiseDelivery } from './promise.js';

const firstAdditional = (over: Partial<RateZone> = {}): RateZone => ({
  code: 'z', routes: [{ from: ['CN'], to: ['CN'] }], first: { weightGrams: 1000, priceMinor: 1200 }, additional: { weightGrams: 1000, priceMinor: 200 }, ...over,
});

const service = (over: Partial<RatedService> & { table?: RatedService['table'] } = {}): RatedService => ({
  carrier: 'sf', carrierName: 'SF', service: 'std', serviceName: 'Standard', adapter: 'rate-table', active: true,
  transitDaysMin: 1, transitDaysMax: 3, dimFactor: null,
  table: { currency: 'CNY', pricing: 'first_additional', zones: [firstAdditional()] }, ...over,
});

describe('first weight + additional weight (首重/续重)', () => {
  it('prices 2.3 kg with 1 kg at 12 CNY and each further kg (or part) at 2 CNY as 12 + 2 × 2 = 16 CNY', () => {
    const p = priceWeight('first_additional', firstAdditional(), 2300);
    expect(p).toMatchObject({ firstMinor: 1200, additionalSteps: 2, additionalMinor: 400, amountMinor: 1600 });
  });
  it('charges the first weight alone up to it, and rounds what is above it up to whole steps', () => {
    expect(priceWeight('first_additional', firstAdditional(), 1)?.amountMinor).toBe(1200);
    expect(priceWeight('first_additional', firstAdditional(), 1000)?.amountMinor).toBe(1200);
    expect(priceWeight('first_additional', firstAdditional(), 1001)?.amountMinor).toBe(1400);
    expect(priceWeight('first_additional', firstAdditional(), 3000)?.amountMinor).toBe(1600);
    const halfKg = firstAdditional({ additional: { weightGrams: 500, priceMinor: 150 } });
    expect(priceWeight('first_additional', halfKg, 2300)).toMatchObject({ additionalSteps: 3, amountMinor: 1200 + 450 });
  });
});

describe('weight bands', () => {
  const zone: RateZone = { code: 'b', routes: [{ from: ['*'], to: ['*'] }], bands: [
    { minGrams: 0, maxGrams: 500, priceMinor: 800 }, { minGrams: 500, maxGrams: 2000, priceMinor: 1100 }, { minGrams: 2000, maxGrams: 5000, priceMinor: 1900 },
  ] };
  it('takes the band with min < weight ≤ max, the first including 0', () => {
    expect(priceWeight('weight_bands', zone, 500)?.amountMinor).toBe(800);
    expect(priceWeight('weight_bands', zone, 501)?.amountMinor).toBe(1100);
    expect(priceWeight('weight_bands', zone, 5000)?.amountMinor).toBe(1900);
    expect(priceWeight('weight_bands', zone, 5001)).toBeNull();
  });
});

describe('volumetric weight', () => {
  it('is L×W×H in mm³ over the factor in cm³/kg, in grams rounded up; chargeable is the larger', () => {
    // 400 × 300 × 200 mm = 24,000 cm³; ÷ 6000 = 4 kg
    expect(volumetricGrams({ weightGrams: 1000, lengthMm: 400, widthMm: 300, heightMm: 200 }, 6000)).toBe(4000);
    expect(volumetricGrams({ weightGrams: 1000, lengthMm: 400, widthMm: 300, heightMm: 200 }, 8000)).toBe(3000);
    expect(volumetricGrams({ weightGrams: 1000, lengthMm: 400, widthMm: 300 }, 6000)).toBeNull();
    expect(volumetricGrams({ weightGrams: 1000, lengthMm: 400, widthMm: 300, heightMm: 200 }, null)).toBeNull();
    const q = quoteService(service({ dimFactor: 6000 }), { origin: 'CN-GD', destination: 'CN-SH', shipOn: '2026-12-02', parcels: [{ weightGrams: 1000, lengthMm: 400, widthMm: 300, heightMm: 200 }] });
    expect(q.parcels[0]).toMatchObject({ actualGrams: 1000, volumetricGrams: 4000, chargeableGrams: 4000, additionalSteps: 3, amountMinor: 1800 });
  });
  it('adds the volumes of SKU lines packed together', () => {
    expect(parcelOf([{ quantity: 2, weightGrams: 180, lengthMm: 300, widthMm: 250, heightMm: 20 }, { quantity: 1, weightGrams: 650, lengthMm: null, widthMm: null, heightMm: null }]))
      .toEqual({ weightGrams: 1010 });
    expect(parcelOf([{ quantity: 2, weightGrams: 180, lengthMm: 300, widthMm: 250, heightMm: 20 }])).toEqual({ weightGrams: 360, volumeMm3: 3_000_000 });
  });
});

describe('regions and zones', () => {
  it('reads an address as its ISO 3166-2 code, else its country', () => {
    expect(regionOf({ country: 'CN', state: 'CN-GD' })).toBe('CN-GD');
    expect(regionOf({ country: 'CN', state: 'GD' })).toBe('CN-GD');
    expect(regionOf({ country: 'CN', state: '广东省' })).toBe('CN');
    expect(regionOf({ country: 'US', state: 'CA' })).toBe('US-CA');
    expect(regionOf({ region: 'CN-SH', country: 'CN' })).toBe('CN-SH');
    expect(regionOf({ region: 'DE-EAST', country: 'DE' })).toBe('DE');
    expect(regionOf({})).toBeNull();
  });
  it('picks the route most specific about the origin, then the destination', () => {
    const zones: RateZone[] = [
      firstAdditional({ code: 'national', routes: [{ from: ['CN'], to: ['CN'] }] }),
      firstAdditional({ code: 'local', routes: [{ from: ['CN-GD'], to: ['CN-GD'] }] }),
      firstAdditional({ code: 'from-gd', routes: [{ from: ['CN-GD'], to: ['CN'] }] }),
      firstAdditional({ code: 'to-sh', routes: [{ from: ['CN'], to: ['CN-SH'] }] }),
      firstAdditional({ code: 'world', routes: [{ from: ['*'], to: ['*'] }] }),
    ];
    expect(zoneFor(zones, 'CN-GD', 'CN-GD')?.zone.code).toBe('local');
    expect(zoneFor(zones, 'CN-GD', 'CN-SH')?.zone.code).toBe('from-gd');
    expect(zoneFor(zones, 'CN-SC', 'CN-SH')?.zone.code).toBe('to-sh');
    expect(zoneFor(zones, 'CN-SC', 'CN-BJ')?.zone.code).toBe('national');
    expect(zoneFor(zones, 'DE', 'CN-BJ')?.zone.code).toBe('world');
    expect(zoneFor(zones.slice(0, 4), 'DE', 'CN-BJ')).toBeNull();
  });
});

describe('rate shopping', () => {
  const cheapSlow = service({ carrier: 'zto', service: 'std', transitDaysMin: 3, transitDaysMax: 5,
    table: { currency: 'CNY', pricing: 'first_additional', zones: [firstAdditional({ first: { weightGrams: 1000, priceMinor: 800 }, additional: { weightGrams: 1000, priceMinor: 100 } })] } });
  const dearFast = service({ carrier: 'sf', service: 'express', transitDaysMin: 1, transitDaysMax: 2 });
  const q = { origin: 'CN-GD', destination: 'CN-SH', shipOn: '2026-12-02', parcels: [{ weightGrams: 2300 }] };

  it('chooses the cheapest that meets the promise, says why each qualifies or not', () => {
    const open = chooseQuote([quoteService(cheapSlow, q), quoteService(dearFast, q)], 'cheapest');
    expect(open?.quote).toMatchObject({ carrier: 'zto', price: { amountMinor: 1000, currency: 'CNY' }, delivery: { earliest: '2026-12-05', latest: '2026-12-07' } });
    const tight = [quoteService(cheapSlow, { ...q, deliverBy: '2026-12-05' }), quoteService(dearFast, { ...q, deliverBy: '2026-12-05' })];
    expect(tight[0]).toMatchObject({ qualifies: false, price: { amountMinor: 1000 } });
    expect(tight[0]?.reasons.at(-1)).toContain('after the promised 2026-12-05');
    expect(chooseQuote(tight, 'cheapest')?.quote).toMatchObject({ carrier: 'sf', price: { amountMinor: 1600 } });
    expect(chooseQuote([quoteService(cheapSlow, { ...q, deliverBy: '2026-12-03' })], 'cheapest')).toBeNull();
  });
  it('chooses the fastest when asked', () => {
    expect(chooseQuote([quoteService(cheapSlow, q), quoteService(dearFast, q)], 'fastest')?.quote.carrier).toBe('sf');
  });
  it('says why a service does not qualify: inactive, manual, no table, no zone, too heavy, other currency', () => {
    expect(quoteService(service({ active: false }), q).reasons).toEqual(['the service is inactive']);
    expect(quoteService(service({ adapter: 'manual' }), q).reasons[0]).toContain('manual');
    expect(quoteService(service({ table: null }), q).reasons[0]).toContain('no rate table');
    expect(quoteService(service(), { ...q, destination: 'US-CA' }).reasons[0]).toContain('no zone of its table covers CN-GD → US-CA');
    expect(quoteService(service({ table: { currency: 'CNY', pricing: 'first_additional', maxWeightGrams: 2000, zones: [firstAdditional()] } }), q).reasons.at(-1)).toContain('above the service\'s 2000 g limit');
    expect(quoteService(service(), { ...q, currency: 'EUR' }).reasons.at(-1)).toContain('priced in CNY');
  });
  it('chooses the same service without words (capture, sourcing) as with them (quotes)', () => {
    const services = [cheapSlow, dearFast, service({ carrier: 'a', service: 'tie', transitDaysMax: 5,
      table: { currency: 'CNY', pricing: 'weight_bands', zones: [{ code: 'b', routes: [{ from: ['CN'], to: ['CN'] }], bands: [{ minGrams: 0, maxGrams: 3000, priceMinor: 1000 }] }] } })];
    for (const weightGrams of [100, 1000, 2300, 2999, 5000]) {
      for (const [origin, destination] of [['CN-GD', 'CN-SH'], ['CN-SH', 'CN-SH'], ['DE', 'CN-SH']] as const) {
        const worded = chooseQuote(services.map((s) => quoteService(s, { origin, destination, shipOn: '2026-12-02', parcels: [{ weightGrams }] })), 'cheapest');
        const lean = cheapest(services, { origin, destination, parcel: { weightGrams }, currency: null });
        expect(lean && `${lean.carrier}/${lean.service}/${lean.amountMinor}`, `${weightGrams} g ${origin} → ${destination}`)
          .toBe(worded ? `${worded.quote.carrier}/${worded.quote.service}/${worded.quote.price?.amountMinor}` : null);
      }
    }
  });

  it('estimates the cheapest shipping cost between two regions for sourcing', () => {
    expect(estimateShippingCost({ services: [cheapSlow, dearFast] }, { originRegion: 'CN-GD', destinationRegion: 'CN-SH', weightGrams: 2300 }))
      .toEqual({ amountMinor: 1000, currency: 'CNY', carrier: 'zto', service: 'std', transitDaysMax: 5 });
    expect(estimateShippingCost({ services: [cheapSlow] }, { originRegion: 'DE', destinationRegion: 'CN-SH', weightGrams: 100 })).toBeNull();
  });
});

describe('rate table checks', () => {
  const table = (over: Partial<RateTableInput> = {}): RateTableInput => ({ currency: 'CNY', pricing: 'first_additional', zones: [firstAdditional()], ...over });
  it('accepts a sound table', () => expect(rateTableProblems(table())).toEqual([]));
  it('refuses an unknown currency, a zone priced the other way, duplicate codes and a pair in two zones', () => {
    expect(rateTableProblems(table({ currency: 'XYZ' }))[0]).toMatchObject({ path: '/body/currency' });
    expect(rateTableProblems(table({ pricing: 'weight_bands' })).map((p) => p.path)).toEqual(['/body/zones/0/bands', '/body/zones/0/first']);
    const twice = rateTableProblems(table({ zones: [firstAdditional(), firstAdditional({ code: 'y', routes: [{ from: ['CN'], to: ['CN', 'US'] }] }), firstAdditional({ code: 'y', routes: [{ from: ['DE'], to: ['DE'] }] })] }));
    expect(twice).toEqual([
      { path: '/body/zones/1/routes/0', message: 'CN → CN is already in zone "z"; a pair belongs to one zone' },
      { path: '/body/zones/2/code', message: 'zone code "y" is used by zone 1 too' },
    ]);
  });
  it('refuses overlapping bands, gaps and a first band not from 0', () => {
    const bands = (b: { minGrams: number; maxGrams: number }[]) => rateTableProblems(table({ pricing: 'weight_bands', zones: [{ code: 'b', routes: [{ from: ['*'], to: ['*'] }], bands: b.map((x) => ({ ...x, priceMinor: 100 })) }] }));
    expect(bands([{ minGrams: 0, maxGrams: 1000 }, { minGrams: 1000, maxGrams: 2000 }])).toEqual([]);
    expect(bands([{ minGrams: 0, maxGrams: 1000 }, { minGrams: 800, maxGrams: 2000 }])[0]?.message).toContain('overlaps band 0');
    expect(bands([{ minGrams: 0, maxGrams: 1000 }, { minGrams: 1200, maxGrams: 2000 }])[0]?.message).toContain('gap');
    expect(bands([{ minGrams: 100, maxGrams: 1000 }])[0]?.message).toContain('start at 0');
    expect(bands([{ minGrams: 0, maxGrams: 1000 }, { minGrams: 1000, maxGrams: 1000 }])[0]?.message).toContain('must be above');
  });
});

describe('the delivery date promised at capture', () => {
  const book = { services: [service({ transitDaysMin: 1, transitDaysMax: 3 })] };
  const base = { placedOn: '2026-12-02', handlingDays: 1, defaultTransitDays: 5, currency: 'CNY', destinationRegion: 'CN-SH', waiting: false };
  it('is the handling days plus the most transit days of the cheapest service, per location, the latest of them', () => {
    const one = promiseDelivery(book, { ...base, shipments: [{ origin: 'WH-GZ', originRegion: 'CN-GD', readyOn: '2026-12-02', parcel: { weightGrams: 500 } }] });
    expect(one.date).toBe('2026-12-06');
    const two = promiseDelivery(book, { ...base, shipments: [
      { origin: 'WH-GZ', originRegion: 'CN-GD', readyOn: '2026-12-02', parcel: { weightGrams: 500 } },
      { origin: 'WH-X', originRegion: 'DE', readyOn: '2026-12-10', parcel: { weightGrams: 500 } },
    ] });
    expect(two.date).toBe('2026-12-16'); // no table covers DE → CN-SH: ships 12-11, + 5 default days
  });
  it('is none for a backordered line, or without a table and a channel default', () => {
    expect(promiseDelivery(book, { ...base, waiting: true, shipments: [] }).date).toBeNull();
    expect(promiseDelivery(null, { ...base, defaultTransitDays: null, shipments: [{ origin: 'A', originRegion: 'CN-GD', readyOn: '2026-12-02', parcel: { weightGrams: 1 } }] }).date).toBeNull();
  });
});

/** Carriers, services and rate tables; rate shopping; the delivery date promised at capture (issue #19 part 5). */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { useTestApp } from './harness.js';

const t = useTestApp();

// Guangzhou and Shanghai warehouses; a Chinese web channel handing orders over in 1 day.
beforeAll(async () => {
  const ok = (res: { status: number; body: unknown }, status = 201) => expect(res.status, JSON.stringify(res.body)).toBe(status);
  ok(await t.http('POST', '/v1/skus/bulk', { body: { items: [
    { code: 'TEA-TIN', name: 'Tea tin', weightGrams: 700, dimensions: { lengthMm: 100, widthMm: 100, heightMm: 150 } },
    { code: 'PILLOW', name: 'Pillow (light, bulky)', weightGrams: 900, dimensions: { lengthMm: 600, widthMm: 400, heightMm: 200 } },
  ] } }), 200);
  ok(await t.http('POST', '/v1/locations', { body: { code: 'WH-GZ', name: 'Guangzhou', type: 'warehouse', region: 'CN-GD', priority: 10,
    address: { line1: '1 Huangpu Rd', city: '广州', country: 'CN' } } }));
  ok(await t.http('POST', '/v1/channels', { body: { code: 'TMALL', name: 'Tmall', type: 'marketplace', currency: 'CNY', policy: { handlingDays: 1, defaultTransitDays: 6 } } }));
  ok(await t.http('POST', '/v1/stock/receipts', { body: { location: 'WH-GZ', lines: [{ sku: 'TEA-TIN', quantity: 100 }, { sku: 'PILLOW', quantity: 100 }] } }));
});

const sfTable = {
  currency: 'CNY', pricing: 'first_additional',
  zones: [
    { code: 'same-province', routes: [{ from: ['CN-GD'], to: ['CN-GD'] }], transitDaysMin: 1, transitDaysMax: 1,
      first: { weightGrams: 1000, priceMinor: 1200 }, additional: { weightGrams: 1000, priceMinor: 200 } },
    { code: 'national', routes: [{ from: ['CN'], to: ['CN'] }], transitDaysMin: 1, transitDaysMax: 2,
      first: { weightGrams: 1000, priceMinor: 2300 }, additional: { weightGrams: 1000, priceMinor: 1400 } },
  ],
};
const ztoTable = {
  currency: 'CNY', pricing: 'weight_bands',
  zones: [
    { code: 'east', routes: [{ from: ['CN-GD'], to: ['CN-SH', 'CN-JS', 'CN-ZJ'] }], transitDaysMin: 2, transitDaysMax: 3,
      bands: [{ minGrams: 0, maxGrams: 1000, priceMinor: 800 }, { minGrams: 1000, maxGrams: 3000, priceMinor: 1000 }, { minGrams: 3000, maxGrams: 30000, priceMinor: 2500 }] },
    { code: 'rest', routes: [{ from: ['CN'], to: ['CN'] }], transitDaysMin: 3, transitDaysMax: 5,
      bands: [{ minGrams: 0, maxGrams: 30000, priceMinor: 1500 }] },
  ],
};

describe('carriers with services', () => {
  it('creates a carrier with services, reads it by code or id, changes it, and keeps PUT by code working', async () => {
    const created = await t.http('POST', '/v1/carriers', { body: { code: 'sf', name: 'SF Express', trackingUrlTemplate: 'https://www.sf-express.com/track/{trackingNumber}',
      services: [{ code: 'express', name: '顺丰标快', transitDaysMin: 1, transitDaysMax: 2, dimFactor: 6000 }] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ code: 'sf', adapter: 'rate-table', active: true, version: 1,
      services: [{ code: 'express', name: '顺丰标快', transitDays: 2, transitDaysMin: 1, transitDaysMax: 2, dimFactor: 6000, active: true, hasRateTable: false }] });
    expect((await t.http('GET', `/v1/carriers/${created.body.id}`)).body.code).toBe('sf');
    expect((await t.http('POST', '/v1/carriers', { body: { code: 'sf', name: 'again', services: [{ code: 'x', name: 'x', transitDays: 1 }] } })).body.code).toBe('already_exists');

    const zto = await t.http('PUT', '/v1/carriers', { body: { code: 'zto', name: 'ZTO', services: [{ code: 'standard', name: '中通标准', transitDays: 4 }] } });
    expect(zto.status).toBe(200);
    const changed = await t.http('PATCH', '/v1/carriers/zto', { body: { services: [{ code: 'standard', name: '中通标准', transitDaysMin: 2, transitDaysMax: 5, dimFactor: 8000 }] } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, services: [{ code: 'standard', transitDaysMin: 2, transitDaysMax: 5, dimFactor: 8000 }] });
    const list = await t.http('GET', '/v1/carriers');
    expect(list.body.data.map((c: { code: string }) => c.code)).toEqual(['sf', 'zto']);
  });

  it('answers 404 with its code for an unknown carrier or service, 400 for bad services, 409 for a stale version', async () => {
    const missing = await t.http('GET', '/v1/carriers/NOPE');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'not_found', entity: 'carrier' });
    expect((await t.http('PATCH', '/v1/carriers/NOPE', { body: { name: 'x' } })).status).toBe(404);
    const noService = await t.http('PUT', '/v1/carriers/sf/services/nope/rate-table', { body: sfTable });
    expect(noService.status).toBe(404);
    expect(noService.body).toMatchObject({ code: 'not_found', entity: 'service' });
    expect((await t.http('GET', '/v1/carriers/sf/services/express/rate-table')).status).toBe(404);
    const bad = await t.http('PATCH', '/v1/carriers/sf', { body: { services: [{ code: 'a', name: 'A', transitDaysMin: 3, transitDaysMax: 1 }, { code: 'a', name: 'A', transitDays: 1 }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['/body/services/0/transitDaysMax', '/body/services/1/code']);
    expect((await t.http('PATCH', '/v1/carriers/sf', { body: { name: 'SF' }, headers: { 'if-match': '"99"' } })).status).toBe(409);
  });
});

describe('rate tables', () => {
  it('sets and reads a service\'s table', async () => {
    const set = await t.http('PUT', '/v1/carriers/sf/services/express/rate-table', { body: sfTable });
    expect(set.status, JSON.stringify(set.body)).toBe(201);
    expect(set.body).toMatchObject({ carrier: 'sf', service: 'express', currency: 'CNY', pricing: 'first_additional', version: 1 });
    const zto = await t.http('PUT', '/v1/carriers/zto/services/standard/rate-table', { body: ztoTable });
    expect(zto.status, JSON.stringify(zto.body)).toBe(201);
    expect((await t.http('PUT', '/v1/carriers/zto/services/standard/rate-table', { body: ztoTable })).body.version).toBe(2);
    const read = await t.http('GET', '/v1/carriers/sf/services/express/rate-table');
    expect(read.body.zones).toEqual(sfTable.zones);
    expect((await t.http('GET', '/v1/carriers/sf')).body.services[0].hasRateTable).toBe(true);
  });

  it('refuses a bad table with 400 naming each fault, and keeps the table it had', async () => {
    const put = (body: unknown) => t.http('PUT', '/v1/carriers/zto/services/standard/rate-table', { body });
    const overlapping = await put({ ...ztoTable, zones: [{ ...ztoTable.zones[1], bands: [{ minGrams: 0, maxGrams: 2000, priceMinor: 1 }, { minGrams: 1500, maxGrams: 3000, priceMinor: 2 }] }] });
    expect(overlapping.status).toBe(400);
    expect(overlapping.body.errors).toEqual([{ path: '/body/zones/0/bands/1', message: 'overlaps band 0 (0–2000 g): bands must not overlap' }]);
    const currency = await put({ ...ztoTable, currency: 'XYZ' });
    expect(currency.body).toMatchObject({ code: 'validation_failed', errors: [{ path: '/body/currency' }] });
    const negative = await put({ ...sfTable, zones: [{ ...sfTable.zones[0], first: { weightGrams: 1000, priceMinor: -5 } }] });
    expect(negative.status).toBe(400);
    expect(negative.body.errors[0].path).toBe('/body/zones/0/first/priceMinor');
    const unpriced = await put({ currency: 'CNY', pricing: 'first_additional', zones: [{ code: 'x', routes: [{ from: ['CN'], to: ['CN'] }] }] });
    expect(unpriced.body.errors.map((e: { path: string }) => e.path)).toEqual(['/body/zones/0/first', '/body/zones/0/additional']);
    const twice = await put({ ...ztoTable, zones: [ztoTable.zones[1], { ...ztoTable.zones[1], code: 'again' }] });
    expect(twice.body.errors[0].message).toContain('CN → CN is already in zone "rest"');
    expect((await t.http('GET', '/v1/carriers/zto/services/standard/rate-table')).body.version).toBe(2);
  });
});

describe('POST /v1/rates/quote', () => {
  const quote = (body: Record<string, unknown>) => t.http('POST', '/v1/rates/quote', { body });
  const gzToSh = { origin: { region: 'CN-GD' }, destination: { country: 'CN', state: 'SH' }, shipOn: '2026-12-02' };

  it('prices every service and explains each number: zone, chargeable weight, first and additional parts', async () => {
    const res = await quote({ ...gzToSh, parcels: [{ weightGrams: 2300 }] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sf = res.body.quotes.find((q: { carrier: string }) => q.carrier === 'sf');
    expect(sf).toMatchObject({ qualifies: true, price: { amountMinor: 2300 + 2 * 1400, currency: 'CNY' }, zone: { code: 'national', from: 'CN', to: 'CN' },
      transitDays: { min: 1, max: 2 }, delivery: { earliest: '2026-12-03', latest: '2026-12-04' },
      parcels: [{ actualGrams: 2300, chargeableGrams: 2300, firstGrams: 1000, firstMinor: 2300, additionalSteps: 2, additionalMinor: 2800, amountMinor: 5100 }] });
    const zto = res.body.quotes.find((q: { carrier: string }) => q.carrier === 'zto');
    expect(zto).toMatchObject({ price: { amountMinor: 1000 }, zone: { code: 'east', from: 'CN-GD', to: 'CN-SH' }, parcels: [{ band: { minGrams: 1000, maxGrams: 3000 } }] });
    expect(res.body.chosen).toMatchObject({ carrier: 'zto', service: 'standard', price: { amountMinor: 1000, currency: 'CNY' }, delivery: { latest: '2026-12-05' } });
    expect(res.body.chosen.why).toContain('cheapest');
  });

  it('honours the promise: the cheapest that delivers in time, else none; the fastest when asked', async () => {
    const tight = await quote({ ...gzToSh, parcels: [{ weightGrams: 2300 }], deliverBy: '2026-12-04' });
    expect(tight.body.chosen).toMatchObject({ carrier: 'sf', service: 'express' });
    const zto = tight.body.quotes.find((q: { carrier: string }) => q.carrier === 'zto');
    expect(zto.qualifies).toBe(false);
    expect(zto.reasons.at(-1)).toBe('2–3 transit days from 2026-12-02 may deliver as late as 2026-12-05, after the promised 2026-12-04');
    expect((await quote({ ...gzToSh, parcels: [{ weightGrams: 2300 }], deliverBy: '2026-12-02' })).body.chosen).toBeNull();
    expect((await quote({ ...gzToSh, parcels: [{ weightGrams: 2300 }], prefer: 'fastest' })).body.chosen).toMatchObject({ carrier: 'sf' });
  });

  it('weighs SKU lines from the catalogue, volumetric weight included, from a location\'s region', async () => {
    const res = await quote({ origin: { location: 'WH-GZ' }, destination: { region: 'CN-GD' }, shipOn: '2026-12-02', lines: [{ sku: 'PILLOW', quantity: 1 }] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.origin).toEqual({ region: 'CN-GD', location: 'WH-GZ' });
    const sf = res.body.quotes.find((q: { carrier: string }) => q.carrier === 'sf');
    // 600 × 400 × 200 mm = 48,000 cm³ ÷ 6000 = 8 kg against 0.9 kg actual: 12 + 7 × 2 CNY.
    expect(sf.parcels[0]).toMatchObject({ actualGrams: 900, volumetricGrams: 8000, chargeableGrams: 8000, amountMinor: 1200 + 7 * 200 });
    const zto = res.body.quotes.find((q: { carrier: string }) => q.carrier === 'zto');
    expect(zto).toMatchObject({ zone: { code: 'rest' }, parcels: [{ volumetricGrams: 6000, chargeableGrams: 6000 }] });
  });

  it('finds the zone by the region table as capture does: 广东省, 广东, Guangdong, GD, CN-GD or a city in it quote alike', async () => {
    const from = { origin: { location: 'WH-GZ' }, shipOn: '2026-12-02', parcels: [{ weightGrams: 800 }] };
    const answers = [];
    for (const destination of [{ region: 'CN-GD' }, { country: 'CN', state: '广东省' }, { country: 'CN', state: '广东' }, { country: 'CN', state: 'Guangdong' },
      { country: 'CN', state: 'GD' }, { country: 'CN', city: '深圳市' }, { country: 'CN', state: '广东', city: '深圳' }]) {
      const res = await quote({ ...from, destination });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.destination, JSON.stringify(destination)).toEqual({ region: 'CN-GD' });
      answers.push(res.body.chosen);
    }
    expect(answers[0]).toMatchObject({ carrier: 'sf', price: { amountMinor: 1200 } });
    for (const a of answers) expect(a).toEqual(answers[0]);
    // A location placed only by its address (广州, no region code) is in Guangdong too.
    expect((await t.http('POST', '/v1/locations', { body: { code: 'WH-GZ2', name: 'Guangzhou 2', type: 'warehouse', address: { line1: '2 Huangpu Rd', city: '广州市', country: 'CN' } } })).status).toBe(201);
    const byAddress = await quote({ ...from, origin: { location: 'WH-GZ2' }, destination: { country: 'CN', state: '广东' } });
    expect(byAddress.body.origin).toEqual({ region: 'CN-GD', location: 'WH-GZ2' });
    expect(byAddress.body.chosen).toEqual(answers[0]);
    // A name the table does not know still quotes by its country, and says which region it used.
    const unknown = await quote({ ...from, destination: { country: 'CN', state: 'Atlantis' } });
    expect(unknown.body.destination).toEqual({ region: 'CN' });
  });

  it('refuses what it cannot quote: unknown carrier, location or SKU (404), parcels and lines both or neither (400)', async () => {
    const carrier = await quote({ ...gzToSh, parcels: [{ weightGrams: 1 }], carriers: ['NOPE'] });
    expect(carrier.status).toBe(404);
    expect(carrier.body).toMatchObject({ code: 'not_found', entity: 'carrier' });
    expect((await quote({ origin: { location: 'NOPE' }, destination: { region: 'CN-SH' }, parcels: [{ weightGrams: 1 }] })).status).toBe(404);
    expect((await quote({ ...gzToSh, lines: [{ sku: 'NOPE', quantity: 1 }] })).status).toBe(404);
    expect((await quote({ ...gzToSh })).status).toBe(400);
    expect((await quote({ ...gzToSh, parcels: [{ weightGrams: 1 }], lines: [{ sku: 'TEA-TIN', quantity: 1 }] })).status).toBe(400);
    expect((await quote({ ...gzToSh, parcels: [{ weightGrams: 1 }], deliverBy: '2026-11-01' })).status).toBe(400);
  });
});

describe('the promised delivery date at capture', () => {
  let n = 0;
  const order = (state: string, lines = [{ sku: 'TEA-TIN', quantity: 2, unitPriceMinor: 5000 }]) => {
    const subtotal = lines.reduce((a, l) => a + l.quantity * l.unitPriceMinor, 0);
    return t.http('POST', '/v1/orders', { body: {
      channel: 'TMALL', externalRef: `TM-${++n}`, currency: 'CNY', placedAt: '2026-12-01T10:00:00.000Z',
      customer: { phone: '+86 138 0013 8000', name: '李雷' },
      shippingAddress: { name: '李雷', line1: '南京东路 1 号', city: '上海', state, postalCode: '200001', country: 'CN' },
      lines, totals: { subtotalMinor: subtotal, discountMinor: 0, shippingMinor: 0, taxMinor: 0, totalMinor: subtotal },
    } });
  };

  it('is placed day + handling days + the most transit days of the cheapest qualifying service, stored and shown', async () => {
    const placed = await order('CN-SH');
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    // ZTO east zone is cheapest (1.4 kg: 10 CNY): ships 12-02, up to 3 days → 12-05.
    expect(placed.body.promisedDeliveryDate).toBe('2026-12-05');
    expect((await t.http('GET', `/v1/orders/${placed.body.id}`)).body.promisedDeliveryDate).toBe('2026-12-05');
    const row = await t.db.selectFrom('orders').select('promised_delivery_date').where('id', '=', placed.body.id).executeTakeFirstOrThrow();
    expect(row.promised_delivery_date).toBe('2026-12-05');
  });

  it('follows a change of rate table at once (the cached rate book is reloaded when its version moves)', async () => {
    const slower = { ...ztoTable, zones: [{ ...ztoTable.zones[0], transitDaysMin: 4, transitDaysMax: 5 }, ztoTable.zones[1]] };
    expect((await t.http('PUT', '/v1/carriers/zto/services/standard/rate-table', { body: slower })).status).toBe(200);
    expect((await order('CN-SH')).body.promisedDeliveryDate).toBe('2026-12-07');
  });

  it('falls back to the channel\'s default transit days where no table covers the way, and promises nothing for a backorder', async () => {
    // No zone covers a destination outside China: 12-02 + 6 default days.
    const overseas = await t.http('POST', '/v1/orders', { body: {
      ...{ channel: 'TMALL', externalRef: `TM-${++n}`, currency: 'CNY', placedAt: '2026-12-01T10:00:00.000Z', customer: { phone: '+86 138 0013 8001', name: 'Han Meimei' } },
      shippingAddress: { name: 'Han Meimei', line1: '1 Main St', city: 'San Jose', state: 'CA', postalCode: '95113', country: 'US' },
      lines: [{ sku: 'TEA-TIN', quantity: 1, unitPriceMinor: 5000 }], totals: { subtotalMinor: 5000, discountMinor: 0, shippingMinor: 0, taxMinor: 0, totalMinor: 5000 },
    } });
    expect(overseas.status, JSON.stringify(overseas.body)).toBe(201);
    expect(overseas.body.promisedDeliveryDate).toBe('2026-12-08');
    const channel = await t.db.selectFrom('channels').select('id').where('code', '=', 'TMALL').executeTakeFirstOrThrow();
    expect((await t.http('PATCH', `/v1/channels/${channel.id}`, { body: { policy: { allowBackorder: true } } })).status).toBe(200);
    const backordered = await order('CN-SH', [{ sku: 'TEA-TIN', quantity: 1000, unitPriceMinor: 5000 }]);
    expect(backordered.status, JSON.stringify(backordered.body)).toBe(201);
    expect(backordered.body).toMatchObject({ status: 'confirmed', promisedDeliveryDate: null });
  });

  it('promises nothing for a pickup order', async () => {
    expect((await t.http('PATCH', '/v1/locations/' + (await t.http('GET', '/v1/locations?code=WH-GZ')).body.data[0].id, { body: { capabilities: { ship: true, pickup: true } } })).status).toBe(200);
    const pickup = await t.http('POST', '/v1/orders', { body: {
      channel: 'TMALL', externalRef: `TM-${++n}`, currency: 'CNY', customer: { phone: '+86 138 0013 8002', name: '王' }, pickupLocation: 'WH-GZ',
      lines: [{ sku: 'TEA-TIN', quantity: 1, unitPriceMinor: 5000 }], totals: { subtotalMinor: 5000, discountMinor: 0, shippingMinor: 0, taxMinor: 0, totalMinor: 5000 },
    } });
    expect(pickup.status, JSON.stringify(pickup.body)).toBe(201);
    expect(pickup.body.promisedDeliveryDate).toBeNull();
  });
});

describe('ordo check', () => {
  it('passes, and reports a rate table written around the API', async () => {
    expect((await runChecks(t.db)).ok).toBe(true);
    await sql`UPDATE rate_tables SET zones = zones || zones WHERE service_id = (SELECT id FROM carrier_services WHERE code = 'economy' OR code = 'standard' ORDER BY code LIMIT 1)`.execute(t.db);
    const report = await runChecks(t.db);
    expect(report.ok).toBe(false);
    expect(report.lines.join('\n')).toMatch(/rate table of \w+\/standard: \/zones\/\d+\/code: zone code "[\w-]+" is used by zone \d+ too/);
    await sql`UPDATE rate_tables SET zones = (SELECT jsonb_agg(z) FROM (SELECT DISTINCT ON (z->>'code') z FROM jsonb_array_elements(zones) z) d)`.execute(t.db);
    expect((await runChecks(t.db)).ok).toBe(true);
  });
});

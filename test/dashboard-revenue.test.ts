/**
 * The dashboard's revenue in the base currency (each currency at its latest rate, named with its date; a currency
 * without a rate listed, never guessed) and its late count, which leaves out orders held after every parcel left.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

async function placed(overrides: Record<string, unknown> = {}, lines?: { sku: string; quantity: number; unitPriceMinor: number }[]) {
  const res = await t.http('POST', '/v1/orders', { body: anOrder(overrides, lines) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; status: string; lines: { id: string; quantity: number }[] };
}

describe('the dashboard', () => {
  beforeAll(() => seedOrderWorld(t));

  it('adds today\'s revenue up in the base currency, naming each rate and its date, and lists a currency without a rate', async () => {
    await t.http('POST', '/v1/channels', { body: { code: 'USWEB', name: 'US web', type: 'web', currency: 'USD' } });
    await t.http('POST', '/v1/channels', { body: { code: 'JPWEB', name: 'Japan web', type: 'web', currency: 'JPY' } });
    const rates = await t.http('PUT', '/v1/fx-rates', {
      body: { baseCurrency: 'EUR', rates: [{ currency: 'USD', effectiveFrom: '2020-01-01', rate: '0.8' }, { currency: 'USD', effectiveFrom: day(-1), rate: '0.9' }, { currency: 'USD', effectiveFrom: day(30), rate: '5' }] },
    });
    expect(rates.status, JSON.stringify(rates.body)).toBe(200);
    await placed({}, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 1005 }]); // 10.05 + 4.95 EUR
    await placed({ channel: 'USWEB', currency: 'USD' }, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 2005 }]); // 25.00 USD
    const before = await t.http('GET', '/v1/dashboard', { key: 'viewer' });
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    const eur = before.body.today.byChannel.filter((c: { currency: string }) => c.currency === 'EUR').reduce((a: number, c: { revenueMinor: number }) => a + c.revenueMinor, 0);
    expect(before.body.today.revenueInBase).toEqual({
      baseCurrency: 'EUR', rateDay: day(0), complete: true, missingRates: [],
      totalMinor: eur + 2250,
      byCurrency: [
        { currency: 'EUR', amountMinor: eur, rate: '1', rateEffectiveFrom: null, baseAmountMinor: eur },
        // The latest rate on or before today: yesterday's, not 2020's, not next month's.
        { currency: 'USD', amountMinor: 2500, rate: '0.9', rateEffectiveFrom: day(-1), baseAmountMinor: 2250 },
      ],
    });

    // Yen has no rate: listed, left out of the total, not guessed.
    await placed({ channel: 'JPWEB', currency: 'JPY', shippingMinor: 0, totals: { subtotalMinor: 1200, discountMinor: 0, shippingMinor: 0, taxMinor: 0, totalMinor: 1200 }, payment: { method: 'card', authorizedMinor: 1200 } },
      [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 1200 }]);
    const after = (await t.http('GET', '/v1/dashboard')).body.today.revenueInBase;
    expect(after).toMatchObject({ complete: false, missingRates: ['JPY'], totalMinor: eur + 2250 });
    expect(after.byCurrency).toContainEqual({ currency: 'JPY', amountMinor: 1200, rate: null, rateEffectiveFrom: null, baseAmountMinor: null });
  });

  it('does not count an order shipped and then held as late: it has nothing left to ship', async () => {
    const longAgo = new Date(Date.now() - 72 * 3_600_000).toISOString();
    const lateBefore = (await t.http('GET', '/v1/dashboard')).body.late.late as number;
    const order = await placed({ placedAt: longAgo });
    expect((await t.http('GET', '/v1/dashboard')).body.late.late).toBe(lateBefore + 1);
    expect((await t.http('POST', `/v1/orders/${order.id}/release`, { body: {} })).status).toBe(200);
    const shipped = await t.http('POST', `/v1/orders/${order.id}/ship`, { body: { lines: order.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })) } });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    expect((await t.http('GET', '/v1/dashboard')).body.late.late).toBe(lateBefore);
    // A carrier exception holds the shipped order: still nothing to ship, so still not late.
    const hold = await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode: 'carrier_exception' } });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect((await t.http('GET', `/v1/orders/${order.id}`)).body.status).toBe('on_hold');
    expect((await t.http('GET', '/v1/dashboard')).body.late.late).toBe(lateBefore);
    // A held order with units still to ship stays late.
    const waiting = await placed({ placedAt: longAgo });
    expect((await t.http('POST', `/v1/orders/${waiting.id}/holds`, { body: { reasonCode: 'address_check' } })).status).toBe(201);
    expect((await t.http('GET', '/v1/dashboard')).body.late.late).toBe(lateBefore + 1);
  });
});

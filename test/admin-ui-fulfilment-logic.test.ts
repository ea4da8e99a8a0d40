/** The fulfilment screens' next step per status, and the dashboard chart's numbers from the API's daily series. */
import { describe, expect, it } from 'vitest';
import { chartData, currenciesOf, type DaySeries } from '../web/src/screens/dashboard/day-series.js';
import { mayReject, nextStep } from '../web/src/screens/fulfilment/use-fulfilment-queue.js';

describe('a fulfilment order\'s next step on the card', () => {
  it('follows the API\'s table: accept, pick, pack, then ship a parcel or ready a pickup, then hand it over', () => {
    const steps = (kind: 'ship' | 'pickup') => (['requested', 'accepted', 'picking', 'packed', 'ready_for_pickup', 'picked_up', 'shipped', 'rejected', 'cancelled'] as const)
      .map((status) => nextStep({ status, kind }));
    expect(steps('ship')).toEqual(['accept', 'start-picking', 'pack', 'ship', 'hand-over', null, null, null, null]);
    expect(steps('pickup')).toEqual(['accept', 'start-picking', 'pack', 'ready-for-pickup', 'hand-over', null, null, null, null]);
    expect(['requested', 'accepted', 'picking', 'packed', 'ready_for_pickup', 'shipped'].map((status) => mayReject({ status: status as never })))
      .toEqual([true, true, true, true, false, false]);
  });
});

describe('the dashboard chart\'s numbers', () => {
  const from = '2026-11-03T23:00:00.000Z'; // midnight in UTC+1
  const day = (i: number) => new Date(Date.parse(from) + i * 86_400_000).toISOString();
  const series: DaySeries = {
    from, days: 30,
    byDay: [
      { day: day(0), channel: 'WEB', currency: 'EUR', orders: 2, revenueMinor: 5000 },
      { day: day(0), channel: 'SHOP', currency: 'CNY', orders: 1, revenueMinor: 9900 },
      { day: day(29), channel: 'WEB', currency: 'EUR', orders: 3, revenueMinor: 100 },
      { day: day(29), channel: 'WEB', currency: 'CNY', orders: 1, revenueMinor: 700 },
    ],
  };

  it('gives each channel a value for every day, orders across currencies', () => {
    const data = chartData(series, 'orders');
    expect(data.days).toHaveLength(30);
    expect(data.lines.map((l) => [l.channel, l.total, l.values[0], l.values[29]])).toEqual([['SHOP', 1, 1, 0], ['WEB', 6, 2, 4]]);
    expect(data.lines[1]!.values.slice(1, 29).every((v) => v === 0)).toBe(true);
    // Labels fall on the day itself, whatever the time zone's offset.
    expect(data.days[0]!.toISOString()).toBe('2026-11-04T11:00:00.000Z');
  });

  it('never adds revenue across currencies', () => {
    expect(currenciesOf(series)).toEqual(['CNY', 'EUR']);
    expect(chartData(series, 'revenue:EUR').lines.map((l) => [l.channel, l.total])).toEqual([['WEB', 5100]]);
    expect(chartData(series, 'revenue:CNY').lines.map((l) => [l.channel, l.total])).toEqual([['SHOP', 9900], ['WEB', 700]]);
  });
});

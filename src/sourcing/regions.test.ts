import { describe, expect, it } from 'vitest';
import { distanceKm, locate, normaliseName, regionCount } from './regions.js';

describe('the region reference table', () => {
  it('knows Chinese provinces and cities by ISO code, Chinese name with or without suffix, and romanised name', () => {
    expect(regionCount).toBeGreaterThan(400);
    for (const state of ['广东省', '广东', 'Guangdong', 'Guangdong Province', 'GD', 'CN-GD']) {
      expect(locate({ country: 'CN', state })?.region).toBe('CN-GD');
    }
    for (const city of ['深圳市', '深圳', 'Shenzhen']) {
      const place = locate({ country: 'CN', state: '广东省', city });
      expect(place).toMatchObject({ how: 'city', region: 'CN-440300', area: 'CN-GD' });
    }
    // A city alone still finds its province.
    expect(locate({ country: 'CN', city: '成都市' })).toMatchObject({ region: 'CN-510100', area: 'CN-SC' });
  });

  it('knows US states and EU countries, and says nothing for what it does not know', () => {
    expect(locate({ country: 'US', state: 'CA' })?.area).toBe('US-CA');
    expect(locate({ country: 'US', state: 'California' })?.area).toBe('US-CA');
    expect(locate({ country: 'DE', city: 'Nowhere' })).toMatchObject({ how: 'country', area: 'DE' });
    expect(locate({ country: 'ZZ', state: 'Atlantis' })).toBeNull();
    expect(locate({ country: 'ZZ', coordinates: { lat: 1, lon: 2 } })).toMatchObject({ how: 'coordinates', lat: 1, lon: 2 });
  });

  it('measures great-circle distances', () => {
    const shanghai = locate({ country: 'CN', city: '上海' });
    const beijing = locate({ country: 'CN', state: '北京市' });
    expect(Math.round(distanceKm(shanghai!, beijing!) / 100)).toBe(11);
    expect(normaliseName('Guangdong Province')).toBe('guangdong');
  });
});

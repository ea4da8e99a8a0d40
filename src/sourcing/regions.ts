/**
 * Where an address or a location is: its coordinates if it has them, else the centre of the most precise region of
 * the reference table (regions.data.ts: every Chinese province and prefecture-level city, US states, EU countries)
 * that its city, state/province, region code or country names. Names match as channels send them: ISO 3166-2 codes
 * (CN-GD, GD, US-CA), Chinese names with or without their suffix (广东省 / 广东, 深圳市 / 深圳), romanised names.
 */
import { regionRows } from './regions.data.js';

export interface Region { code: string; parent: string | null; lat: number; lon: number; name: string; approximate: boolean }

/** A resolved place. `area`: the province or state (else the country) that "same region" compares. */
export interface Place {
  lat: number;
  lon: number;
  how: 'coordinates' | 'city' | 'province' | 'country';
  /** The most precise region matched (null: coordinates only). */
  region: string | null;
  area: string | null;
  label: string;
}

export interface Locatable {
  country?: string | null;
  state?: string | null;
  city?: string | null;
  /** An ISO 3166-2 code (or a region name) the sender resolved already. */
  region?: string | null;
  coordinates?: { lat: number; lon: number } | null;
}

const suffixes = /(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|省|市|地区|盟|province|city|shi|sheng|state)$/;
/** A name as compared: lower case, no spaces or punctuation, no administrative suffix (广东省 → 广东, Guangdong Province → guangdong). */
export function normaliseName(name: string): string {
  let normal = normalised.get(name);
  if (normal === undefined) {
    const flat = name.normalize('NFKC').toLowerCase().replace(/[\s.'’,-]+/g, '');
    const short = flat.replace(suffixes, '');
    normal = short.length > 0 ? short : flat;
    // Capture locates every order's address: the same few thousand city and province names, over and over.
    if (normalised.size >= 10_000) normalised.clear();
    normalised.set(name, normal);
  }
  return normal;
}
const normalised = new Map<string, string>();

const byCode = new Map<string, Region>();
/** `${country}:${normalised name}` → regions of that country with that name (provinces before cities). */
const byName = new Map<string, Region[]>();
const countryOf = (r: Region): string => (r.parent === null ? r.code : (r.code.split('-')[0] as string));

for (const [code, parent, lat, lon, ...names] of regionRows) {
  const approximate = names[names.length - 1] === '~';
  const clean = names.filter((n) => n !== '~' && n !== '');
  const region: Region = { code, parent, lat, lon, name: clean[0] ?? code, approximate };
  byCode.set(code, region);
  const country = countryOf(region);
  const keys = new Set(clean.map(normaliseName));
  if (parent !== null) keys.add(normaliseName(code.slice(country.length + 1)));
  for (const key of keys) {
    const list = byName.get(`${country}:${key}`) ?? [];
    list.push(region);
    byName.set(`${country}:${key}`, list);
  }
}

export const regionCount = byCode.size;

export function findRegion(code: string): Region | undefined {
  return byCode.get(code.toUpperCase());
}

/** The region a name or code means in a country; `level` picks provinces/states (parent = country) or cities. */
function lookup(country: string, ref: string, level: 'area' | 'city', within?: string): Region | undefined {
  const direct = byCode.get(ref.toUpperCase()) ?? byCode.get(`${country}-${ref.toUpperCase()}`);
  if (direct && countryOf(direct) === country && (level === 'area' ? direct.parent === country : direct.parent !== country)) return direct;
  const list = byName.get(`${country}:${normaliseName(ref)}`);
  if (!list) return undefined;
  const fits = list.filter((r) => (level === 'area' ? r.parent === country : r.parent !== country && (within === undefined || r.parent === within)));
  return fits[0];
}

/** Where an address or location is, or null when neither coordinates nor any name of it is in the table. */
export function locate(a: Locatable): Place | null {
  const country = a.country?.toUpperCase() ?? '';
  // A municipality (北京, 上海, 天津, 重庆) is a province: sent as the city, it is the area too.
  const area = country ? ((a.region ? lookup(country, a.region, 'area') : undefined) ?? (a.state ? lookup(country, a.state, 'area') : undefined)
    ?? (a.city && !a.state ? lookup(country, a.city, 'area') : undefined)) : undefined;
  const city = country && a.city ? lookup(country, a.city, 'city', area?.code) : undefined;
  const province = area ?? (city ? byCode.get(city.parent as string) : undefined);
  const areaCode = province?.code ?? (country || null);
  if (a.coordinates) {
    return { lat: a.coordinates.lat, lon: a.coordinates.lon, how: 'coordinates', region: city?.code ?? province?.code ?? null, area: areaCode, label: 'the address\'s coordinates' };
  }
  if (city && !city.approximate) return { lat: city.lat, lon: city.lon, how: 'city', region: city.code, area: areaCode, label: `the centre of ${city.name} (${city.code})` };
  if (province) return { lat: province.lat, lon: province.lon, how: 'province', region: province.code, area: areaCode, label: `the centre of ${province.name} (${province.code})` };
  const whole = country ? byCode.get(country) : undefined;
  if (whole) return { lat: whole.lat, lon: whole.lon, how: 'country', region: whole.code, area: whole.code, label: `the centre of ${whole.name} (${whole.code})` };
  return null;
}

const rad = Math.PI / 180;
/**
 * Distance in km, on the equirectangular projection around the two points' mean latitude: within a fraction of a
 * per cent of the great-circle distance at the ranges parcels travel within a country or a continent, and a few
 * times cheaper (sourcing measures every candidate of every order).
 */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  let dLon = Math.abs(b.lon - a.lon);
  if (dLon > 180) dLon = 360 - dLon;
  const x = dLon * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return 6_371 * Math.sqrt(x * x + y * y);
}

/**
 * Pricing a parcel and choosing a service, purely: no database, no clock (dates come in).
 *
 * - Regions: `regionOf` turns an address (country + state) into the code tables match; `zoneFor` finds the zone of
 *   an (origin, destination) pair, the most specific route winning (origin first, then destination: a subdivision
 *   beats its country, a country beats `*`).
 * - Weight: a parcel's chargeable weight is the larger of its actual weight and its volumetric weight,
 *   L×W×H (mm³) ÷ the service's dimensional factor (cm³/kg) = grams, rounded up to the gram.
 * - Price (minor units of the table's currency): first_additional — the first weight costs its price; what is above
 *   it is counted in additional steps, **rounded up to the next whole step** (2.3 kg with 1 kg first and 1 kg steps
 *   = 2 steps); weight_bands — the band with minGrams < weight ≤ maxGrams (the first band includes 0).
 *   Several parcels: each is priced alone and the prices add up (carriers price per parcel).
 * - Transit: the zone's days, else the service's. Delivery dates are calendar days after the ship date.
 * - Choice: among services that price the parcels and deliver by the promised date, the cheapest (ties: the faster,
 *   then carrier and service code); with `prefer: 'fastest'`, the earliest latest-delivery date (ties: cheaper).
 */
import type { Pricing, RateTableInput, RateZone } from './rate-table.js';

/** A parcel: its weight and, when known, its outside dimensions. */
export interface Parcel {
  weightGrams: number;
  lengthMm?: number | null; widthMm?: number | null; heightMm?: number | null;
  /** The volume when the parcel is several items packed together (their volumes added), instead of L×W×H. */
  volumeMm3?: number | null;
}

export interface RatedService {
  carrier: string;
  carrierName: string;
  service: string;
  serviceName: string;
  /** The carrier's adapter: only 'rate-table' carriers quote. */
  adapter: 'manual' | 'rate-table';
  active: boolean;
  transitDaysMin: number;
  transitDaysMax: number;
  dimFactor: number | null;
  table: (RateTableInput & { maxWeightGrams?: number | null }) | null;
}

/** Every carrier's services with their tables, as loaded once and cached (rate-book.ts). */
export interface RateBook { version: string; services: RatedService[] }

const SUBDIVISION = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;

/**
 * The region code of an address or a location: its state when that is already an ISO 3166-2 code of its country
 * (CN-GD) or the part after the dash (GD), else the country alone (a name such as 广东省 matches country-wide zones).
 */
export function regionOf(a: { country?: string | null; state?: string | null; region?: string | null }): string | null {
  const country = a.country?.trim().toUpperCase() || null;
  const ofCountry = (code: string) => SUBDIVISION.test(code) && (!country || code.startsWith(`${country}-`));
  const region = a.region?.trim().toUpperCase();
  if (region && ofCountry(region)) return region;
  const state = a.state?.trim().toUpperCase();
  if (state && ofCountry(state)) return state;
  if (state && country && /^[A-Z0-9]{1,3}$/.test(state)) return `${country}-${state}`;
  return country ?? (region && SUBDIVISION.test(region) ? region : null);
}

/** How well a pattern matches a region: 2 its subdivision, 1 its country, 0 anywhere, -1 not at all. */
export function specificity(pattern: string, region: string): number {
  if (pattern === '*') return 0;
  if (pattern === region) return pattern.includes('-') ? 2 : 1;
  if (!pattern.includes('-') && region.startsWith(`${pattern}-`)) return 1;
  return -1;
}

export interface ZoneMatch { zone: RateZone; from: string; to: string }

/**
 * Zone lookups remembered per table (the rate book is cached, so its tables are the same objects from one capture to
 * the next): a province-by-province table has hundreds of pairs, and capture prices every order.
 */
const zoneMemo = new WeakMap<readonly RateZone[], Map<string, ZoneMatch | null>>();
const MEMO_PAIRS = 20_000;

/** The zone pricing `origin` → `destination`: the route most specific about the origin, then the destination. */
export function zoneFor(zones: readonly RateZone[], origin: string, destination: string): ZoneMatch | null {
  let memo = zoneMemo.get(zones);
  if (!memo) zoneMemo.set(zones, memo = new Map<string, ZoneMatch | null>());
  const key = `${origin}>${destination}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const found = findZone(zones, origin, destination);
  if (memo.size < MEMO_PAIRS) memo.set(key, found);
  return found;
}

function findZone(zones: readonly RateZone[], origin: string, destination: string): ZoneMatch | null {
  let best: (ZoneMatch & { score: number }) | null = null;
  for (const zone of zones) {
    for (const route of zone.routes) {
      for (const from of route.from) {
        const o = specificity(from, origin);
        if (o < 0) continue;
        for (const to of route.to) {
          const d = specificity(to, destination);
          if (d < 0) continue;
          const score = o * 3 + d;
          if (!best || score > best.score) best = { zone, from, to, score };
        }
      }
    }
  }
  return best ? { zone: best.zone, from: best.from, to: best.to } : null;
}

/** Volumetric grams of a parcel: mm³ ÷ (cm³/kg) = g, rounded up; null without all three dimensions or a factor. */
export function volumetricGrams(p: Parcel, dimFactor: number | null): number | null {
  const volume = p.volumeMm3 ?? (p.lengthMm && p.widthMm && p.heightMm ? p.lengthMm * p.widthMm * p.heightMm : null);
  if (!dimFactor || !volume) return null;
  return Math.ceil(volume / dimFactor);
}

export interface ParcelPrice {
  actualGrams: number;
  volumetricGrams: number | null;
  chargeableGrams: number;
  /** first_additional: the first weight's part, the number of additional steps and their part. */
  firstGrams?: number;
  firstMinor?: number;
  additionalSteps?: number;
  additionalStepGrams?: number;
  additionalMinor?: number;
  /** weight_bands: the band that priced it. */
  band?: { minGrams: number; maxGrams: number };
  amountMinor: number;
  explanation: string;
}

/** Only the amount of `priceWeight` (capture prices every order: no words built there). */
export function priceAmount(pricing: Pricing, zone: RateZone, chargeableGrams: number): number | null {
  if (pricing === 'first_additional') {
    const first = zone.first as NonNullable<RateZone['first']>;
    const step = zone.additional as NonNullable<RateZone['additional']>;
    return first.priceMinor + Math.ceil(Math.max(0, chargeableGrams - first.weightGrams) / step.weightGrams) * step.priceMinor;
  }
  const band = (zone.bands ?? []).find((b) => (b.minGrams === 0 ? chargeableGrams >= 0 : chargeableGrams > b.minGrams) && chargeableGrams <= b.maxGrams);
  return band ? band.priceMinor : null;
}

/** The price of one parcel of `chargeableGrams` in a zone; null when no band takes that weight. */
export function priceWeight(pricing: Pricing, zone: RateZone, chargeableGrams: number): Omit<ParcelPrice, 'actualGrams' | 'volumetricGrams' | 'chargeableGrams'> | null {
  if (pricing === 'first_additional') {
    const first = zone.first as NonNullable<RateZone['first']>;
    const step = zone.additional as NonNullable<RateZone['additional']>;
    const above = Math.max(0, chargeableGrams - first.weightGrams);
    const steps = Math.ceil(above / step.weightGrams);
    const additionalMinor = steps * step.priceMinor;
    return {
      firstGrams: first.weightGrams, firstMinor: first.priceMinor, additionalSteps: steps, additionalStepGrams: step.weightGrams, additionalMinor,
      amountMinor: first.priceMinor + additionalMinor,
      explanation: `first ${first.weightGrams} g ${first.priceMinor} + ${steps} × ${step.weightGrams} g at ${step.priceMinor} = ${first.priceMinor + additionalMinor}` +
        (steps > 0 ? ` (${above} g above the first weight, rounded up to whole steps)` : ''),
    };
  }
  const band = (zone.bands ?? []).find((b) => (b.minGrams === 0 ? chargeableGrams >= 0 : chargeableGrams > b.minGrams) && chargeableGrams <= b.maxGrams);
  if (!band) return null;
  return {
    band: { minGrams: band.minGrams, maxGrams: band.maxGrams }, amountMinor: band.priceMinor,
    explanation: `band ${band.minGrams}–${band.maxGrams} g = ${band.priceMinor}`,
  };
}

export interface QuoteRequest {
  origin: string | null;
  destination: string | null;
  parcels: readonly Parcel[];
  /** The day the parcels are handed to the carrier (YYYY-MM-DD). */
  shipOn: string;
  /** The promised date (YYYY-MM-DD): a service must deliver by it to qualify. */
  deliverBy?: string | null;
  /** Prices in another currency cannot be compared: such services do not qualify. */
  currency?: string | null;
}

export interface ServiceQuote {
  carrier: string;
  carrierName: string;
  service: string;
  serviceName: string;
  qualifies: boolean;
  /** Why it qualifies or not, in words. */
  reasons: string[];
  price: { amountMinor: number; currency: string } | null;
  zone: { code: string; name: string | null; from: string; to: string } | null;
  transitDays: { min: number; max: number } | null;
  delivery: { earliest: string; latest: string } | null;
  parcels: ParcelPrice[];
}

const dayMemo = new Map<string, string>();
/** `day` (YYYY-MM-DD) plus `days` calendar days; remembered, as capture asks the same few sums of every order. */
export function addDays(day: string, days: number): string {
  const key = `${day}+${days}`;
  const known = dayMemo.get(key);
  if (known !== undefined) return known;
  const sum = new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  if (dayMemo.size > 10_000) dayMemo.clear();
  dayMemo.set(key, sum);
  return sum;
}

/** One service's answer for the request: its price, zone, transit, dates, and why it qualifies or not. */
export function quoteService(s: RatedService, q: QuoteRequest): ServiceQuote {
  const base: ServiceQuote = {
    carrier: s.carrier, carrierName: s.carrierName, service: s.service, serviceName: s.serviceName,
    qualifies: false, reasons: [], price: null, zone: null, transitDays: null, delivery: null, parcels: [],
  };
  const no = (reason: string): ServiceQuote => ({ ...base, reasons: [...base.reasons, reason] });
  if (!s.active) return no('the service is inactive');
  if (s.adapter === 'manual') return no('a manual carrier: priced outside Ordo, no rate table to quote from');
  const t = s.table;
  if (!t) return no('no rate table; set one with PUT /v1/carriers/{carrier}/services/{service}/rate-table');
  if (!q.origin) return no('the origin has no region or country to find a zone by');
  if (!q.destination) return no('the destination has no region or country to find a zone by');
  const match = zoneFor(t.zones, q.origin, q.destination);
  if (!match) return no(`no zone of its table covers ${q.origin} → ${q.destination}`);
  base.zone = { code: match.zone.code, name: match.zone.name ?? null, from: match.from, to: match.to };
  base.reasons.push(`zone ${match.zone.code} (${match.from} → ${match.to}) covers ${q.origin} → ${q.destination}`);
  const parcels: ParcelPrice[] = [];
  for (const [i, p] of q.parcels.entries()) {
    const volumetric = volumetricGrams(p, s.dimFactor);
    const chargeable = Math.max(p.weightGrams, volumetric ?? 0);
    if (t.maxWeightGrams != null && chargeable > t.maxWeightGrams) return no(`parcel ${i + 1} weighs ${chargeable} g chargeable, above the service's ${t.maxWeightGrams} g limit`);
    const price = priceWeight(t.pricing, match.zone, chargeable);
    if (!price) return no(`parcel ${i + 1} weighs ${chargeable} g chargeable; no band of zone ${match.zone.code} takes it`);
    const weighed = volumetric === null ? `${chargeable} g actual` : volumetric > p.weightGrams
      ? `${chargeable} g volumetric (actual ${p.weightGrams} g, L×W×H ÷ ${s.dimFactor})` : `${chargeable} g actual (volumetric ${volumetric} g)`;
    parcels.push({ actualGrams: p.weightGrams, volumetricGrams: volumetric, chargeableGrams: chargeable, ...price, explanation: `${weighed}: ${price.explanation}` });
  }
  base.parcels = parcels;
  const amountMinor = parcels.reduce((a, p) => a + p.amountMinor, 0);
  base.price = { amountMinor, currency: t.currency };
  const min = match.zone.transitDaysMin ?? s.transitDaysMin;
  const max = match.zone.transitDaysMax ?? Math.max(min, s.transitDaysMax);
  base.transitDays = { min, max };
  base.delivery = { earliest: addDays(q.shipOn, min), latest: addDays(q.shipOn, max) };
  if (q.currency && t.currency !== q.currency) return no(`priced in ${t.currency}; this quote compares prices in ${q.currency}`);
  if (q.deliverBy && base.delivery.latest > q.deliverBy) {
    return no(`${min}–${max} transit days from ${q.shipOn} may deliver as late as ${base.delivery.latest}, after the promised ${q.deliverBy}`);
  }
  base.reasons.push(`${amountMinor} ${t.currency} for ${parcels.length} parcel(s)`);
  base.reasons.push(q.deliverBy ? `delivers by ${base.delivery.latest}, within the promised ${q.deliverBy}` : `delivers ${base.delivery.earliest} to ${base.delivery.latest}`);
  return { ...base, qualifies: true };
}

export type Preference = 'cheapest' | 'fastest';

/** The chosen quote among those that qualify, and why; null when none does. */
export function chooseQuote(quotes: readonly ServiceQuote[], prefer: Preference): { quote: ServiceQuote; why: string } | null {
  const ok = quotes.filter((q) => q.qualifies && q.price && q.delivery);
  if (ok.length === 0) return null;
  const price = (q: ServiceQuote) => q.price?.amountMinor ?? 0;
  const latest = (q: ServiceQuote) => q.delivery?.latest ?? '';
  const name = (q: ServiceQuote) => `${q.carrier}/${q.service}`;
  const byName = (a: ServiceQuote, b: ServiceQuote) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);
  const sorted = [...ok].sort(prefer === 'fastest'
    ? (a, b) => latest(a).localeCompare(latest(b)) || price(a) - price(b) || byName(a, b)
    : (a, b) => price(a) - price(b) || latest(a).localeCompare(latest(b)) || byName(a, b));
  const quote = sorted[0] as ServiceQuote;
  const others = ok.length - 1;
  const why = prefer === 'fastest'
    ? `the earliest delivery (by ${latest(quote)}) of ${ok.length} qualifying service(s)${others ? '; ties go to the cheaper' : ''}`
    : `the cheapest (${price(quote)} ${quote.price?.currency}) of ${ok.length} qualifying service(s)${others ? '; ties go to the faster' : ''}`;
  return { quote, why };
}

/** Every service's quote and the choice. */
export function shopRates(book: Pick<RateBook, 'services'>, q: QuoteRequest, prefer: Preference): { quotes: ServiceQuote[]; chosen: { quote: ServiceQuote; why: string } | null } {
  const quotes = book.services.map((s) => quoteService(s, q));
  return { quotes, chosen: chooseQuote(quotes, prefer) };
}

/**
 * The estimated cost of shipping parcels from one region to another: the cheapest service that prices it (in
 * `currency` when given), or null when no rate table covers the way. For the sourcing engine's cost rule.
 */
export function estimateShippingCost(
  book: Pick<RateBook, 'services'>,
  p: { originRegion: string | null; destinationRegion: string | null; weightGrams: number; dims?: { lengthMm: number; widthMm: number; heightMm: number } | null; currency?: string | null },
): { amountMinor: number; currency: string; carrier: string; service: string; transitDaysMax: number } | null {
  const chosen = cheapest(book.services, { origin: p.originRegion, destination: p.destinationRegion, parcel: { weightGrams: p.weightGrams, ...(p.dims ?? {}) }, currency: p.currency ?? null });
  if (!chosen) return null;
  const currency = book.services.find((s) => s.carrier === chosen.carrier && s.service === chosen.service)?.table?.currency ?? '';
  return { amountMinor: chosen.amountMinor, currency, carrier: chosen.carrier, service: chosen.service, transitDaysMax: chosen.transitDaysMax };
}

/** The parcel an order's lines make together: their weights added, their volumes added (one box). */
export function parcelOf(lines: readonly { quantity: number; weightGrams: number | null; lengthMm: number | null; widthMm: number | null; heightMm: number | null }[]): Parcel {
  let weightGrams = 0;
  let volume = 0;
  let dimensioned = true;
  for (const l of lines) {
    weightGrams += (l.weightGrams ?? 0) * l.quantity;
    if (l.lengthMm && l.widthMm && l.heightMm) volume += l.lengthMm * l.widthMm * l.heightMm * l.quantity;
    else dimensioned = false;
  }
  // Without every item's dimensions the volume is unknown: actual weight only.
  if (!dimensioned || volume === 0) return { weightGrams: Math.max(1, weightGrams) };
  return { weightGrams: Math.max(1, weightGrams), volumeMm3: volume };
}

/**
 * The cheapest service that prices the parcel on this way (ties: fewer transit days, then carrier and service code):
 * the same choice as `chooseQuote(…, 'cheapest')` over `quoteService` without a promised date, without the words
 * (capture and sourcing price every order; rate.test.ts checks the two agree).
 */
export function cheapest(
  services: readonly RatedService[], w: { origin: string | null; destination: string | null; parcel: Parcel; currency: string | null },
): { carrier: string; service: string; zone: string; amountMinor: number; transitDaysMax: number } | null {
  if (!w.origin || !w.destination) return null;
  let best: { carrier: string; service: string; zone: string; amountMinor: number; transitDaysMax: number } | null = null;
  for (const s of services) {
    const t = s.table;
    if (!s.active || s.adapter !== 'rate-table' || !t || (w.currency && t.currency !== w.currency)) continue;
    const match = zoneFor(t.zones, w.origin, w.destination);
    if (!match) continue;
    const chargeable = Math.max(w.parcel.weightGrams, volumetricGrams(w.parcel, s.dimFactor) ?? 0);
    if (t.maxWeightGrams != null && chargeable > t.maxWeightGrams) continue;
    const amountMinor = priceAmount(t.pricing, match.zone, chargeable);
    if (amountMinor === null) continue;
    const min = match.zone.transitDaysMin ?? s.transitDaysMin;
    const transitDaysMax = match.zone.transitDaysMax ?? Math.max(min, s.transitDaysMax);
    if (!best || amountMinor < best.amountMinor || (amountMinor === best.amountMinor && (transitDaysMax < best.transitDaysMax
      || (transitDaysMax === best.transitDaysMax && `${s.carrier}/${s.service}` < `${best.carrier}/${best.service}`)))) {
      best = { carrier: s.carrier, service: s.service, zone: match.zone.code, amountMinor, transitDaysMax };
    }
  }
  return best;
}

/** Rate shopping: resolve the places and parcels, load the rate book, price every service, choose one. */
import type { DbOrTrx } from '../db/database.js';
import { findSkuByRef } from '../catalog/index.js';
import { findLocationByRef } from '../location/index.js';
import { AppError, invalidField } from '../shared/errors.js';
import { isCurrency } from '../shared/money.js';
import type { Quote, QuoteInput } from './quote.js';
import { shopWithAdapters } from './carrier-adapter.js';
import { parcelOf, regionOf, type Parcel } from './rate.js';
import { readRateBook } from './rate-table.repository.js';
import { locate } from '../sourcing/index.js';

/**
 * The region code a rate zone is found by, as capture finds it for the promise: the province or state the region table
 * places the address in (ISO 3166-2 codes and the names channels send: CN-GD, GD, 广东省, 广东, Guangdong, or a city
 * in it), else what `regionOf` reads from codes (a subdivision code the table lacks), else the country.
 */
export function zoneRegionOf(a: { country?: string | null; state?: string | null; city?: string | null; region?: string | null }): string | null {
  const country = a.country ?? (a.region?.includes('-') ? a.region.split('-')[0] : a.region) ?? null;
  const place = country ? locate({ country, state: a.state, city: a.city, region: a.region }) : null;
  if (place && place.how !== 'country' && place.area) return place.area;
  return regionOf(a);
}

export async function quoteRates(db: DbOrTrx, input: QuoteInput, now: Date): Promise<Quote> {
  if (!input.parcels === !input.lines) {
    throw new AppError('validation_failed', 'give either parcels (weights and dimensions) or lines (SKUs and quantities), not both and not neither', {
      errors: [{ path: '/body/parcels', message: 'give parcels or lines' }],
    });
  }
  if (input.currency && !isCurrency(input.currency)) throw invalidField('/body/currency', `"${input.currency}" is not an ISO 4217 currency code`);
  let originLocation: string | null = null;
  let originRegion: string | null;
  if (input.origin.location) {
    const location = await findLocationByRef(db, input.origin.location);
    if (!location) throw new AppError('not_found', `unknown location "${input.origin.location}"`, { entity: 'location', id: input.origin.location });
    originLocation = location.code;
    originRegion = zoneRegionOf({ country: location.country, state: location.state, city: location.city, region: location.region });
  } else {
    originRegion = zoneRegionOf(input.origin);
  }
  const destinationRegion = zoneRegionOf(input.destination);
  if (!originRegion) throw invalidField('/body/origin', 'the origin has no region or country: give region, or country (and state)');
  if (!destinationRegion) throw invalidField('/body/destination', 'the destination has no region or country: give region, or country (and state)');
  const parcels: Parcel[] = input.parcels ?? [await parcelOfLines(db, input.lines ?? [])];
  const book = await readRateBook(db);
  let services = book.services;
  if (input.carriers) {
    const unknown = input.carriers.filter((c) => !services.some((s) => s.carrier === c));
    if (unknown.length > 0) throw new AppError('not_found', `unknown carrier ${unknown.map((u) => `"${u}"`).join(', ')}; see GET /v1/carriers`, { entity: 'carrier', id: unknown[0] });
    services = services.filter((s) => input.carriers?.includes(s.carrier));
  }
  const shipOn = input.shipOn ?? now.toISOString().slice(0, 10);
  if (input.deliverBy && input.deliverBy < shipOn) throw invalidField('/body/deliverBy', `deliverBy ${input.deliverBy} is before the ship date ${shipOn}`);
  const prefer = input.prefer ?? 'cheapest';
  const request = { origin: originRegion, destination: destinationRegion, parcels, shipOn, deliverBy: input.deliverBy ?? null };
  // Prices in several currencies cannot be ranked without a rate between them: the caller says which counts.
  let currency = input.currency ?? null;
  if (!currency && prefer === 'cheapest') {
    const priced = new Set((await shopWithAdapters(services, request, prefer)).quotes.filter((q) => q.qualifies && q.price).map((q) => q.price?.currency));
    if (priced.size > 1) {
      throw invalidField('/body/currency', `qualifying services are priced in ${[...priced].sort().join(' and ')}: say which currency to compare in`);
    }
  }
  const { quotes, chosen } = await shopWithAdapters(services, { ...request, currency }, prefer);
  currency ??= chosen?.quote.price?.currency ?? null;
  return {
    origin: { region: originRegion, location: originLocation }, destination: { region: destinationRegion },
    parcels, shipOn, deliverBy: input.deliverBy ?? null, prefer, currency, quotes,
    chosen: chosen && chosen.quote.price && chosen.quote.delivery
      ? { carrier: chosen.quote.carrier, service: chosen.quote.service, price: chosen.quote.price, delivery: chosen.quote.delivery, why: chosen.why }
      : null,
  };
}

/** SKU lines as one parcel: weights and volumes from the catalogue; a SKU without a weight is a 400 naming it. */
async function parcelOfLines(db: DbOrTrx, lines: NonNullable<QuoteInput['lines']>): Promise<Parcel> {
  const items = [];
  for (const [i, line] of lines.entries()) {
    const sku = await findSkuByRef(db, line.sku);
    if (!sku) throw new AppError('not_found', `unknown SKU "${line.sku}"`, { entity: 'sku', id: line.sku });
    if (sku.weight_grams === null) throw invalidField(`/body/lines/${i}/sku`, `SKU ${sku.code} has no weightGrams in the catalogue; set it, or quote with parcels`);
    items.push({ quantity: line.quantity, weightGrams: sku.weight_grams, lengthMm: sku.length_mm, widthMm: sku.width_mm, heightMm: sku.height_mm });
  }
  return parcelOf(items);
}

/**
 * How Ordo talks to a carrier: quoting a service, and getting the tracking number of a parcel handed over. Each
 * carrier names its adapter (`carriers.adapter`). Two are built in:
 *
 * - `manual`: the carrier is priced and booked outside Ordo; a person types the tracking number in. It never quotes.
 * - `rate-table`: quotes from the service's rate table (rate.ts); the tracking number is typed in too (no label API).
 *
 * An adapter for a real carrier API implements the same interface; its calls happen outside any database
 * transaction (DESIGN.md: record the intent, call, record the outcome). Capture never calls an adapter: it
 * estimates from the cached rate tables only, so no outside call sits on the hot path.
 */
import { AppError } from '../shared/errors.js';
import type { CarrierAdapterKind } from './carrier.js';
import { chooseQuote, quoteService, type Preference, type QuoteRequest, type RatedService, type ServiceQuote } from './rate.js';

export interface CarrierAdapter {
  readonly kind: CarrierAdapterKind;
  /** The service's answer for the request: price, zone, transit and why it qualifies or not. */
  quote(service: RatedService, request: QuoteRequest): Promise<ServiceQuote>;
  /** The tracking number of a parcel being handed over. */
  trackingNumber(input: { carrier: string; service: string | null; trackingNumber?: string | null }): Promise<string>;
}

const typedIn = (input: { carrier: string; trackingNumber?: string | null }): Promise<string> => {
  const n = input.trackingNumber?.trim();
  if (!n) {
    throw new AppError('validation_failed', `carrier ${input.carrier} takes the tracking number as typed in: give trackingNumber`, {
      errors: [{ path: '/body/trackingNumber', message: 'required for this carrier' }],
    });
  }
  return Promise.resolve(n);
};

export const manualAdapter: CarrierAdapter = {
  kind: 'manual',
  quote: (s) => Promise.resolve({
    carrier: s.carrier, carrierName: s.carrierName, service: s.service, serviceName: s.serviceName, qualifies: false,
    reasons: ['a manual carrier: priced outside Ordo, no rate table to quote from'],
    price: null, zone: null, transitDays: null, delivery: null, parcels: [],
  }),
  trackingNumber: typedIn,
};

export const rateTableAdapter: CarrierAdapter = {
  kind: 'rate-table',
  quote: (s, q) => Promise.resolve(quoteService(s, q)),
  trackingNumber: typedIn,
};

const builtIn: Record<CarrierAdapterKind, CarrierAdapter> = { manual: manualAdapter, 'rate-table': rateTableAdapter };

/** The adapter a carrier names; tests and deployments may register another under a built-in's kind. */
export function adapterFor(kind: CarrierAdapterKind, registry: Partial<Record<CarrierAdapterKind, CarrierAdapter>> = {}): CarrierAdapter {
  return registry[kind] ?? builtIn[kind];
}

/** Every service quoted by its carrier's adapter, and the choice. */
export async function shopWithAdapters(
  services: readonly RatedService[], request: QuoteRequest, prefer: Preference, registry: Partial<Record<CarrierAdapterKind, CarrierAdapter>> = {},
): Promise<{ quotes: ServiceQuote[]; chosen: { quote: ServiceQuote; why: string } | null }> {
  const quotes = await Promise.all(services.map((s) => adapterFor(s.adapter, registry).quote(s, request)));
  return { quotes, chosen: chooseQuote(quotes, prefer) };
}

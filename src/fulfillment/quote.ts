/** Rate shopping (`POST /v1/rates/quote`): the request and answer shapes. The decision is in rate.ts. */
import { Type, type Static } from 'typebox';
import { CurrencyCode, Nullable } from '../http/schemas.js';
import { Grams, RegionPattern } from './rate-table.js';

const Ref = Type.String({ minLength: 1, maxLength: 64, description: 'Id or code' });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Mm = Type.Integer({ minimum: 1, maximum: 10_000 });
const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' });

const placeFields = {
  region: Type.Optional(Type.String({ pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$', description: 'ISO 3166-2 code such as CN-GD, or a country' })),
  country: Type.Optional(Country),
  state: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'As an address gives it, found in the region table as capture finds it: CN-GD, or with country GD, 广东省, 广东, Guangdong' })),
  city: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'With country: a city (深圳市, 深圳, Shenzhen) places the address in its province when state is not given' })),
};
const Origin = Type.Object({ location: Type.Optional(Ref), ...placeFields }, {
  additionalProperties: false, minProperties: 1, description: 'A location (its region, else its country and state), or a region, or a country with its state',
});
const Destination = Type.Object(placeFields, { additionalProperties: false, minProperties: 1, description: 'A region, or a country with its state' });

export const QuoteInput = Type.Object({
  origin: Origin,
  destination: Destination,
  parcels: Type.Optional(Type.Array(Type.Object({
    weightGrams: Grams,
    lengthMm: Type.Optional(Mm), widthMm: Type.Optional(Mm), heightMm: Type.Optional(Mm),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 50 })),
  lines: Type.Optional(Type.Array(Type.Object({
    sku: Ref,
    quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 200, description: 'SKU lines packed as one parcel: weights and dimensions from the catalogue' })),
  shipOn: Type.Optional(Day),
  deliverBy: Type.Optional(Day),
  prefer: Type.Optional(Type.Union([Type.Literal('cheapest'), Type.Literal('fastest')], { description: 'cheapest (default) among services that meet deliverBy, or fastest' })),
  currency: Type.Optional(CurrencyCode),
  carriers: Type.Optional(Type.Array(Ref, { minItems: 1, maxItems: 50, description: 'Only these carriers' })),
}, { additionalProperties: false });
export type QuoteInput = Static<typeof QuoteInput>;

const ParcelPriceSchema = Type.Object({
  actualGrams: Type.Integer(),
  volumetricGrams: Nullable(Type.Integer()),
  chargeableGrams: Type.Integer({ description: 'max(actual, volumetric)' }),
  firstGrams: Type.Optional(Type.Integer()),
  firstMinor: Type.Optional(Type.Integer()),
  additionalSteps: Type.Optional(Type.Integer({ description: 'Grams above the first weight in whole steps, rounded up' })),
  additionalStepGrams: Type.Optional(Type.Integer()),
  additionalMinor: Type.Optional(Type.Integer()),
  band: Type.Optional(Type.Object({ minGrams: Type.Integer(), maxGrams: Type.Integer() })),
  amountMinor: Type.Integer(),
  explanation: Type.String(),
});

export const ServiceQuoteSchema = Type.Object({
  carrier: Type.String(),
  carrierName: Type.String(),
  service: Type.String(),
  serviceName: Type.String(),
  qualifies: Type.Boolean(),
  reasons: Type.Array(Type.String()),
  price: Nullable(Type.Object({ amountMinor: Type.Integer(), currency: Type.String() })),
  zone: Nullable(Type.Object({ code: Type.String(), name: Nullable(Type.String()), from: Type.String(), to: Type.String() })),
  transitDays: Nullable(Type.Object({ min: Type.Integer(), max: Type.Integer() })),
  delivery: Nullable(Type.Object({ earliest: Type.String(), latest: Type.String() })),
  parcels: Type.Array(ParcelPriceSchema),
});

export const Quote = Type.Object({
  origin: Type.Object({ region: Nullable(Type.String()), location: Nullable(Type.String()) }),
  destination: Type.Object({ region: Nullable(Type.String()) }),
  parcels: Type.Array(Type.Object({ weightGrams: Type.Integer(), lengthMm: Type.Optional(Nullable(Type.Integer())), widthMm: Type.Optional(Nullable(Type.Integer())),
    heightMm: Type.Optional(Nullable(Type.Integer())), volumeMm3: Type.Optional(Nullable(Type.Integer())) })),
  shipOn: Type.String(),
  deliverBy: Nullable(Type.String()),
  prefer: Type.String(),
  currency: Nullable(Type.String()),
  quotes: Type.Array(ServiceQuoteSchema),
  chosen: Nullable(Type.Object({ carrier: Type.String(), service: Type.String(), price: Type.Object({ amountMinor: Type.Integer(), currency: Type.String() }),
    delivery: Type.Object({ earliest: Type.String(), latest: Type.String() }), why: Type.String() })),
});
export type Quote = Static<typeof Quote>;
export { RegionPattern };

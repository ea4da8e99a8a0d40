/** A location: a warehouse, a store or a drop-shipper that holds stock and can ship it or hand it over. */
import { Type, type Static } from 'typebox';
import { Code, Id, Name, Nullable, Timestamp } from '../http/schemas.js';

export const LocationType = Type.Union([Type.Literal('warehouse'), Type.Literal('store'), Type.Literal('dropship')]);

const Address = Type.Object(
  {
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    line2: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    state: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    postalCode: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. DE' }),
  },
  { additionalProperties: false },
);

const Coordinates = Type.Object(
  { latitude: Type.Number({ minimum: -90, maximum: 90 }), longitude: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
);

const Capabilities = Type.Object(
  {
    ship: Type.Boolean({ description: 'Can ship parcels to customers' }),
    pickup: Type.Boolean({ description: 'Customers can collect orders here' }),
  },
  { additionalProperties: false },
);

const editable = {
  name: Name,
  type: LocationType,
  address: Type.Optional(Nullable(Address)),
  coordinates: Type.Optional(Nullable(Coordinates)),
  region: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'Sales or shipping region, e.g. EU-WEST' }))),
  capabilities: Type.Optional(Capabilities),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'Lower is preferred when several locations could serve an order' })),
  active: Type.Optional(Type.Boolean()),
  dailyCapacity: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'Orders (parcels) it can take a day; sourcing passes it by once full. Null: no limit' }))),
  cutoffTime: Type.Optional(Nullable(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Local time (HH:MM) after which sourcing prefers other locations for the day' }))),
  timeZone: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the location, e.g. Asia/Shanghai (default UTC)' }))),
  servesRegions: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 2, maxLength: 16, description: 'ISO 3166-1 or 3166-2 code, e.g. CN, CN-GD, US-CA' }), { minItems: 1, maxItems: 500, description: 'Regions it ships to; null: everywhere' }))),
};

export const LocationInput = Type.Object({ code: Code, ...editable }, { additionalProperties: false });
export type LocationInput = Static<typeof LocationInput>;

export const LocationPatch = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 });
export type LocationPatch = Static<typeof LocationPatch>;

export const Location = Type.Object({
  id: Id,
  code: Type.String(),
  name: Type.String(),
  type: Type.String(),
  address: Nullable(Address),
  coordinates: Nullable(Coordinates),
  region: Nullable(Type.String()),
  capabilities: Capabilities,
  priority: Type.Integer(),
  active: Type.Boolean(),
  dailyCapacity: Nullable(Type.Integer()),
  cutoffTime: Nullable(Type.String()),
  timeZone: Nullable(Type.String()),
  servesRegions: Nullable(Type.Array(Type.String())),
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Location = Static<typeof Location>;

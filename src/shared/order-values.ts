/**
 * Value schemas of an order that the fulfilment module's schemas use too: a postal address, and some units of one
 * order line. Kept here so those schemas can be built while the order module is still loading (order and fulfilment
 * import each other's functions; a schema is needed when its file loads). The order module re-exports both.
 */
import { Type, type Static } from 'typebox';
import { Id, Nullable } from '../http/schemas.js';

/** Some units of one line of an order: what cancel, recall and ship name. */
export const LineUnits = Type.Object({
  lineId: Id,
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
}, { additionalProperties: false });

export const Address = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  company: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  line1: Type.String({ minLength: 1, maxLength: 200 }),
  line2: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  city: Type.String({ minLength: 1, maxLength: 100 }),
  state: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  postalCode: Type.String({ maxLength: 20 }),
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
  phone: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
  region: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'ISO 3166-2 code of the province or state (e.g. CN-GD), when the channel knows it' }))),
  coordinates: Type.Optional(Nullable(Type.Object({
    lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }),
  }, { additionalProperties: false, description: 'Where the parcel goes, if the channel geocoded it: sourcing measures distance from here' }))),
}, { additionalProperties: false });
export type Address = Static<typeof Address>;

/** Carriers and their service levels: the API's shapes. */
import { Type, type Static } from 'typebox';
import { Code, Id, Name, Nullable, Timestamp } from '../http/schemas.js';

export const Service = Type.Object({
  code: Code,
  name: Name,
  transitDays: Type.Integer({ minimum: 0, maximum: 60 }),
}, { additionalProperties: false });

export const CarrierInput = Type.Object({
  code: Code,
  name: Name,
  services: Type.Array(Service, { minItems: 1, maxItems: 50 }),
  trackingUrlTemplate: Type.Optional(Nullable(Type.String({ maxLength: 500, pattern: '^https://.*\\{trackingNumber\\}', description: 'e.g. https://carrier.example/track/{trackingNumber}' }))),
  active: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type CarrierInput = Static<typeof CarrierInput>;

export const Carrier = Type.Object({
  id: Id, code: Type.String(), name: Type.String(), services: Type.Array(Service),
  trackingUrlTemplate: Nullable(Type.String()), active: Type.Boolean(), createdAt: Timestamp, updatedAt: Timestamp,
});
export type Carrier = Static<typeof Carrier>;

/** Carriers and their service levels: the API's shapes and the checks a schema cannot express. */
import { Type, type Static } from 'typebox';
import { Code, Id, Name, Nullable, Timestamp } from '../http/schemas.js';
import type { FieldError } from '../shared/errors.js';

const TransitDays = Type.Integer({ minimum: 0, maximum: 60 });
const DimFactor = Type.Integer({ minimum: 1000, maximum: 20_000, description: 'Volumetric weight divisor in cm³ per kg (e.g. 6000 or 8000); null = actual weight only' });

/** A service as written: `transitDays` alone is shorthand for the same minimum and maximum. */
export const ServiceInput = Type.Object({
  code: Code,
  name: Name,
  transitDays: Type.Optional(TransitDays),
  transitDaysMin: Type.Optional(TransitDays),
  transitDaysMax: Type.Optional(TransitDays),
  dimFactor: Type.Optional(Nullable(DimFactor)),
  active: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type ServiceInput = Static<typeof ServiceInput>;

export const Service = Type.Object({
  code: Type.String(),
  name: Type.String(),
  transitDays: Type.Integer({ description: 'The most transit days (transitDaysMax), kept for clients written before min/max' }),
  transitDaysMin: Type.Integer(),
  transitDaysMax: Type.Integer(),
  dimFactor: Nullable(Type.Integer()),
  active: Type.Boolean(),
  hasRateTable: Type.Boolean({ description: 'GET /v1/carriers/{carrier}/services/{service}/rate-table reads it' }),
});
export type Service = Static<typeof Service>;

export const CarrierAdapterKind = Type.Union([Type.Literal('manual'), Type.Literal('rate-table')], {
  description: '`manual`: a person types the tracking number, no quotes; `rate-table` (default): quotes from the services\' rate tables',
});
export type CarrierAdapterKind = Static<typeof CarrierAdapterKind>;

const editable = {
  name: Name,
  services: Type.Array(ServiceInput, { minItems: 1, maxItems: 50 }),
  trackingUrlTemplate: Type.Optional(Nullable(Type.String({ maxLength: 500, pattern: '^https://.*\\{trackingNumber\\}', description: 'e.g. https://carrier.example/track/{trackingNumber}' }))),
  active: Type.Optional(Type.Boolean()),
  adapter: Type.Optional(CarrierAdapterKind),
};

export const CarrierInput = Type.Object({ code: Code, ...editable }, { additionalProperties: false });
export type CarrierInput = Static<typeof CarrierInput>;

export const CarrierPatch = Type.Partial(Type.Object(editable), {
  additionalProperties: false, minProperties: 1,
  description: '`services` are added or changed by code; a service not named is left as it is (deactivate one with active: false)',
});
export type CarrierPatch = Static<typeof CarrierPatch>;

export const Carrier = Type.Object({
  id: Id, code: Type.String(), name: Type.String(), services: Type.Array(Service),
  trackingUrlTemplate: Nullable(Type.String()), active: Type.Boolean(), adapter: CarrierAdapterKind, version: Type.Integer(),
  createdAt: Timestamp, updatedAt: Timestamp,
});
export type Carrier = Static<typeof Carrier>;

/** A service's transit days, resolved from the shorthand; with the problems of its input. */
export function serviceDays(s: ServiceInput, path: string): { min: number; max: number; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const min = s.transitDaysMin ?? s.transitDays;
  const max = s.transitDaysMax ?? s.transitDays ?? min;
  if (min === undefined || max === undefined) {
    problems.push({ path: `${path}/transitDays`, message: 'give transitDays, or transitDaysMin and transitDaysMax' });
    return { min: 0, max: 0, problems };
  }
  if (s.transitDays !== undefined && (s.transitDays !== max || (s.transitDaysMin !== undefined && s.transitDaysMin > s.transitDays))) {
    problems.push({ path: `${path}/transitDays`, message: `transitDays ${s.transitDays} disagrees with transitDaysMin/Max; give one or the other` });
  }
  if (min > max) problems.push({ path: `${path}/transitDaysMax`, message: `transitDaysMax ${max} is below transitDaysMin ${min}` });
  return { min, max, problems };
}

/** Service codes must be unique within a carrier. */
export function serviceListProblems(services: readonly ServiceInput[], base: string): FieldError[] {
  const seen = new Set<string>();
  const problems: FieldError[] = [];
  services.forEach((s, i) => {
    if (seen.has(s.code)) problems.push({ path: `${base}/${i}/code`, message: `service code "${s.code}" appears twice` });
    seen.add(s.code);
    problems.push(...serviceDays(s, `${base}/${i}`).problems);
  });
  return problems;
}

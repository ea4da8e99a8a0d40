/**
 * A service's rate table: its API shape (TypeBox) and the checks a schema cannot express (pure).
 *
 * A table has one currency and one way of pricing. Its zones say which (origin, destination) region pairs they cover
 * and what a parcel costs there: first weight + additional weight (首重/续重: the first N grams cost X, each further
 * M grams or part of them cost Y), or weight bands. Regions are ISO 3166-2 subdivisions (CN-GD, US-CA), a country
 * (CN: any region of it) or `*` (anywhere); the most specific route wins (see `zoneFor` in rate.ts).
 */
import { Type, type Static } from 'typebox';
import { Code, CurrencyCode, MinorUnits, Nullable, Timestamp } from '../http/schemas.js';
import type { FieldError } from '../shared/errors.js';
import { isCurrency } from '../shared/money.js';

export const REGION_PATTERN = '^(\\*|[A-Z]{2}|[A-Z]{2}-[A-Z0-9]{1,3})$';
export const RegionPattern = Type.String({
  pattern: REGION_PATTERN,
  description: 'An ISO 3166-2 subdivision (CN-GD, US-CA), a country (CN: any region in it) or * (anywhere)',
});

export const Grams = Type.Integer({ minimum: 1, maximum: 10_000_000 });
const TransitDays = Type.Integer({ minimum: 0, maximum: 60 });

export const RateRoute = Type.Object({
  from: Type.Array(RegionPattern, { minItems: 1, maxItems: 200, description: 'Origin regions' }),
  to: Type.Array(RegionPattern, { minItems: 1, maxItems: 200, description: 'Destination regions' }),
}, { additionalProperties: false, description: 'Every origin in `from` to every destination in `to`' });

export const WeightStep = Type.Object({
  weightGrams: Grams,
  priceMinor: MinorUnits,
}, { additionalProperties: false });

export const WeightBand = Type.Object({
  minGrams: Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'Exclusive lower bound (the first band starts at 0 and includes it)' }),
  maxGrams: Grams,
  priceMinor: MinorUnits,
}, { additionalProperties: false, description: 'A parcel of more than minGrams and at most maxGrams' });

export const RateZone = Type.Object({
  code: Code,
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  routes: Type.Array(RateRoute, { minItems: 1, maxItems: 100 }),
  transitDaysMin: Type.Optional(TransitDays),
  transitDaysMax: Type.Optional(TransitDays),
  first: Type.Optional(Type.Object({ ...WeightStep.properties }, { additionalProperties: false, description: 'first_additional: the first weightGrams cost priceMinor (首重)' })),
  additional: Type.Optional(Type.Object({ ...WeightStep.properties }, { additionalProperties: false, description: 'first_additional: each further weightGrams, or part of them, cost priceMinor (续重)' })),
  bands: Type.Optional(Type.Array(WeightBand, { minItems: 1, maxItems: 100, description: 'weight_bands: contiguous bands from 0' })),
}, { additionalProperties: false });
export type RateZone = Static<typeof RateZone>;

export const Pricing = Type.Union([Type.Literal('first_additional'), Type.Literal('weight_bands')]);
export type Pricing = Static<typeof Pricing>;

export const RateTableInput = Type.Object({
  currency: CurrencyCode,
  pricing: Pricing,
  maxWeightGrams: Type.Optional(Nullable(Grams)),
  zones: Type.Array(RateZone, { minItems: 1, maxItems: 500 }),
}, { additionalProperties: false });
export type RateTableInput = Static<typeof RateTableInput>;

export const RateTable = Type.Object({
  carrier: Type.String(),
  service: Type.String(),
  currency: Type.String(),
  pricing: Pricing,
  maxWeightGrams: Nullable(Type.Integer()),
  zones: Type.Array(RateZone),
  version: Type.Integer(),
  updatedAt: Timestamp,
});
export type RateTable = Static<typeof RateTable>;

/**
 * What a valid table must also be, beyond its schema: a known currency; every zone priced the table's way; bands
 * contiguous from 0 (no gap, no overlap); first/additional weights sensible; transit days in order; zone codes
 * unique; and no (origin, destination) pair written in two zones (which one would price it?).
 */
export function rateTableProblems(t: RateTableInput): FieldError[] {
  const problems: FieldError[] = [];
  const at = (path: string, message: string) => problems.push({ path: `/body${path}`, message });
  if (!isCurrency(t.currency)) at('/currency', `"${t.currency}" is not an ISO 4217 currency code`);
  const codes = new Map<string, number>();
  const pairs = new Map<string, string>();
  t.zones.forEach((z, i) => {
    const p = `/zones/${i}`;
    const seen = codes.get(z.code);
    if (seen !== undefined) at(`${p}/code`, `zone code "${z.code}" is used by zone ${seen} too`);
    codes.set(z.code, i);
    if (z.transitDaysMin !== undefined && z.transitDaysMax !== undefined && z.transitDaysMin > z.transitDaysMax) {
      at(`${p}/transitDaysMax`, `transitDaysMax ${z.transitDaysMax} is below transitDaysMin ${z.transitDaysMin}`);
    }
    if (t.pricing === 'first_additional') {
      if (!z.first) at(`${p}/first`, 'first_additional pricing needs first { weightGrams, priceMinor } (首重) on every zone');
      if (!z.additional) at(`${p}/additional`, 'first_additional pricing needs additional { weightGrams, priceMinor } (续重) on every zone');
      if (z.bands) at(`${p}/bands`, 'bands belong to weight_bands pricing; this table is first_additional');
    } else {
      if (!z.bands) at(`${p}/bands`, 'weight_bands pricing needs bands on every zone');
      if (z.first || z.additional) at(`${p}/${z.first ? 'first' : 'additional'}`, 'first/additional belong to first_additional pricing; this table is weight_bands');
      if (z.bands) bandProblems(z.bands).forEach((b) => at(`${p}/bands/${b.index}`, b.message));
    }
    z.routes.forEach((r, j) => {
      for (const from of r.from) {
        for (const to of r.to) {
          const key = `${from}→${to}`;
          const other = pairs.get(key);
          if (other !== undefined && other !== z.code) at(`${p}/routes/${j}`, `${from} → ${to} is already in zone "${other}"; a pair belongs to one zone`);
          pairs.set(key, z.code);
        }
      }
    });
  });
  if (t.maxWeightGrams != null && t.pricing === 'weight_bands') {
    t.zones.forEach((z, i) => {
      const top = Math.max(...(z.bands ?? []).map((b) => b.maxGrams));
      if (top < (t.maxWeightGrams as number)) at(`/zones/${i}/bands`, `the last band ends at ${top} g, below maxWeightGrams ${t.maxWeightGrams}`);
    });
  }
  return problems;
}

/** Bands sorted by minGrams must start at 0 and each start where the one before ends. */
function bandProblems(bands: readonly Static<typeof WeightBand>[]): { index: number; message: string }[] {
  const problems: { index: number; message: string }[] = [];
  const sorted = bands.map((b, index) => ({ ...b, index })).sort((a, b) => a.minGrams - b.minGrams);
  sorted.forEach((b, k) => {
    if (b.maxGrams <= b.minGrams) problems.push({ index: b.index, message: `maxGrams ${b.maxGrams} must be above minGrams ${b.minGrams}` });
    const before = sorted[k - 1];
    if (!before) {
      if (b.minGrams !== 0) problems.push({ index: b.index, message: `the first band must start at 0 g, not ${b.minGrams} g` });
    } else if (b.minGrams < before.maxGrams) {
      problems.push({ index: b.index, message: `overlaps band ${before.index} (${before.minGrams}–${before.maxGrams} g): bands must not overlap` });
    } else if (b.minGrams > before.maxGrams) {
      problems.push({ index: b.index, message: `leaves a gap after band ${before.index}: nothing prices ${before.maxGrams}–${b.minGrams} g` });
    }
  });
  return problems;
}

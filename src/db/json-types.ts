/**
 * The shapes of the jsonb columns, which the database does not describe. `npm run db:types` (src/db/generate-types.ts)
 * names these types in the generated src/db/types.ts; edit them here, never there.
 */
import type { ColumnType, JSONColumnType } from 'kysely';

/** A jsonb column read as T and written as its JSON text (`JSON.stringify(value)`). */
export type Json<T extends object | null = Record<string, unknown>> = JSONColumnType<T>;

/** A stored HTTP answer: read as whatever was stored, written as JSON text. */
export type StoredJson = ColumnType<unknown, string | null | undefined, string | null>;

export interface Address {
  name: string;
  company?: string | null;
  line1: string;
  line2?: string | null;
  city: string;
  state?: string | null;
  postalCode: string;
  country: string;
  phone?: string | null;
  /** The province or state's ISO 3166-2 code, when the channel sent it (sourcing). */
  region?: string | null;
  /** Where the parcel goes, when the channel geocoded the address (sourcing measures from it). */
  coordinates?: { lat: number; lon: number } | null;
}

export type SkuAttributes = Record<string, string | number | boolean>;

export interface CarrierService {
  code: string;
  name: string;
  transitDays: number;
}

/** A zone of a rate table (its schema: RateZone in src/fulfillment/rate-table.ts, checked before it is written). */
export interface RateZoneJson {
  code: string;
  name?: string;
  routes: { from: string[]; to: string[] }[];
  transitDaysMin?: number;
  transitDaysMax?: number;
  first?: { weightGrams: number; priceMinor: number };
  additional?: { weightGrams: number; priceMinor: number };
  bands?: { minGrams: number; maxGrams: number; priceMinor: number }[];
}

export interface ReviewCondition {
  match: 'all' | 'any';
  conditions: { field: string; operator: string; value?: unknown }[];
}

export interface ShipmentLine {
  lineId: string;
  quantity: number;
}

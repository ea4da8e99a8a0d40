/**
 * The Kysely view of the schema, for the type checker only. The migrations are the source of truth (defaults,
 * constraints and indexes live only there); a column named here that the migrations lack fails the scenario tests,
 * which run every repository function against the migrated database.
 */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T extends object | null = Record<string, unknown>> = JSONColumnType<T>;

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  prefix: string;
  key_hash: Buffer;
  created_by: string | null;
  created_at: Timestamp;
  revoked_at: Date | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  actor_id: string | null;
  actor_name: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  request_id: string | null;
  details: Json;
}

export interface IdempotencyKeysTable {
  principal_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  response_status: number | null;
  response_body: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export interface SkusTable {
  id: string;
  code: string;
  name: string;
  barcode: string | null;
  weight_grams: number | null;
  length_mm: number | null;
  width_mm: number | null;
  height_mm: number | null;
  price_minor: number | null;
  currency: string | null;
  active: Generated<boolean>;
  attributes: Json<Record<string, string | number | boolean>>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LocationsTable {
  id: string;
  code: string;
  name: string;
  type: string;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  region: string | null;
  can_ship: Generated<boolean>;
  can_pickup: Generated<boolean>;
  priority: Generated<number>;
  active: Generated<boolean>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DB {
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  skus: SkusTable;
  locations: LocationsTable;
}

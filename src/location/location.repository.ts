import { sql, type Selectable } from 'kysely';
import { codeOrId } from '../db/refs.js';
import type { DbOrTrx, Trx } from '../db/database.js';
import type { Locations } from '../db/types.js';
import type { Location, LocationInput, LocationPatch } from './location.js';

type LocationRow = Selectable<Locations>;

export function toLocation(row: LocationRow): Location {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    type: row.type,
    address: row.address_line1 === null ? null : {
      line1: row.address_line1,
      line2: row.address_line2,
      city: row.city ?? '',
      state: row.state,
      postalCode: row.postal_code,
      country: row.country ?? '',
    },
    coordinates: row.latitude === null || row.longitude === null ? null : { latitude: row.latitude, longitude: row.longitude },
    region: row.region,
    capabilities: { ship: row.can_ship, pickup: row.can_pickup },
    priority: row.priority,
    active: row.active,
    dailyCapacity: row.daily_capacity,
    cutoffTime: row.cutoff_time === null ? null : String(row.cutoff_time).slice(0, 5),
    timeZone: row.time_zone,
    servesRegions: row.serves_regions,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function columns(input: LocationPatch) {
  return {
    name: input.name,
    type: input.type,
    ...(input.address !== undefined && {
      address_line1: input.address?.line1 ?? null,
      address_line2: input.address?.line2 ?? null,
      city: input.address?.city ?? null,
      state: input.address?.state ?? null,
      postal_code: input.address?.postalCode ?? null,
      country: input.address?.country ?? null,
    }),
    ...(input.coordinates !== undefined && {
      latitude: input.coordinates?.latitude ?? null,
      longitude: input.coordinates?.longitude ?? null,
    }),
    region: input.region,
    can_ship: input.capabilities?.ship,
    can_pickup: input.capabilities?.pickup,
    priority: input.priority,
    active: input.active,
    daily_capacity: input.dailyCapacity,
    cutoff_time: input.cutoffTime,
    time_zone: input.timeZone,
    serves_regions: input.servesRegions,
  };
}

export async function insertLocation(trx: Trx, id: string, input: LocationInput): Promise<LocationRow> {
  return trx
    .insertInto('locations')
    .values({ id, code: input.code, ...columns(input), name: input.name, type: input.type })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateLocation(trx: Trx, id: string, patch: LocationPatch, expectedVersion?: number): Promise<LocationRow | undefined> {
  let q = trx
    .updateTable('locations')
    .set({ ...columns(patch), version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  return q.returningAll().executeTakeFirst();
}

export async function findLocationById(db: DbOrTrx, id: string): Promise<LocationRow | undefined> {
  return db.selectFrom('locations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The location a reference names (its code or its id). */
export async function findLocationByRef(db: DbOrTrx, ref: string): Promise<LocationRow | undefined> {
  return db.selectFrom('locations').selectAll().where(codeOrId(ref)).executeTakeFirst();
}

export interface LocationFilter {
  code?: string;
  type?: string;
  region?: string;
  active?: boolean;
  canShip?: boolean;
  canPickup?: boolean;
  afterCode?: string;
  limit: number;
}

export async function listLocations(db: DbOrTrx, f: LocationFilter): Promise<LocationRow[]> {
  let q = db.selectFrom('locations').selectAll().orderBy('code').limit(f.limit);
  if (f.code !== undefined) q = q.where('code', '=', f.code);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.region !== undefined) q = q.where('region', '=', f.region);
  if (f.active !== undefined) q = q.where('active', '=', f.active);
  if (f.canShip !== undefined) q = q.where('can_ship', '=', f.canShip);
  if (f.canPickup !== undefined) q = q.where('can_pickup', '=', f.canPickup);
  if (f.afterCode !== undefined) q = q.where('code', '>', f.afterCode);
  return q.execute();
}

/** Inserts or replaces locations by code in one statement; unchanged rows are left alone and not returned. */
export async function upsertLocations(trx: Trx, items: { id: string; input: LocationInput }[]): Promise<(LocationRow & { inserted: boolean })[]> {
  const payload = items.map(({ id, input }) => ({
    id,
    code: input.code,
    ...columns(input),
    name: input.name,
    type: input.type,
    can_ship: input.capabilities?.ship ?? true,
    can_pickup: input.capabilities?.pickup ?? false,
    priority: input.priority ?? 100,
    active: input.active ?? true,
    daily_capacity: input.dailyCapacity ?? null,
    cutoff_time: input.cutoffTime ?? null,
    time_zone: input.timeZone ?? null,
    serves_regions: input.servesRegions ?? null,
  }));
  const result = await sql<LocationRow & { inserted: boolean }>`
    INSERT INTO locations (id, code, name, type, address_line1, address_line2, city, state, postal_code, country,
                           latitude, longitude, region, can_ship, can_pickup, priority, active, daily_capacity, cutoff_time,
                           time_zone, serves_regions)
    SELECT x.id, x.code, x.name, x.type, x.address_line1, x.address_line2, x.city, x.state, x.postal_code, x.country,
           x.latitude, x.longitude, x.region, x.can_ship, x.can_pickup, x.priority, x.active, x.daily_capacity, x.cutoff_time,
           x.time_zone, x.serves_regions
    FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) AS x(
      id uuid, code text, name text, type text, address_line1 text, address_line2 text, city text, state text,
      postal_code text, country text, latitude float8, longitude float8, region text, can_ship boolean,
      can_pickup boolean, priority int, active boolean, daily_capacity int, cutoff_time time, time_zone text, serves_regions text[])
    ON CONFLICT (code) DO UPDATE SET
      name = excluded.name, type = excluded.type, address_line1 = excluded.address_line1,
      address_line2 = excluded.address_line2, city = excluded.city, state = excluded.state,
      postal_code = excluded.postal_code, country = excluded.country, latitude = excluded.latitude,
      longitude = excluded.longitude, region = excluded.region, can_ship = excluded.can_ship,
      can_pickup = excluded.can_pickup, priority = excluded.priority, active = excluded.active,
      daily_capacity = excluded.daily_capacity, cutoff_time = excluded.cutoff_time, time_zone = excluded.time_zone,
      serves_regions = excluded.serves_regions,
      version = locations.version + 1, updated_at = now()
    WHERE (locations.name, locations.type, locations.address_line1, locations.address_line2, locations.city,
           locations.state, locations.postal_code, locations.country, locations.latitude, locations.longitude,
           locations.region, locations.can_ship, locations.can_pickup, locations.priority, locations.active,
           locations.daily_capacity, locations.cutoff_time, locations.time_zone, locations.serves_regions)
      IS DISTINCT FROM (excluded.name, excluded.type, excluded.address_line1, excluded.address_line2, excluded.city,
           excluded.state, excluded.postal_code, excluded.country, excluded.latitude, excluded.longitude,
           excluded.region, excluded.can_ship, excluded.can_pickup, excluded.priority, excluded.active,
           excluded.daily_capacity, excluded.cutoff_time, excluded.time_zone, excluded.serves_regions)
    RETURNING *, (xmax = 0) AS inserted
  `.execute(trx);
  return result.rows;
}

/** Locations as a table: one row per location, written through the location module's bulk upsert (by code). */
import { LocationInput, upsertLocationBatch } from '../location/index.js';
import { keysetPages } from './keyset.js';
import { Cells, defined, bulkUpsertWrite, schemaProblems, type TableEntity } from './table-entity.js';

const columns = ['code', 'name', 'type', 'addressLine1', 'addressLine2', 'city', 'state', 'postalCode', 'country',
  'latitude', 'longitude', 'region', 'canShip', 'canPickup', 'priority', 'active'] as const;

const renamed: Record<string, string> = { line1: 'addressLine1', line2: 'addressLine2', ship: 'canShip', pickup: 'canPickup', address: 'addressLine1', coordinates: 'latitude', capabilities: 'canShip' };
const columnOf = (path: string) => {
  const name = path.split('/').filter(Boolean).at(-1) ?? 'row';
  return renamed[name] ?? name;
};

export const locationTable: TableEntity<LocationInput> = {
  name: 'locations',
  columns,
  required: ['code', 'name', 'type'],
  chunkSize: 1000,
  parse(values, row) {
    const c = new Cells(values, row);
    const line1 = c.text('addressLine1');
    const address = line1 !== undefined || c.text('city') !== undefined || c.text('country') !== undefined
      ? defined({ line1, line2: c.text('addressLine2'), city: c.text('city'), state: c.text('state'), postalCode: c.text('postalCode'), country: c.text('country')?.trim() })
      : undefined;
    const latitude = c.number('latitude');
    const longitude = c.number('longitude');
    if ((latitude === undefined) !== (longitude === undefined)) c.problem(latitude === undefined ? 'latitude' : 'longitude', 'give both latitude and longitude, or neither');
    const ship = c.bool('canShip');
    const pickup = c.bool('canPickup');
    const input = defined({
      code: c.text('code')?.trim(),
      name: c.text('name'),
      type: c.text('type')?.trim(),
      address,
      coordinates: latitude !== undefined && longitude !== undefined ? { latitude, longitude } : undefined,
      region: c.text('region'),
      capabilities: ship !== undefined || pickup !== undefined ? { ship: ship ?? true, pickup: pickup ?? false } : undefined,
      priority: c.int('priority'),
      active: c.bool('active'),
    });
    const problems = [...c.problems, ...schemaProblems(LocationInput, input, row, columnOf).filter((p) => !c.problems.some((q) => q.column === p.column))];
    return problems.length > 0 ? problems : (input as LocationInput);
  },
  write: bulkUpsertWrite(upsertLocationBatch, columnOf),
  async *exportRows(db) {
    const rows = keysetPages((after: string | undefined, limit) => {
      let q = db.selectFrom('locations').selectAll().orderBy('code').limit(limit);
      if (after !== undefined) q = q.where('code', '>', after);
      return q.execute();
    }, (r) => r.code);
    for await (const r of rows) {
      yield [r.code, r.name, r.type, r.address_line1, r.address_line2, r.city, r.state, r.postal_code, r.country,
        r.latitude, r.longitude, r.region, r.can_ship, r.can_pickup, r.priority, r.active];
    }
  },
};

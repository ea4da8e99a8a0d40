import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { seedDemo } from '../src/cli/seed.js';
import { createTestDatabase, type TestDatabase } from './harness.js';

let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(() => database?.drop());

describe('ordo seed --demo', () => {
  it('makes a believable business, twice without doubling anything, and passes ordo check', async () => {
    const first = await seedDemo(database.db);
    expect(first).toMatch(/4 locations \(4 new\), 200 SKUs \(200 new\), 3 channels, 4 carriers, \d+ units received/);
    const second = await seedDemo(database.db);
    expect(second).toContain('0 units received');
    const count = async (table: 'skus' | 'locations' | 'channels' | 'carriers') =>
      Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    // The European network and the China one beside it (src/cli/seed-china.ts), and the China carriers (seed-carriers.ts).
    expect(await count('skus')).toBe(200 + 12);
    expect(await count('locations')).toBe(4 + 4);
    expect(await count('channels')).toBe(3 + 4);
    expect(await count('carriers')).toBe(2 + 2);
    const located = await database.db.selectFrom('locations').select(['city', 'latitude']).execute();
    expect(new Set(located.map((l) => l.city)).size).toBe(4 + 4);
    expect(located.every((l) => l.latitude !== null)).toBe(true);
    const stocked = await database.db.selectFrom('stock_levels').select((eb) => eb.fn.sum<number>('on_hand').as('units')).executeTakeFirstOrThrow();
    expect(Number(stocked.units)).toBeGreaterThan(10_000);
    const report = await runChecks(database.db);
    expect(report.ok, report.lines.join('\n')).toBe(true);
  });

  it('gives the China network CNY channels with sourcing rules and stock in four cities', async () => {
    expect(await seedDemo(database.db)).toMatch(/China network: 4 locations, 12 SKUs, 4 channels in CNY with sourcing rules/);
    const cny = await database.db.selectFrom('channels').select('code').where('currency', '=', 'CNY').orderBy('code').execute();
    expect(cny.map((c) => c.code)).toEqual(['CN-B2B', 'CN-STORE', 'JD', 'TAOBAO']);
    const rules = await database.db.selectFrom('sourcing_rule_sets').select('rules').execute();
    expect(rules.length).toBe(3);
    const stocked = await database.db.selectFrom('stock_levels as s').innerJoin('locations as l', 'l.id', 's.location_id')
      .select('l.code').where('l.code', 'in', ['WH-SHA', 'WH-CTU', 'WH-CAN', 'ST-PEK']).where('s.on_hand', '>', 0).distinct().execute();
    expect(stocked.length).toBe(4);
  });
});

import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { movementCteNames } from '../inventory/index.js';
import { decisionCteNames } from '../sourcing/index.js';
import { captureStatement } from './capture.repository.js';

describe('the capture write statement', () => {
  it('defines every CTE name once, its own and the inventory movement CTEs alike', () => {
    // Compiling needs no connection.
    const db = new Kysely<never>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
    const { sql } = captureStatement([], { strict: true, quotas: true }).compile(db);
    const names = [...sql.replace(/--[^\n]*/g, '').matchAll(/(?:WITH|,)\s+([a-z_]+) AS \(/g)].map((m) => m[1]);
    for (const name of [...movementCteNames, ...decisionCteNames]) expect(names, name).toContain(name);
    expect(names.length).toBeGreaterThan(movementCteNames.length + 10);
    expect(names.filter((n, i) => names.indexOf(n) !== i), 'defined twice').toEqual([]);
  });
});

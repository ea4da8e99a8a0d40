import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrders } from '../src/cli/seed-orders.js';
import { containsPattern, searchOrderKeys } from '../src/order/search-orders.js';
import { createTestDatabase, type TestDatabase } from './harness.js';

// Text search reads the newest 2,000 orders first, then (if they held some matches) a wider window, and only then the
// trigram index (src/order/search-orders.ts): enough orders that every path answers, each checked against a plain
// query that sorts every match.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedOrders(database.db, 3000);
}, 60_000);
afterAll(() => database?.drop());

async function expected(q: string, limit: number, descending: boolean): Promise<string[]> {
  const dir = descending ? sql`DESC` : sql`ASC`;
  const rows = await sql<{ id: string }>`SELECT id FROM orders WHERE search_text ILIKE ${containsPattern(q.toLowerCase())}
    ORDER BY placed_at ${dir}, id ${dir} LIMIT ${limit}`.execute(database.db);
  return rows.rows.map((r) => r.id);
}

describe('text search over more orders than its window', () => {
  it('finds frequent text in the window, middling text in a wider one, rare text through the index, page after page', async () => {
    // A customer with more orders than a page, fewer than a page of them among the newest 2,000: the window cannot
    // fill the page, but shows the rate at which a wider window will.
    const rare = await sql<{ email: string }>`
      WITH recent AS (SELECT id FROM orders ORDER BY placed_at DESC, id DESC LIMIT 2000)
      SELECT c.email FROM orders o JOIN customers c ON c.id = o.customer_id
      GROUP BY c.email
      HAVING count(*) >= 8 AND count(*) FILTER (WHERE o.id IN (SELECT id FROM recent)) < 5
      ORDER BY count(*) DESC LIMIT 1`.execute(database.db);
    const email = rare.rows[0]!.email;
    // Text on several of the oldest orders and none of the newest 2,000 (references of seeded orders 10-19): the
    // trigram index answers, over several pages.
    const olderText = '-000001';
    const olderMatches = await expected(olderText, 100, true);
    expect(olderMatches.length).toBeGreaterThan(5);
    const recentMatches = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (SELECT search_text FROM orders ORDER BY placed_at DESC, id DESC LIMIT 2000) w
      WHERE search_text ILIKE ${containsPattern(olderText)}`.execute(database.db);
    expect(recentMatches.rows[0]?.n).toBe(0);
    // The oldest order's reference: one match, outside the window.
    const oldest = await sql<{ ref: string }>`SELECT external_ref AS ref FROM orders ORDER BY placed_at, id LIMIT 1`.execute(database.db);
    const city = await sql<{ city: string }>`SELECT shipping_address->>'city' AS city FROM orders GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`.execute(database.db);

    for (const [q, sort] of [[email, '-placedAt'], [email, 'placedAt'], [olderText, '-placedAt'], [olderText, 'placedAt'], [oldest.rows[0]!.ref, '-placedAt'], [city.rows[0]!.city, '-placedAt'], ['no such text anywhere', '-placedAt']] as const) {
      const limit = 5;
      const all = await expected(q, 10_000, sort === '-placedAt');
      // Page through with keyset cursors, as the API does.
      const got: string[] = [];
      let after: { key: string | number; id: string } | undefined;
      for (;;) {
        const page = await searchOrderKeys(database.db, { q }, sort, after, limit);
        got.push(...page.map((r) => r.id));
        if (page.length < limit || got.length >= 40) break;
        const last = page[page.length - 1]!;
        after = { key: last.key, id: last.id };
      }
      expect(got, `q=${q} sort=${sort}`).toEqual(all.slice(0, got.length));
      expect(got.length, `q=${q} sort=${sort}`).toBe(Math.min(all.length, got.length >= 40 ? got.length : all.length));
    }
  });
});

/** What `ordo check` verifies of carriers and rates. */
import { sql } from 'kysely';
import { Check as schemaCheck } from 'typebox/value';
import type { Check } from '../db/check.js';
import { rateTableProblems, RateTableInput } from './rate-table.js';

export const rateChecks: Check[] = [
  {
    name: 'every rate table is one the API would accept',
    // Tables are checked whole before they are written (schema, then rateTableProblems); one written around the API
    // (by SQL) could price a pair twice or leave a weight unpriced, and quotes and promises would read it silently.
    run: async (db) => {
      const { rows } = await sql<{ carrier: string; service: string; currency: string; pricing: string; max_weight_grams: number | null; zones: unknown }>`
        SELECT c.code AS carrier, s.code AS service, t.currency, t.pricing, t.max_weight_grams, t.zones
        FROM rate_tables t JOIN carrier_services s ON s.id = t.service_id JOIN carriers c ON c.id = s.carrier_id
        ORDER BY c.code, s.code`.execute(db);
      const problems: string[] = [];
      for (const r of rows) {
        const table = { currency: r.currency, pricing: r.pricing, ...(r.max_weight_grams !== null ? { maxWeightGrams: r.max_weight_grams } : {}), zones: r.zones };
        if (!schemaCheck(RateTableInput, table)) {
          problems.push(`rate table of ${r.carrier}/${r.service} does not have the shape of a rate table (PUT it again through the API)`);
          continue;
        }
        for (const p of rateTableProblems(table)) problems.push(`rate table of ${r.carrier}/${r.service}: ${p.path.replace('/body', '')}: ${p.message}`);
      }
      return problems.slice(0, 100);
    },
  },
];

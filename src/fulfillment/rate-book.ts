/**
 * The rate book cached in process for capture: every service with its table, loaded once and reloaded only when the
 * rate catalogue's version (read by capture's facts statement, `rateCatalogVersionSql`) has changed. Several API
 * processes stay right: each sees the version its facts statement read, never a signal of its own.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { RateBook } from './rate.js';
import { readRateBook } from './rate-table.repository.js';

/** The catalogue version and the database it belongs to (one process may serve several, as tests do). */
export const rateCatalogVersionSql: RawBuilder<string> = sql<string>`(SELECT version::text || '@' || current_database() FROM rate_catalog)`;

const cached = new Map<string, RateBook>();

/** The rate book of `version`: the cached one, else read now (one statement, once per change). */
export async function rateBookAt(db: DbOrTrx, version: string): Promise<RateBook> {
  const database = version.slice(version.indexOf('@') + 1);
  const book = cached.get(database);
  if (book && book.version === version) return book;
  const fresh = await readRateBook(db);
  cached.set(database, fresh);
  return fresh;
}

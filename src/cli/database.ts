import type { Config } from '../config.js';
import { locateDatabase } from '../db/connect.js';
import { createDatabase, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

/** Runs a CLI command against the database (migrated first), then closes everything it opened. */
export async function withDatabase<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const location = await locateDatabase(config, {
    log: () => undefined,
    notice: (line) => console.error(line),
    shareWithRunningServer: true,
  });
  const database = createDatabase(location.url, { poolMax: 4, applicationName: 'ordo-cli' });
  try {
    await migrateToLatest(database.db);
    return await work(database.db);
  } finally {
    await database.close();
    await location.stop();
  }
}

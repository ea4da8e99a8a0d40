/**
 * `ordo serve` on a data folder whose `postmaster.pid` or `ordo.lock` names a pid that is not what it was: an
 * unrelated live process (after a reboot or pid reuse) or a zombie (killed, never reaped). Ordo must never signal such
 * a process, and must start. Real processes throughout; needs `npm run build` (npm test runs it first).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOrdoServer, type OrdoServer } from './ordo-process.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordo-stale-'));
chmodSync(dir, 0o755);
const dataDir = path.join(dir, 'data');
const pgDir = path.join(dataDir, 'postgres');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

type Server = OrdoServer;
const startServer = (): Promise<Server> => startOrdoServer(dataDir, children);

async function stopServer(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}

/**
 * Processes of the user PostgreSQL runs as (`postgres` when Ordo runs as root, else our own): PostgreSQL can signal
 * those, so it takes a pid of theirs in postmaster.pid for a running server unless Ordo clears the file.
 */
function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A live process unrelated to Ordo. */
function unrelatedProcess(): ChildProcess {
  const child = spawn('sleep', ['300'], { stdio: 'ignore', ...postgresUser() });
  children.push(child);
  return child;
}

/** A real zombie: `sleep 0.1` whose parent (bash replaced by `sleep 300`) never waits for it. */
async function zombie(): Promise<number> {
  const parent = spawn('bash', ['-c', 'sleep 0.1 & echo $!; exec sleep 300'], { stdio: ['ignore', 'pipe', 'ignore'], ...postgresUser() });
  children.push(parent);
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return pid;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** postmaster.pid as a postmaster writes it: pid, data folder, start time, port, socket folder, listen address. */
function writePostmasterPid(pid: number): void {
  writeFileSync(path.join(pgDir, 'postmaster.pid'), `${pid}\n${pgDir}\n${Math.floor(Date.now() / 1000)}\n5432\n\n127.0.0.1\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', path.join(pgDir, 'postmaster.pid')]);
}

describe('ordo serve with files left by an earlier run', () => {
  beforeAll(async () => {
    // A stopped data folder with an initialised cluster.
    await stopServer(await startServer());
    expect(existsSync(path.join(pgDir, 'postmaster.pid'))).toBe(false);
  }, 120_000);

  it('leaves alone an unrelated live process named in postmaster.pid, and starts', async () => {
    const bystander = unrelatedProcess();
    writePostmasterPid(bystander.pid!);

    const server = await startServer();
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    expect(isRunning(bystander)).toBe(true);
    expect(server.output()).not.toContain('stopping PostgreSQL');
    expect(server.output()).toContain(`pid ${bystander.pid} runs sleep, not PostgreSQL`);
    await stopServer(server);
    expect(isRunning(bystander)).toBe(true);
  }, 120_000);

  it('takes over an ordo.lock naming an unrelated live process, in the old and the new format, and says why', async () => {
    const bystander = unrelatedProcess();
    const lockPath = path.join(dataDir, 'ordo.lock');

    writeFileSync(lockPath, `${bystander.pid}\n`); // the old format: a pid only
    let server = await startServer();
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    expect(server.output()).toContain(`taking over the stale lock ${lockPath}: pid ${bystander.pid} runs sleep, not an Ordo server`);
    // The new lock records the owner's start time beside its pid.
    expect(readFileSync(lockPath, 'utf8')).toMatch(new RegExp(`^${server.child.pid}\\n\\d+\\n$`));
    await stopServer(server);
    expect(existsSync(lockPath)).toBe(false);

    // The new format, whose pid was reused by another process: its start time differs.
    writeFileSync(lockPath, `${bystander.pid}\n1\n`);
    server = await startServer();
    expect(server.output()).toContain(`pid ${bystander.pid} is now another process (sleep,`);
    await stopServer(server);
    expect(isRunning(bystander)).toBe(true);
  }, 120_000);

  it('treats a zombie named in postmaster.pid or ordo.lock as dead', async () => {
    writePostmasterPid(await zombie());
    let server = await startServer();
    expect(server.output()).not.toContain('stopping PostgreSQL');
    expect(server.output()).toMatch(/removing the stale .*postmaster\.pid: pid \d+ has exited \(a zombie/);
    await stopServer(server);

    const lockPid = await zombie();
    writeFileSync(path.join(dataDir, 'ordo.lock'), `${lockPid}\n`);
    server = await startServer();
    expect(server.output()).toContain(`pid ${lockPid} has exited (a zombie`);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    await stopServer(server);
  }, 180_000);
});

/**
 * What the operating system says about a pid read from a file an earlier run left behind (`ordo.lock`,
 * `postmaster.pid`). A pid alone proves little: after a reboot or once the pid counter wraps (32768 on many Linux
 * machines) it names some unrelated process, and a killed process stays in the table as a zombie until its parent
 * reaps it. On Linux /proc tells which process it is; elsewhere only "a process with this pid exists" is known, and
 * callers must then assume the worst.
 */
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export type ProcessSnapshot =
  | { state: 'gone' }
  /** Exited but not yet reaped by its parent: it runs nothing and holds nothing, yet `kill(pid, 0)` succeeds. */
  | { state: 'zombie' }
  /** `details` is missing where there is no /proc (macOS) or it could not be read. */
  | { state: 'running'; details?: ProcessDetails };

export interface ProcessDetails {
  /** Clock ticks after boot at which it started (/proc/<pid>/stat field 22): with the pid, one process per boot. */
  startTicks: string;
  /** Its command line; empty when unreadable. */
  argv: string[];
  /** Its working directory; undefined when unreadable. */
  cwd?: string;
}

const hasProcfs = existsSync('/proc/self/stat');

export function inspectProcess(pid: number): ProcessSnapshot {
  // kill(0, …) and kill(-1, …) address process groups and every process: a file saying "0" names nobody.
  if (!Number.isSafeInteger(pid) || pid <= 0 || !exists(pid)) return { state: 'gone' };
  if (!hasProcfs) return { state: 'running' };
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { state: 'gone' } : { state: 'running' };
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count fields from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return { state: 'zombie' };
  const startTicks = fields[19];
  if (!startTicks) return { state: 'running' };
  return { state: 'running', details: { startTicks, argv: readArgv(pid), cwd: readCwd(pid) } };
}

/** Start ticks of this process, to record beside its pid; undefined without /proc. */
export function ownStartTicks(): string | undefined {
  const me = inspectProcess(process.pid);
  return me.state === 'running' ? me.details?.startTicks : undefined;
}

/**
 * The program a process runs, for log lines: its name only, since the arguments of an unrelated process may hold
 * secrets.
 */
export function programName(details: ProcessDetails): string {
  const first = details.argv[0];
  return first ? path.basename(first) : 'an unreadable program';
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readArgv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function readCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * One Ordo server per data folder. `ordo.lock` names its owner as "<pid>\n<start ticks>\n" (older versions wrote only
 * the pid; both are read, and an older Ordo still finds the pid on the first line). The lock is held only while that
 * very process runs: a pid that is gone, a zombie, or reused by another process (its start time differs) leaves a
 * stale lock, which is taken over and logged. Where there is no /proc to tell, a live pid counts as the owner.
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspectProcess, ownStartTicks, programName } from './os-process.js';

export class DataDirLockedError extends Error {}

type Verdict = { held: true; pid: number; unverified: boolean } | { held: false; reason: string };

/** Takes the lock or throws DataDirLockedError; returns the function that releases it. */
export function acquireDataDirLock(lockPath: string, notice: (line: string) => void): () => void {
  const ticks = ownStartTicks();
  const content = `${process.pid}\n${ticks === undefined ? '' : `${ticks}\n`}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusively(lockPath, content)) return () => release(lockPath, content);
    let existing: string;
    try {
      existing = readFileSync(lockPath, 'utf8');
    } catch {
      continue; // released between our attempt and the read
    }
    const verdict = judge(existing);
    if (verdict.held) {
      throw new DataDirLockedError(
        `the data folder ${path.dirname(lockPath)} is in use by another Ordo server (pid ${verdict.pid}); ` +
          'stop it first, or set ORDO_DATA_DIR to another folder' +
          (verdict.unverified ? `; if no Ordo server runs on it, delete ${lockPath}` : ''),
      );
    }
    notice(`taking over the stale lock ${lockPath}: ${verdict.reason}`);
    rmSync(lockPath, { force: true });
  }
  throw new DataDirLockedError(`could not take the lock ${lockPath}`);
}

/** Who holds a lock file with this content. */
function judge(content: string): Verdict {
  const stale = (reason: string): Verdict => ({ held: false, reason });
  const [pidLine = '', ticksLine = ''] = content.split('\n');
  const pid = /^\d+$/.test(pidLine.trim()) ? Number(pidLine.trim()) : NaN;
  const recordedTicks = ticksLine.trim() || undefined;
  if (!Number.isSafeInteger(pid) || pid <= 0) return stale(`it names no pid (${JSON.stringify(content.slice(0, 40))})`);
  // A restarted container runs Ordo under the same pid again: the lock is from an earlier life of this pid.
  if (pid === process.pid) return stale(`it names pid ${pid}, this process itself (left by an earlier run)`);
  const found = inspectProcess(pid);
  if (found.state === 'gone') return stale(`pid ${pid} is not running`);
  if (found.state === 'zombie') return stale(`pid ${pid} has exited (a zombie its parent has not reaped)`);
  const { details } = found;
  if (!details) return { held: true, pid, unverified: true };
  if (recordedTicks !== undefined) {
    if (recordedTicks === details.startTicks) return { held: true, pid, unverified: false };
    return stale(
      `pid ${pid} is now another process (${programName(details)}, started at clock tick ${details.startTicks}; ` +
        `the lock's owner started at tick ${recordedTicks})`,
    );
  }
  // A lock in the old format (pid only): its owner was a node process running Ordo.
  if (details.argv.length === 0 || isOrdoLike(details.argv)) return { held: true, pid, unverified: true };
  return stale(`pid ${pid} runs ${programName(details)}, not an Ordo server`);
}

function isOrdoLike(argv: string[]): boolean {
  return /^node/.test(path.basename(argv[0] ?? '')) || argv.some((arg) => /ordo/i.test(arg));
}

/**
 * Creates the lock with its content in one step (write a private file, then hard-link it into place), so another
 * starter never reads a lock that exists but is still empty and judges it stale.
 */
function createExclusively(lockPath: string, content: string): boolean {
  const draft = `${lockPath}.${process.pid}.tmp`;
  writeFileSync(draft, content);
  try {
    linkSync(draft, lockPath);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(draft, { force: true });
  }
}

function release(lockPath: string, content: string): void {
  try {
    if (readFileSync(lockPath, 'utf8') === content) rmSync(lockPath, { force: true });
  } catch {
    // already gone
  }
}

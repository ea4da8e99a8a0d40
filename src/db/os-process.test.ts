import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectProcess, ownStartTicks } from './os-process.js';

describe('inspectProcess', () => {
  it('names nobody for 0 and negative pids, which kill() would read as process groups or every process', () => {
    for (const pid of [0, -1, -2, Number.NaN]) expect(inspectProcess(pid)).toEqual({ state: 'gone' });
  });

  it.runIf(process.platform === 'linux')('tells a running process by its start time, program and folder', () => {
    const me = inspectProcess(process.pid);
    expect(me.state).toBe('running');
    if (me.state !== 'running') return;
    expect(me.details?.startTicks).toBe(ownStartTicks());
    expect(path.basename(me.details?.argv[0] ?? '')).toMatch(/^node/);
    expect(me.details?.cwd).toBe(process.cwd());
  });

  it.runIf(process.platform === 'linux')('sees a child that exited but was not reaped as a zombie', async () => {
    // Node reaps its children on exit; a bash that execs `sleep` keeps its own child unreaped.
    const parent = spawn('bash', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    while (inspectProcess(pid).state === 'running') await new Promise((r) => setTimeout(r, 20));
    expect(inspectProcess(pid)).toEqual({ state: 'zombie' });
    parent.kill('SIGKILL');
  });

  it('sees a child that exited and was reaped as gone', async () => {
    const child = spawn('true');
    await new Promise((r) => child.once('exit', r));
    expect(inspectProcess(child.pid!)).toEqual({ state: 'gone' });
  });
});

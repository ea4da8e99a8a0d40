/** `ordo serve` as a real process for tests: started on a data folder, answered once it logs the URL it listens on. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ordoBin = path.resolve('bin/ordo.js');

export interface OrdoServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `ordo serve` on the embedded database in `dataDir`; the child is added to `children` for the file's cleanup. */
export function startOrdoServer(dataDir: string, children: ChildProcess[]): Promise<OrdoServer> {
  const child = spawn(process.execPath, [ordoBin, 'serve'], {
    env: { ...process.env, DATABASE_URL: '', ORDO_DATA_DIR: dataDir, PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 60 s:\n${out}`)), 60_000);
    const poll = setInterval(() => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out, exited });
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

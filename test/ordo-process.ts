/** `ordo serve` and `ordo relay` as real processes for tests: started on a data folder, answered once they say they run. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ordoBin = path.resolve('bin/ordo.js');

export interface OrdoServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

export type OrdoRelay = Omit<OrdoServer, 'url'>;

/** Starts `ordo serve` on the embedded database in `dataDir`; the child is added to `children` for the file's cleanup. */
export async function startOrdoServer(dataDir: string, children: ChildProcess[], env: Record<string, string> = {}): Promise<OrdoServer> {
  const started = await startOrdo('serve', /"url":"(http:\/\/127\.0\.0\.1:\d+)"/, dataDir, children, env);
  return { ...started.process, url: started.match };
}

/** Starts `ordo relay` on `dataDir` (beside a server there, it shares the server's embedded database). */
export async function startOrdoRelay(dataDir: string, children: ChildProcess[], env: Record<string, string> = {}): Promise<OrdoRelay> {
  return (await startOrdo('relay', /"msg":"(Ordo relay is running)"/, dataDir, children, env)).process;
}

function startOrdo(command: string, ready: RegExp, dataDir: string, children: ChildProcess[], env: Record<string, string>): Promise<{ process: OrdoRelay; match: string }> {
  const child = spawn(process.execPath, [ordoBin, command], {
    env: { ...process.env, DATABASE_URL: '', ORDO_DATA_DIR: dataDir, PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ordo ${command}: not ready within 60 s:\n${out}`)), 60_000);
    const poll = setInterval(() => {
      const m = ready.exec(out);
      if (m?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ process: { child, output: () => out, exited }, match: m[1] });
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`ordo ${command} exited with ${code}:\n${out}`));
    });
  });
}

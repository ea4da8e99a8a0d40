/**
 * CPU over a measured window, for the load runners (lib.ts runLoad, floor.ts runFloor). A module of its own that loads
 * nothing at run time, because floor.ts also runs as a worker thread and lib.ts loads the whole server.
 */
import type { CpuProbe } from './lib.js';

/**
 * The CPU `probes` use between `start()` and `end()` (a load's measured window), in cores: 1.0 is one core busy the
 * whole window; NaN for a probe that cannot tell, or before both ends were read.
 */
export function cpuWindow(probes: Record<string, CpuProbe>): { start(): void; end(): void; cores(): Record<string, number> } {
  const read = () => Object.fromEntries(Object.entries(probes).map(([name, probe]) => [name, probe()]));
  let atStart: Record<string, number> = {};
  let atEnd: Record<string, number> = {};
  let startedAt = 0;
  let windowMs = Number.NaN;
  return {
    start() {
      atStart = read();
      startedAt = performance.now();
    },
    end() {
      atEnd = read();
      windowMs = performance.now() - startedAt;
    },
    cores: () => Object.fromEntries(Object.keys(probes).map((name) => [
      name, ((atEnd[name] ?? Number.NaN) - (atStart[name] ?? Number.NaN)) / (windowMs / 1000),
    ])),
  };
}

import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7, validate, version } from 'uuid';

/**
 * Ids are UUIDv7, made in the application so that a use case knows its ids before it writes (one statement can then
 * insert a row and its children) and time-ordered so that primary-key indexes stay compact.
 *
 * The random bits come from a pool filled 4 kB at a time (as Node's own `crypto.randomUUID` does): the uuid library
 * asks the operating system for 16 bytes per id, which a CPU profile of capture showed as its largest single cost
 * (about a tenth of the server thread under load). The pool does not change what an id is; the millisecond and the
 * counter within it are kept as the library keeps them, so ids made one after another still sort in that order.
 */
export const newId = (): string => {
  const now = Date.now();
  const random = randomBytesFromPool(16);
  if (now > state.msecs) {
    state.msecs = now;
    // The library's own start of a millisecond's counter: 31 random bits.
    state.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs++;
  }
  return uuidv7({ random, msecs: state.msecs, seq: state.seq });
};
const state = { msecs: -Infinity, seq: 0 };

export const isUuid = (value: string): boolean => validate(value) && version(value) >= 1;

const pool = Buffer.allocUnsafe(4096);
let used = pool.length;

/** `n` (≤ 4096) cryptographically random bytes, from a pool refilled by the operating system when it runs out. */
export function randomBytesFromPool(n: number): Uint8Array {
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, used + n);
  used += n;
  return bytes;
}

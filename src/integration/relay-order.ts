/**
 * The relay's order over the outbox (ADR 0010): by (tx, id), the writing transaction's id and the row's id. A reader
 * takes only rows whose transaction is below its snapshot's xmin (every transaction below it has ended), so what is
 * behind a key never changes after it was read: a cursor is such a key. `{ tx: xmin, id: 0 }` is "everything that
 * had ended when the snapshot was taken" (every row's id is above 0).
 */
export interface RelayKey {
  /** The writing transaction's id, an xid8 (64 bits: kept as its decimal text). */
  tx: string;
  id: number;
}

/** The live stream's `id`: `tx.id`. */
export const formatKey = (k: RelayKey): string => `${k.tx}.${k.id}`;

export const keyPattern = '^[0-9]{1,20}\\.[0-9]{1,19}$';

export function parseKey(text: string): RelayKey | null {
  const m = /^([0-9]{1,20})\.([0-9]{1,19})$/.exec(text);
  if (!m) return null;
  const id = Number(m[2]);
  return Number.isSafeInteger(id) ? { tx: BigInt(m[1]!).toString(), id } : null;
}

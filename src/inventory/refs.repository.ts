/**
 * Inventory requests name SKUs, locations and channels by id or by code (what ERPs and people use). Codes never
 * change once made, so a resolved code is cached for the life of the process; unknown ones are not cached.
 */
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';

export type RefKind = 'sku' | 'location' | 'channel';
const tables = { sku: 'skus', location: 'locations', channel: 'channels' } as const;
const labels = { sku: 'SKU', location: 'location', channel: 'channel' } as const;

/**
 * A resolved SKU, location or channel; made once and kept: `json` is its code as a JSON string (answers list codes),
 * `bytes` its id's bytes (uuidBytes, for binary array parameters).
 */
export interface Resolved { id: string; code: string; json?: string; bytes?: string }

/**
 * Per kind: id or code → the resolved row. A plain Map, oldest entry out when full: codes never change, so nothing
 * goes stale, and a lookup is one hash probe (an LRU's bookkeeping was a fifth of a 1,000-SKU availability call).
 */
class RefCache {
  private readonly map = new Map<string, Resolved>();
  constructor(private readonly max: number) {}
  get(ref: string): Resolved | undefined {
    return this.map.get(ref);
  }
  set(ref: string, resolved: Resolved): void {
    if (this.map.size >= this.max && !this.map.has(ref)) this.map.delete(this.map.keys().next().value as string);
    this.map.set(ref, resolved);
  }
}
const caches: Record<RefKind, RefCache> = { sku: new RefCache(200_000), location: new RefCache(10_000), channel: new RefCache(10_000) };

export interface ResolvedRefs {
  sku(ref: string): string;
  location(ref: string): string;
  channel(ref: string): string;
  /** The code of a resolved id (for answers that show codes). */
  code(kind: RefKind, id: string): string;
  /** The resolved row of a ref given in the request (its id, code, and code as JSON). */
  resolved(kind: RefKind, ref: string): Resolved;
}

/**
 * The distinct rows a list of refs of one kind names, in the order first named (a row named by its code and by its id
 * counts once), when every ref is cached; else null (resolveRefs then asks the database). One cache probe per ref:
 * the general path's per-request maps cost about as much again for the 1,000 SKUs of an availability call. Both refs
 * of a row are always cached with the same object, so a row named twice is found twice as itself.
 */
export function cachedDistinct(kind: RefKind, refs: readonly string[]): Resolved[] | null {
  const cache = caches[kind];
  const rows: Resolved[] = [];
  const seen = new Set<Resolved>();
  for (const ref of refs) {
    const row = cache.get(ref);
    if (!row) return null;
    if (!seen.has(row)) {
      seen.add(row);
      rows.push(row);
    }
  }
  return rows;
}

/** Resolves every ref in one query; an unknown one is a 404 naming it (all of them, when several are unknown). */
export async function resolveRefs(db: DbOrTrx, wanted: Partial<Record<RefKind, readonly string[]>>): Promise<ResolvedRefs> {
  // Per kind: ref → its row (null: asked, not found yet).
  const found: Record<RefKind, Map<string, Resolved | null>> = { sku: new Map(), location: new Map(), channel: new Map() };
  const parts = [];
  for (const kind of ['sku', 'location', 'channel'] as const) {
    const cache = caches[kind];
    const asked = found[kind];
    const ids: string[] = [];
    const codes: string[] = [];
    for (const ref of wanted[kind] ?? []) {
      const hit = cache.get(ref);
      if (hit) {
        asked.set(ref, hit);
      } else if (!asked.has(ref)) {
        // Marked as asked (and as missing until the query finds it); a code may look like a UUID: ask for both.
        asked.set(ref, null);
        if (isUuid(ref)) ids.push(ref);
        codes.push(ref);
      }
    }
    if (ids.length + codes.length === 0) continue;
    parts.push(sql`SELECT ${kind}::text AS kind, id::text AS id, code FROM ${sql.table(tables[kind])}
                   WHERE id = ANY(${ids}::uuid[]) OR code = ANY(${codes}::text[])`);
  }
  if (parts.length > 0) {
    const rows = await sql<{ kind: RefKind; id: string; code: string }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
    for (const row of rows.rows) {
      const resolved: Resolved = { id: row.id, code: row.code };
      for (const ref of [row.id, row.code]) {
        if (found[row.kind].has(ref)) found[row.kind].set(ref, resolved);
        caches[row.kind].set(ref, resolved);
      }
    }
  }
  const missing: { kind: RefKind; ref: string }[] = [];
  for (const kind of ['sku', 'location', 'channel'] as const) {
    for (const [ref, row] of found[kind]) if (row === null) missing.push({ kind, ref });
  }
  if (missing.length > 0) {
    const list = missing.map((m) => `${labels[m.kind]} "${m.ref}"`).join(', ');
    throw new AppError('not_found', `unknown ${list}: create it first, or check the id or code`, { missing });
  }
  const get = (kind: RefKind) => (ref: string) => found[kind].get(ref)?.id ?? '';
  // id → code, made only when asked: most callers need ids alone.
  const byId: Partial<Record<RefKind, Map<string, string>>> = {};
  const code = (kind: RefKind, id: string) => {
    let codes = byId[kind];
    if (!codes) {
      codes = new Map();
      for (const row of found[kind].values()) if (row) codes.set(row.id, row.code);
      byId[kind] = codes;
    }
    return codes.get(id) ?? '';
  };
  const resolved = (kind: RefKind, ref: string): Resolved => {
    const row = found[kind].get(ref);
    if (!row) throw new Error(`${labels[kind]} "${ref}" was not asked for`);
    return row;
  };
  return { sku: get('sku'), location: get('location'), channel: get('channel'), code, resolved };
}

/**
 * Inventory requests name SKUs, locations and channels by id or by code (what ERPs and people use). Codes never
 * change once made, so a resolved code is cached for the life of the process; unknown ones are not cached.
 */
import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { DbOrTrx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';

export type RefKind = 'sku' | 'location' | 'channel';
const tables = { sku: 'skus', location: 'locations', channel: 'channels' } as const;
const labels = { sku: 'SKU', location: 'location', channel: 'channel' } as const;

/** Per kind: id or code → the resolved row (one lookup per ref; 1,000 refs a call are common). */
interface Resolved { id: string; code: string }
const caches: Record<RefKind, LRUCache<string, Resolved>> = {
  sku: new LRUCache({ max: 200_000 }), location: new LRUCache({ max: 10_000 }), channel: new LRUCache({ max: 10_000 }),
};

export interface ResolvedRefs {
  sku(ref: string): string;
  location(ref: string): string;
  channel(ref: string): string;
  /** The code of a resolved id (for answers that show codes). */
  code(kind: RefKind, id: string): string;
}

/** Resolves every ref in one query; an unknown one is a 404 naming it (all of them, when several are unknown). */
export async function resolveRefs(db: DbOrTrx, wanted: Partial<Record<RefKind, readonly string[]>>): Promise<ResolvedRefs> {
  // Per kind: ref → id, and id → code.
  const found: Record<RefKind, Map<string, string>> = { sku: new Map(), location: new Map(), channel: new Map() };
  const codes_: Record<RefKind, Map<string, string>> = { sku: new Map(), location: new Map(), channel: new Map() };
  const parts = [];
  for (const kind of ['sku', 'location', 'channel'] as const) {
    const cache = caches[kind];
    const ids: string[] = [];
    const codes: string[] = [];
    for (const ref of wanted[kind] ?? []) {
      if (found[kind].has(ref)) continue;
      const hit = cache.get(ref);
      if (hit) {
        found[kind].set(ref, hit.id);
        codes_[kind].set(hit.id, hit.code);
      } else {
        // Marked as asked (and as missing until the query finds it); a code may look like a UUID: ask for both.
        found[kind].set(ref, '');
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
      const resolved = { id: row.id, code: row.code };
      for (const ref of [row.id, row.code]) {
        if (found[row.kind].has(ref)) found[row.kind].set(ref, row.id);
        caches[row.kind].set(ref, resolved);
      }
      codes_[row.kind].set(row.id, row.code);
    }
  }
  const missing: { kind: RefKind; ref: string }[] = [];
  for (const kind of ['sku', 'location', 'channel'] as const) {
    for (const [ref, id] of found[kind]) if (id === '') missing.push({ kind, ref });
  }
  if (missing.length > 0) {
    const list = missing.map((m) => `${labels[m.kind]} "${m.ref}"`).join(', ');
    throw new AppError('not_found', `unknown ${list}: create it first, or check the id or code`, { missing });
  }
  const get = (kind: RefKind) => (ref: string) => found[kind].get(ref) ?? '';
  return { sku: get('sku'), location: get('location'), channel: get('channel'), code: (kind, id) => codes_[kind].get(id) ?? '' };
}

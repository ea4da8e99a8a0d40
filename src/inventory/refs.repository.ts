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

const cache = new LRUCache<string, string>({ max: 200_000 });

export interface ResolvedRefs {
  sku(ref: string): string;
  location(ref: string): string;
  channel(ref: string): string;
  /** The code of a resolved id (for answers that show codes). */
  code(kind: RefKind, id: string): string;
}

/** Resolves every ref in one query; an unknown one is a 404 naming it (all of them, when several are unknown). */
export async function resolveRefs(db: DbOrTrx, wanted: Partial<Record<RefKind, readonly string[]>>): Promise<ResolvedRefs> {
  const found = new Map<string, string>();
  const codes_ = new Map<string, string>();
  const missing: { kind: RefKind; ref: string }[] = [];
  const parts = [];
  for (const kind of ['sku', 'location', 'channel'] as const) {
    const refs = [...new Set(wanted[kind] ?? [])];
    const ids: string[] = [];
    const codes: string[] = [];
    for (const ref of refs) {
      const key = `${kind}:${ref}`;
      const hit = cache.get(key);
      const hitCode = hit ? cache.get(`${kind}#${hit}`) : undefined;
      if (hit && hitCode) {
        found.set(key, hit);
        codes_.set(`${kind}#${hit}`, hitCode);
      }
      else {
        // A code may look like a UUID; asking for both costs nothing.
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
      found.set(`${row.kind}:${row.id}`, row.id);
      found.set(`${row.kind}:${row.code}`, row.id);
      codes_.set(`${row.kind}#${row.id}`, row.code);
      cache.set(`${row.kind}:${row.code}`, row.id);
      cache.set(`${row.kind}:${row.id}`, row.id);
      cache.set(`${row.kind}#${row.id}`, row.code);
    }
  }
  for (const kind of ['sku', 'location', 'channel'] as const) {
    for (const ref of new Set(wanted[kind] ?? [])) if (!found.has(`${kind}:${ref}`)) missing.push({ kind, ref });
  }
  if (missing.length > 0) {
    const list = missing.map((m) => `${labels[m.kind]} "${m.ref}"`).join(', ');
    throw new AppError('not_found', `unknown ${list}: create it first, or check the id or code`, { missing });
  }
  const get = (kind: RefKind) => (ref: string) => found.get(`${kind}:${ref}`) ?? '';
  return { sku: get('sku'), location: get('location'), channel: get('channel'), code: (kind, id) => codes_.get(`${kind}#${id}`) ?? '' };
}

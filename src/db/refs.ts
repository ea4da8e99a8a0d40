/**
 * A reference names a row by its code or by its id — what ERPs and people use. One rule everywhere: a reference
 * matches the row whose code it is, or whose id it is when it is a UUID (a code may look like one; asking for both
 * costs nothing). `splitRefs` for lists, `codeOrId` for one reference in SQL.
 */
import { sql, type RawBuilder } from 'kysely';
import { isUuid } from '../shared/ids.js';

/** The distinct references, and those of them that can be ids (lower-cased). */
export function splitRefs(values: Iterable<string | null | undefined>): { codes: string[]; ids: string[] } {
  const codes = [...new Set([...values].filter((v): v is string => typeof v === 'string'))];
  return { codes, ids: codes.filter(isUuid).map((v) => v.toLowerCase()) };
}

/** `code = ref OR id = ref` for a table (or alias) with `code` and `id` columns. */
export const codeOrId = (ref: string, alias?: string): RawBuilder<boolean> => {
  const col = (name: string) => sql.ref(alias ? `${alias}.${name}` : name);
  return sql<boolean>`(${col('code')} = ${ref} OR ${col('id')} = ${isUuid(ref) ? ref.toLowerCase() : null}::uuid)`;
};

/**
 * A uuid[] parameter written out as its text (`{a,b}`): ids come from the database, so nothing needs quoting, and
 * pg's array escaping of thousands of elements one by one is skipped.
 */
export const uuidArray = (ids: readonly string[]): string => `{${ids.join(',')}}`;

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

const UUID_OID = 2950;

/** A UUID's 16 bytes as a latin1 string (one character per byte): made once per id and kept, see uuidArrayBinary. */
export function uuidBytes(id: string): string {
  const bytes = Buffer.from(id.replaceAll('-', ''), 'hex');
  if (id.length !== 36 || bytes.length !== 16) throw new TypeError(`not a UUID: ${id}`);
  return bytes.toString('latin1');
}

/**
 * A uuid[] parameter in PostgreSQL's binary array format, from ids as uuidBytes made them (node-postgres sends a
 * Buffer as a binary parameter): PostgreSQL copies 16 bytes per id instead of parsing an array literal, which for
 * 1,000 ids was about 0.5 ms of its CPU per statement. Making the bytes from the text costs Node about as much
 * (0.3 ms for 1,000 ids), hence kept per id. The statement must give the parameter its type (`$1::uuid[]`): a binary
 * value carries no type PostgreSQL could infer.
 */
export function uuidArrayBinary(idBytes: readonly string[]): Buffer {
  // array_send's layout: dimensions, has-nulls flag, element type; per dimension its length and lower bound; then
  // per element its length (16) and its bytes.
  if (idBytes.length === 0) return Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, UUID_OID >> 8, UUID_OID & 0xff]); // no dimensions
  const out = Buffer.allocUnsafe(20 + idBytes.length * 20);
  out.writeInt32BE(1, 0);
  out.writeInt32BE(0, 4);
  out.writeUInt32BE(UUID_OID, 8);
  out.writeInt32BE(idBytes.length, 12);
  out.writeInt32BE(1, 16);
  const written = out.write(`\0\0\0\x10${idBytes.join('\0\0\0\x10')}`, 20, 'latin1');
  if (written !== idBytes.length * 20) throw new TypeError('uuidArrayBinary takes 16-byte ids made by uuidBytes');
  return out;
}

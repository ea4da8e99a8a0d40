/** Schemas shared by every module's routes. */
import { Type, type TSchema } from 'typebox';
import { invalidField } from '../shared/errors.js';

export const Id = Type.String({ format: 'uuid', description: 'Ordo id (UUIDv7)' });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

/** Codes of SKUs, locations, channels…: what people type and ERPs send. */
export const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$' });
export const Name = Type.String({ minLength: 1, maxLength: 300 });

export const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });
export const MinorUnits = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Integer count of the currency\'s minor units (cents)',
});
export const Money = Type.Object(
  { amountMinor: MinorUnits, currency: CurrencyCode },
  { additionalProperties: false },
);

export const Timestamp = Type.String({ format: 'date-time' });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    next: Nullable(Type.String({ description: 'URL of the next page; null on the last page' })),
  });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable, machine-readable error code' }),
    detail: Type.String({ description: 'What went wrong and what to fix' }),
    requestId: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: 'One entry per invalid field (validation errors)',
      }),
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

export const IfMatch = Type.Object({
  'if-match': Type.Optional(
    Type.String({ pattern: '^"?\\d+"?$', description: 'The version you last saw; if the resource has moved on, the change is a 409' }),
  ),
});

/** The largest version a resource can reach: versions are PostgreSQL `integer` columns. */
export const MAX_VERSION = 2_147_483_647;

/**
 * The If-Match version, or undefined without the header. A number no resource can be at (past MAX_VERSION) is the
 * caller's mistake, a 400 quoting the header as sent, not a comparison that overflows the column (a 500).
 */
export function expectedVersion(headers: { 'if-match'?: string }): number | undefined {
  const sent = headers['if-match'];
  if (sent === undefined) return undefined;
  const version = Number(sent.replaceAll('"', ''));
  if (!Number.isSafeInteger(version) || version > MAX_VERSION) {
    throw invalidField('/headers/if-match', `If-Match: ${sent} is no version Ordo gives out (versions are whole numbers up to ${MAX_VERSION}); send the version you last read`);
  }
  return version;
}

/** A SKU (stock-keeping unit): the thing Ordo counts, reserves and ships. Types and pure rules; no I/O. */
import { Type, type Static } from 'typebox';
import { Code, CurrencyCode, Id, MinorUnits, Money, Name, Nullable, Timestamp } from '../http/schemas.js';
import { isCurrency } from '../shared/money.js';
import type { FieldError } from '../shared/errors.js';

const Dimensions = Type.Object(
  {
    lengthMm: Type.Integer({ minimum: 0, maximum: 100_000 }),
    widthMm: Type.Integer({ minimum: 0, maximum: 100_000 }),
    heightMm: Type.Integer({ minimum: 0, maximum: 100_000 }),
  },
  { additionalProperties: false },
);

/** Free-form attributes (colour, size…): flat, scalar values, bounded so that a SKU stays a small row. */
const Attributes = Type.Record(
  Type.String({ minLength: 1, maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]),
  { maxProperties: 50 },
);

const editable = {
  name: Name,
  barcode: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' }))),
  weightGrams: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000_000 }))),
  dimensions: Type.Optional(Nullable(Dimensions)),
  price: Type.Optional(Nullable(Money)),
  active: Type.Optional(Type.Boolean()),
  attributes: Type.Optional(Attributes),
};

export const SkuInput = Type.Object({ code: Code, ...editable }, { additionalProperties: false });
export type SkuInput = Static<typeof SkuInput>;

export const SkuPatch = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 });
export type SkuPatch = Static<typeof SkuPatch>;

export const Sku = Type.Object({
  id: Id,
  code: Type.String(),
  name: Type.String(),
  barcode: Nullable(Type.String()),
  weightGrams: Nullable(Type.Integer()),
  dimensions: Nullable(Dimensions),
  price: Nullable(Type.Object({ amountMinor: MinorUnits, currency: CurrencyCode })),
  active: Type.Boolean(),
  attributes: Attributes,
  version: Type.Integer({ description: 'Goes up by one on every change' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Sku = Static<typeof Sku>;

/** Checks the schema cannot express: that a currency code is a real ISO 4217 currency. */
export function checkSku(input: Partial<SkuInput>, path = '/body'): FieldError[] {
  const errors: FieldError[] = [];
  if (input.price && !isCurrency(input.price.currency)) {
    errors.push({ path: `${path}/price/currency`, message: `"${input.price.currency}" is not an ISO 4217 currency code` });
  }
  return errors;
}

import { Type, type TSchema } from 'typebox';
import { problemResponse } from './openapi.js';

export const MAX_BULK_ITEMS = 1000;

export const BulkRequest = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item, { minItems: 1, maxItems: MAX_BULK_ITEMS }) }, { additionalProperties: false });

export const BulkResult = <T extends TSchema>(resource: T) =>
  Type.Object({
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    items: Type.Array(
      Type.Object({
        code: Type.String(),
        result: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged')]),
        resource: Type.Optional(resource),
      }),
      { description: 'One entry per item, in the order sent' },
    ),
  });

/**
 * The 422 of an all-or-nothing bulk upsert whose items are well-formed but cannot all be saved; an item the schema
 * rejects is a 400 `validation_failed` instead. Either way every bad item is listed and nothing is written.
 */
export const BulkRejected = problemResponse(
  'Well-formed items that cannot all be saved, e.g. the same code twice (`bulk_rejected`): `errors` lists every bad item by index; nothing was written',
);

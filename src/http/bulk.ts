import { Type, type TSchema } from 'typebox';

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

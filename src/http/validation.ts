import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

/**
 * Request validation. Unknown fields are rejected (Fastify's default would silently drop them), every error is
 * reported at once, and types are coerced only where the wire is text: query strings, path parameters and headers.
 * A JSON body's `"5"` is not a number, and `null` never becomes `""`.
 */
export function validatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const base = { removeAdditional: false, allErrors: true, useDefaults: true, strict: false } as const;
  const jsonAjv = addFormats.default(new Ajv({ ...base, coerceTypes: false }));
  const textAjv = addFormats.default(new Ajv({ ...base, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? jsonAjv : textAjv;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<FastifySchema>>;
  };
}

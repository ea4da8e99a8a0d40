import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, FastifySchemaCompiler } from 'fastify';
import { AppError } from '../shared/errors.js';

/**
 * Request validation. Unknown fields are rejected (Fastify's default would silently drop them), every error is
 * reported at once, and types are coerced only where the wire is text: query strings, path parameters and headers.
 * A JSON body's `"5"` is not a number, and `null` never becomes `""`.
 */
export function validatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const base = { removeAdditional: false, allErrors: true, useDefaults: true, strict: false } as const;
  const jsonAjv = storableDates(addFormats.default(new Ajv({ ...base, coerceTypes: false })));
  const textAjv = storableDates(addFormats.default(new Ajv({ ...base, coerceTypes: 'array' })));
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? jsonAjv : textAjv;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<FastifySchema>>;
  };
}

/**
 * `date` and `date-time` as RFC 3339 allows them, and only with a year PostgreSQL can store (0001-9999): year 0000 is
 * valid RFC 3339 but no PostgreSQL date, and would otherwise fail a statement (a 500) instead of the request (a 400).
 */
function storableDates(ajv: Ajv): Ajv {
  for (const name of ['date', 'date-time'] as const) {
    const rfc = ajv.formats[name];
    const valid = typeof rfc === 'object' && 'validate' in rfc ? rfc.validate : rfc;
    if (typeof valid !== 'function') throw new Error(`ajv-formats did not define ${name}`);
    ajv.addFormat(name, (value: string) => (valid as (v: string) => boolean)(value) && !value.startsWith('0000'));
  }
  return ajv;
}

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), and no NUL character in any string: PostgreSQL
 * text cannot hold one, so it would fail a statement (a 500) instead of the request (a 400 naming the field).
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parse(request, body as string, (error, value) => {
      if (error) return done(error);
      // JSON can only carry NUL escaped; look for it only when the escape is there.
      const path = (body as string).includes('\\u0000') ? nulPath(value, '/body') : null;
      if (path) return done(nulError(path));
      return done(null, value);
    });
  });
}

/** The same for the query string and path parameters (`%00`). */
export function refuseNulInUrl(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  const path = nulPath(request.query, '/querystring') ?? nulPath(request.params, '/params');
  done(path ? nulError(path) : undefined);
}

const nulError = (path: string) =>
  new AppError('validation_failed', `${path}: text must not contain the NUL character (\\u0000)`, { errors: [{ path, message: 'contains the NUL character (\\u0000); remove it' }] });

function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulPath(item, `${path}/${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\0') ? `${path}/${key}` : nulPath(item, `${path}/${key}`);
      if (found) return found;
    }
  }
  return null;
}

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
 * JSON bodies as Fastify parses them (prototype poisoning refused), read as UTF-8 only, and with text PostgreSQL can
 * store in every string and object key (`textProblem`): such text would otherwise fail a statement (a 500) or be
 * stored changed (U+FFFD), instead of failing the request (a 400 naming the field).
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return done(new AppError('unsupported_media_type', `the body must be JSON in UTF-8, not ${charset}: send Content-Type: application/json (or application/json; charset=utf-8)`));
    }
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new AppError('malformed_json', 'the body is not valid UTF-8; send JSON encoded as UTF-8'));
    }
    void parse(request, text, (error, value) => {
      if (error) return done(error);
      // Raw UTF-8 cannot carry NUL or a lone surrogate: only their escapes can. Walk the value only when one is there.
      const bad = /\\u(?:0000|d[89a-f])/i.test(text) ? badTextAt(value, '/body') : null;
      return bad ? done(bad) : done(null, value);
    });
  });
}

/**
 * The same for the query string and path parameters (`%00`). And a query string must be percent-encoded UTF-8, as a
 * path must be (Fastify refuses such a path): the parser keeps an escape it cannot decode as literal text, so `%E9`
 * (Latin-1 é) or `%ED%A0%80` (a lone surrogate's bytes) would otherwise be searched for as those characters.
 */
export function refuseBadTextInUrl(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  done(badQueryEncoding(request.url) ?? badTextAt(request.query, '/querystring') ?? badTextAt(request.params, '/params') ?? undefined);
}

function badQueryEncoding(url: string): AppError | null {
  const query = url.indexOf('?');
  if (query < 0 || !url.includes('%', query)) return null;
  for (const pair of url.slice(query + 1).split('&')) {
    for (const escapes of pair.match(/(?:%[0-9a-f]{2})+/gi) ?? []) {
      try {
        decodeURIComponent(escapes);
      } catch {
        const name = pair.split('=')[0] ?? '';
        const path = `/querystring/${name}`;
        const message = `${escapes} is not percent-encoded UTF-8; encode text as UTF-8 before percent-encoding it`;
        return new AppError('malformed_url', `${path}: ${message}`, { errors: [{ path, message }] });
      }
    }
  }
  return null;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why PostgreSQL cannot store this text as sent, or null. A NUL character: text cannot hold one. A lone UTF-16
 * surrogate (`\ud83d` without its pair, as systems that cut strings in UTF-16 send): it is no character, UTF-8 cannot
 * encode it, and jsonb refuses it while text would store U+FFFD in its place.
 */
export function textProblem(text: string): string | null {
  if (text.includes('\0')) return 'contains the NUL character (\\u0000); remove it';
  const lone = LONE_SURROGATE.exec(text);
  if (lone) return `contains a lone UTF-16 surrogate (\\u${lone[0].charCodeAt(0).toString(16)}) at position ${lone.index}, which is no character; send whole characters (was the text cut in the middle of one?)`;
  return null;
}

/** The first string (or object key) under `value` that PostgreSQL cannot store, as a 400 naming its path. */
function badTextAt(value: unknown, path: string): AppError | null {
  const found = findBadText(value, path);
  if (!found) return null;
  return new AppError('validation_failed', `${found.path}: ${found.message}`, { errors: [found] });
}

function findBadText(value: unknown, path: string): { path: string; message: string } | null {
  if (typeof value === 'string') {
    const message = textProblem(value);
    return message ? { path, message } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findBadText(item, `${path}/${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      const found = keyProblem ? { path: `${path}/${pointerToken(key)}`, message: `the key ${keyProblem}` } : findBadText(item, `${path}/${pointerToken(key)}`);
      if (found) return found;
    }
  }
  return null;
}

/** A key as a JSON pointer token (RFC 6901), with what cannot be stored shown escaped so the path itself is sendable. */
const pointerToken = (key: string) =>
  key.replaceAll('~', '~0').replaceAll('/', '~1').replace(new RegExp(`\0|${LONE_SURROGATE.source}`, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * The OpenAPI 3.1 document is generated from the route schemas (one source of truth) and served at /openapi.json,
 * with an interactive reference at /docs. Every route gets its security and its error responses here, from its
 * declared permission, so no route can be published without them.
 */
import swagger from '@fastify/swagger';
import apiReference from '@scalar/fastify-api-reference';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Problem } from './schemas.js';

/** A documented error answer: `response: { 404: problemResponse('…(`not_found`)') }` on a route's schema. */
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});

/** For routes that look codes up from their body or query (resolveRefs and the like). */
export const unknownRefResponse = (what = 'SKU, location or channel') =>
  problemResponse(`An unknown ${what} in the body or query (\`not_found\`); \`missing\` lists each`);

/** For the all-or-nothing bulk routes. */
export const bulkRejectedResponse = problemResponse('Some items are not valid; nothing was written (`bulk_rejected`); `errors` names every bad item');

const IDEMPOTENCY_KEY = {
  type: 'string',
  description:
    'Makes a retry safe: a repeated request with the same key (1 to 255 printable ASCII characters; a UUID is a good ' +
    'choice) answers what the first one did, with `Idempotent-Replayed: true`, and writes nothing again. The same key ' +
    'with another request is a 409 `idempotency_key_reused`.',
};

/**
 * Adds the standard error responses, the `Idempotency-Key` header and the security requirement to a route's schema.
 * What only some routes answer (a 404 for an unknown code in the body, a 422, a 409 of their own) the route declares
 * in its own `schema.response`; a route's own entry wins over the standard one.
 */
export function documentRoute(route: RouteOptions): void {
  const config = (route.config ?? {}) as { permission?: string; public?: boolean };
  if (!config.public && !config.permission) {
    // Ordo's own API must say who may call it; routes that plugins add (the /docs pages) are open and undocumented.
    if (route.url.startsWith('/v1')) {
      throw new Error(`route ${String(route.method)} ${route.url} declares neither a permission nor public: true`);
    }
    return;
  }
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  if (schema.hide) return;
  // A copy: routes may share one response object (GET and POST /v1/availability do), and each gets its own errors.
  const response = (schema.response = { ...(schema.response as Record<string, unknown> | undefined) });
  const methods = [route.method].flat();
  const hasBody = methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH');
  // Every command runs through `run` (src/http/command.ts), which honours the key; a POST that needs only a read
  // permission is a query with a large body (POST /v1/availability/query) and writes nothing.
  const isCommand = (hasBody || methods.includes('DELETE')) && !config.permission?.endsWith(':read');
  if (!config.public) {
    schema.security = [{ bearerAuth: [] }, { sessionCookie: [] }];
    const note = `Requires the permission \`${config.permission}\`.`;
    schema.description = typeof schema.description === 'string' ? `${schema.description}\n\n${note}` : note;
    response['401'] ??= problemResponse('No API key, or an unknown or revoked one (`unauthorized`)');
    response['403'] ??= problemResponse('The key\'s role lacks the permission (`forbidden`)');
  }
  response['400'] ??= problemResponse('The request is not valid (`validation_failed`, `malformed_json`, `invalid_cursor`, `invalid_idempotency_key`)');
  if (isCommand) {
    response['409'] ??= problemResponse('Conflict with the current state, or an Idempotency-Key reused for another request (`idempotency_key_reused`)');
    const headers = (schema.headers ?? { type: 'object', properties: {} }) as { properties?: Record<string, unknown> };
    schema.headers = { ...headers, properties: { ...headers.properties, 'idempotency-key': IDEMPOTENCY_KEY } };
  }
  if (hasBody) {
    response['413'] ??= problemResponse('The body is larger than the server accepts (`payload_too_large`)');
    response['415'] ??= problemResponse('The body is not JSON (`unsupported_media_type`)');
  }
  if (route.url.includes(':')) response['404'] ??= problemResponse('No such resource (`not_found`)');
  response['500'] ??= problemResponse('An error on Ordo\'s side (`internal_error`)');
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(Problem);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Ordo API',
        version: '1',
        description:
          'Ordo, the order management system. JSON in camelCase; ids are strings; money is integer minor units plus an ' +
          'ISO 4217 currency. Every mutating request accepts an `Idempotency-Key` header. Errors are RFC 9457 problem ' +
          'details with a stable `code`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An Ordo API key' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'ordo_session', description: 'A signed-in user\'s session (POST /v1/session); writes also send its CSRF token as X-CSRF-Token' },
        },
      },
    },
    // Name shared schemas by their $id (Problem) rather than def-0, def-1…
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(apiReference, { routePrefix: '/docs', configuration: { url: '/openapi.json' } });
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, () => app.swagger());
}

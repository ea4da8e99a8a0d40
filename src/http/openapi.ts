/**
 * The OpenAPI 3.1 document is generated from the route schemas (one source of truth) and served at /openapi.json,
 * with an interactive reference at /docs. Every route gets its security and its error responses here, from its
 * declared permission, so no route can be published without them.
 */
import swagger from '@fastify/swagger';
import apiReference from '@scalar/fastify-api-reference';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Problem } from './schemas.js';

/** A problem+json response for a route's `schema.response`, for errors beyond the standard ones added below. */
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});

/** Adds the standard error responses and the security requirement to a route's schema. */
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
  const response = (schema.response ??= {}) as Record<string, unknown>;
  const hasBody = route.method !== 'GET' && route.method !== 'HEAD' && route.method !== 'DELETE';
  if (!config.public) {
    schema.security = [{ bearerAuth: [] }];
    const note = `Requires the permission \`${config.permission}\`.`;
    schema.description = typeof schema.description === 'string' ? `${schema.description}\n\n${note}` : note;
    response['401'] ??= problemResponse('No API key, or an unknown or revoked one (`unauthorized`)');
    response['403'] ??= problemResponse('The key\'s role lacks the permission (`forbidden`)');
  }
  response['400'] ??= problemResponse('The request is not valid (`validation_failed`, `malformed_json`, `invalid_cursor`)');
  if (hasBody) {
    response['409'] ??= problemResponse('Conflict with the current state, or an Idempotency-Key reused for another request');
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
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An Ordo API key' } },
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

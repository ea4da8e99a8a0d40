/**
 * The Fastify instance every routes file registers on, typed with TypeBox. In a file of its own so that routes files
 * import only this type, and app.ts (which imports every routes file) is imported by nobody but the server.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

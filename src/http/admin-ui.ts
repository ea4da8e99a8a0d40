/**
 * The admin UI: the static files that `npm run build` makes in web/dist (Vite + Preact, see web/), served at /admin/.
 * They call the public /v1 API with the session cookie like any integration calls it with a key. Its hashed assets
 * are cached for good; index.html is revalidated, so a new build is picked up on the next load.
 */
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** web/dist from here: src/http in the tests, dist/src/http in the compiled server. */
export function adminUiDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'web', 'dist');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

export async function registerAdminUi(app: FastifyInstance): Promise<void> {
  const root = adminUiDir();
  if (!root) {
    app.log.warn('the admin UI is not built (no web/dist): run npm run build to serve it at /admin/');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/admin/',
    redirect: true,
    cacheControl: false,
    setHeaders: (reply, file) => {
      reply.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('x-frame-options', 'DENY');
      reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'");
    },
  });
}

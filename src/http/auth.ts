/**
 * Authentication (an API key as a bearer token, or a signed-in user's session cookie — whose writes must carry the
 * session's CSRF token) and authorisation (the route's declared permission against the
 * key's role). Runs before the body is read, so an unauthenticated 20 MB upload is refused without parsing it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { hashApiKey, type Principal } from '../access/index.js';
import { findActiveKeyByHash } from '../access/index.js';
import { isRole, roleHas, type Permission } from '../access/index.js';
import { csrfMatches, CSRF_HEADER, findUserSession, isSafeMethod, SESSION_COOKIE } from '../access/index.js';
import type { Db } from '../db/database.js';
import { sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a caller's role must grant. Every route declares this or `public: true`. */
    permission?: Permission;
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export function authenticate(db: Db, opts: { cacheMs: number }) {
  // Verified keys are cached briefly so the hot paths do not pay a query per request; a revoked key stops
  // working within `cacheMs`. Concurrent requests with a key not yet cached share one lookup (a burst of a hundred
  // requests at start-up, or after the entry expired, is one query, not a hundred).
  const verify = async (token: string): Promise<Principal | 'unknown'> => {
    const row = await findActiveKeyByHash(db, hashApiKey(token));
    return row && isRole(row.role) ? { id: row.id, name: row.name, role: row.role } : 'unknown';
  };
  const cache = opts.cacheMs > 0
    ? new LRUCache<string, Principal | 'unknown'>({ max: 10_000, ttl: opts.cacheMs, fetchMethod: (token) => verify(token) })
    : undefined;

  async function lookup(token: string): Promise<Principal | undefined> {
    const principal = cache ? await cache.fetch(token) : await verify(token);
    return principal === 'unknown' || principal === undefined ? undefined : principal;
  }

  return async function onRequest(request: FastifyRequest, reply: FastifyReply) {
    const { permission, public: isPublic } = request.routeOptions.config;
    if (isPublic || !permission) return;
    const header = request.headers.authorization;
    const sessionToken = header === undefined ? request.cookies[SESSION_COOKIE] : undefined;
    let principal: Principal | undefined;
    if (sessionToken !== undefined) {
      // The admin UI: a session cookie, never cached (signing out ends it at once).
      const session = await findUserSession(db, sessionToken);
      if (!session) return sendProblem(reply, 'unauthorized', 'your session has ended: sign in again (POST /v1/session)');
      if (!isSafeMethod(request.method) && !csrfMatches(session, request.headers[CSRF_HEADER])) {
        return sendProblem(reply, 'forbidden', 'a write with the session cookie must send the CSRF token of GET /v1/session as the X-CSRF-Token header', { reason: 'csrf' });
      }
      principal = session.principal;
    } else {
      const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!match?.[1]) {
        return sendProblem(reply, 'unauthorized', 'send an API key as "Authorization: Bearer <key>" (create one with `ordo apikey create`), or sign in (POST /v1/session)');
      }
      principal = await lookup(match[1]);
      if (!principal) return sendProblem(reply, 'unauthorized', 'the API key is unknown or revoked');
    }
    if (!roleHas(principal.role, permission)) {
      return sendProblem(reply, 'forbidden', `this needs the permission ${permission}, which the role ${principal.role} does not have`, {
        permission,
        role: principal.role,
      });
    }
    request.principal = principal;
  };
}

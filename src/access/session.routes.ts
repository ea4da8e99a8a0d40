/**
 * Signing in and out of the admin UI, and its users. The session is an httpOnly cookie (SameSite=Strict; Secure when
 * the request came over HTTPS, directly or through a proxy that says so); the answer carries the CSRF token the UI
 * sends back in the `X-CSRF-Token` header on every write. The /v1 API accepts the cookie wherever it accepts a key.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TLiteral } from 'typebox';
import type { Db } from '../db/database.js';
import type { App } from '../http/app.js';
import type { RunCommand } from '../http/command.js';
import { problemResponse } from '../http/openapi.js';
import { decodeCursor, page } from '../http/pagination.js';
import { sendProblem } from '../http/problem.js';
import { Id, IdParams, ListQuery, Nullable, Page, Timestamp } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { createUser } from './create-user.js';
import { permissions, rolePermissions, roles, type Role } from './permissions.js';
import { personalDataLevel, personalDataLevels } from './personal-data.js';
import { csrfMatches, findUserSession, type UserSession } from './session.js';
import { signIn } from './sign-in.js';
import { signOut } from './sign-out.js';
import { CSRF_HEADER, MIN_PASSWORD_LENGTH, SESSION_COOKIE } from './user.js';
import { disableUser, listUsers, type UserRow } from './user.repository.js';

const RoleSchema = Type.Union(roles.map((r) => Type.Literal(r)) as [TLiteral<Role>, ...TLiteral<Role>[]]);
const User = Type.Object({ id: Id, email: Type.String(), name: Type.String(), role: Type.String() });
const Session = Type.Object({
  user: User,
  permissions: Type.Array(Type.Union(permissions.map((p) => Type.Literal(p)) as [TLiteral<string>, ...TLiteral<string>[]]),
    { description: 'What the user\'s role may do (src/access/permissions.ts)' }),
  personalData: Type.Union(personalDataLevels.map((l) => Type.Literal(l)) as [TLiteral<string>, ...TLiteral<string>[]],
    { description: 'How much personal data the role sees: full, shipping or masked' }),
  csrfToken: Type.String({ description: 'Send as the X-CSRF-Token header with every write made with the session cookie' }),
  expiresAt: Timestamp,
});
const UserListItem = Type.Object({ ...User.properties, createdAt: Timestamp, disabledAt: Nullable(Timestamp) });

const sessionBody = (s: { user: { id: string; email: string; name: string; role: Role }; csrfToken: string; expiresAt: Date }) => ({
  user: s.user,
  permissions: [...rolePermissions[s.user.role]],
  personalData: personalDataLevel(s.user.role),
  csrfToken: s.csrfToken,
  expiresAt: s.expiresAt.toISOString(),
});
const toUser = (row: UserRow) => ({
  id: row.id, email: row.email, name: row.name, role: row.role, createdAt: row.createdAt.toISOString(), disabledAt: row.disabledAt?.toISOString() ?? null,
});

/** Secure when the browser talks HTTPS: to Ordo itself, or to a proxy in front of it that says so. */
const overHttps = (request: FastifyRequest): boolean =>
  request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';

async function currentSession(db: Db, request: FastifyRequest): Promise<UserSession | undefined> {
  const token = request.cookies[SESSION_COOKIE];
  return token ? findUserSession(db, token) : undefined;
}

const noSession = (reply: FastifyReply) => sendProblem(reply, 'unauthorized', 'not signed in: POST /v1/session with your e-mail and password');

export function registerSessionRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  const tags = ['access'];

  app.post('/session', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Sign in with an e-mail and a password: sets the session cookie and answers the CSRF token',
      description: `Five failed sign-ins in a row lock the account for 15 minutes. Every attempt is in the audit log.`,
      body: Type.Object({
        email: Type.String({ minLength: 1, maxLength: 254 }),
        password: Type.String({ minLength: 1, maxLength: 1024 }),
      }, { additionalProperties: false }),
      response: { 201: Session, 401: problemResponse('The e-mail or the password is wrong, or the account is locked (`unauthorized`; `lockedUntil` says until when)') },
    },
  }, async (request, reply) => {
    const result = await db.transaction().execute((trx) =>
      signIn(trx, { ...request.body, requestId: request.id, ip: request.ip }));
    if (!result.ok) {
      return sendProblem(reply, 'unauthorized', result.detail, result.lockedUntil ? { lockedUntil: result.lockedUntil.toISOString() } : {});
    }
    reply.setCookie(SESSION_COOKIE, result.token, {
      path: '/', httpOnly: true, sameSite: 'strict', secure: overHttps(request), expires: result.expiresAt,
    });
    return reply.code(201).send(sessionBody(result));
  });

  app.get('/session', {
    config: { public: true },
    schema: { tags, summary: 'Who is signed in with this browser\'s session cookie', response: { 200: Session, 401: problemResponse('No session, or an ended one (`unauthorized`)') } },
  }, async (request, reply) => {
    const session = await currentSession(db, request);
    if (!session) return noSession(reply);
    return sessionBody(session);
  });

  app.delete('/session', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Sign out: ends the session and clears its cookie (send the X-CSRF-Token header)',
      response: {
        200: Type.Object({ signedOut: Type.Boolean() }),
        401: problemResponse('No session, or an ended one (`unauthorized`)'),
        403: problemResponse('No X-CSRF-Token header, or not the session\'s (`forbidden`, `reason`: `csrf`)'),
      },
    },
  }, async (request, reply) => {
    const session = await currentSession(db, request);
    if (!session) return noSession(reply);
    if (!csrfMatches(session, request.headers[CSRF_HEADER])) {
      return sendProblem(reply, 'forbidden', 'send the CSRF token of GET /v1/session as the X-CSRF-Token header', { reason: 'csrf' });
    }
    await db.transaction().execute((trx) => signOut(trx, session, request.id));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { signedOut: true };
  });

  app.post('/users', {
    config: { permission: 'access:manage' },
    schema: {
      tags,
      summary: 'Create a user who signs in to the admin UI',
      body: Type.Object({
        email: Type.String({ minLength: 3, maxLength: 254 }),
        name: Type.String({ minLength: 1, maxLength: 200 }),
        role: RoleSchema,
        password: Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 }),
      }, { additionalProperties: false }),
      response: { 201: UserListItem },
    },
  }, (request, reply) =>
    run(request, reply, async (trx) => {
      const user = await createUser(trx, request.body);
      return { created: true, value: toUser(user), audit: { action: 'user.created', entityType: 'user', entityId: user.id, details: { role: user.role } } };
    }));

  app.post('/users/:id/disable', {
    config: { permission: 'access:manage' },
    schema: { tags, summary: 'Disable a user: every session of theirs ends at once, and they can no longer sign in', params: IdParams, response: { 200: UserListItem } },
  }, (request, reply) =>
    run(request, reply, async (trx) => {
      const row = await disableUser(trx, request.params.id);
      if (!row) throw notFound('active user', request.params.id);
      return { created: false, value: toUser(row), audit: { action: 'user.disabled', entityType: 'user', entityId: row.id } };
    }));

  app.get('/users', {
    config: { permission: 'access:manage' },
    schema: { tags, summary: 'List users', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: Page(UserListItem) } },
  }, async (request) => {
    const { limit = 50, cursor } = request.query;
    const after = decodeCursor(cursor, ['uuid']);
    const rows = await listUsers(db, { afterId: after?.[0], limit: limit + 1 });
    return page(request, rows.map(toUser), limit, (last) => [last.id]);
  });
}

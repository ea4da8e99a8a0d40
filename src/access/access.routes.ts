import { Type, type TLiteral } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Id, IdParams, ListQuery, Nullable, Page, Timestamp } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { listApiKeys, revokeApiKey, type ApiKeyRow } from './api-key.repository.js';
import { listAudit } from './audit.repository.js';
import { createApiKey } from './create-api-key.js';
import { roles, type Role } from './permissions.js';

const RoleSchema = Type.Union(roles.map((r) => Type.Literal(r)) as [TLiteral<Role>, ...TLiteral<Role>[]]);
const ApiKey = Type.Object({
  id: Id,
  name: Type.String(),
  role: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to tell keys apart' }),
  createdAt: Timestamp,
  revokedAt: Nullable(Timestamp),
});
const toApiKey = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  role: row.role,
  prefix: row.prefix,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

const AuditEntry = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actorId: Nullable(Type.String()),
  actorName: Type.String(),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export function registerAccessRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  const tags = ['access'];

  app.post('/api-keys', {
    config: { permission: 'access:manage' },
    schema: {
      tags,
      summary: 'Create an API key; the key is in this answer and never shown again',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), role: RoleSchema }, { additionalProperties: false }),
      response: { 201: Type.Object({ ...ApiKey.properties, key: Type.String({ description: 'Send as "Authorization: Bearer <key>"' }) }) },
    },
  }, (request, reply) =>
    run(request, reply, async (trx, ctx) => {
      const byUser = request.principal.kind === 'user';
      const created = await createApiKey(trx, { ...request.body, createdBy: byUser ? null : ctx.actorId, createdByUser: byUser ? ctx.actorId : null });
      return {
        created: true,
        value: { ...toApiKey(created), key: created.key },
        audit: { action: 'api_key.created', entityType: 'api_key', entityId: created.id, details: { role: created.role } },
      };
    }));

  app.get('/api-keys', {
    config: { permission: 'access:manage' },
    schema: { tags, summary: 'List API keys (without the keys)', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: Page(ApiKey) } },
  }, async (request) => {
    const { limit = 50, cursor } = request.query;
    const after = decodeCursor(cursor, ['uuid']);
    const rows = await listApiKeys(db, { afterId: after?.[0], limit: limit + 1 });
    return page(request, rows.map(toApiKey), limit, (last) => [last.id]);
  });

  app.post('/api-keys/:id/revoke', {
    config: { permission: 'access:manage' },
    schema: { tags, summary: 'Revoke an API key', params: IdParams, response: { 200: ApiKey } },
  }, (request, reply) =>
    run(request, reply, async (trx) => {
      const row = await revokeApiKey(trx, request.params.id);
      if (!row) throw notFound('active API key', request.params.id);
      return { created: false, value: toApiKey(row), audit: { action: 'api_key.revoked', entityType: 'api_key', entityId: row.id } };
    }));

  app.get('/audit-log', {
    config: { permission: 'audit:read' },
    schema: {
      tags,
      summary: 'Who changed what, newest first',
      querystring: Type.Object({
        ...ListQuery,
        entityType: Type.Optional(Type.String({ maxLength: 64 })),
        entityId: Type.Optional(Type.String({ maxLength: 128 })),
        actorId: Type.Optional(Id),
        action: Type.Optional(Type.String({ maxLength: 64 })),
      }, { additionalProperties: false }),
      response: { 200: Page(AuditEntry) },
    },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    const before = decodeCursor(cursor, ['bigint']);
    const rows = await listAudit(db, { ...filter, beforeId: before?.[0], limit: limit + 1 });
    return page(request, rows.map((r) => ({ ...r, id: String(r.id), at: r.at.toISOString() })), limit, (last) => [Number(last.id)]);
  });
}

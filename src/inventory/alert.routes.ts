import { Type } from 'typebox';
import type { App } from '../http/app.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Id, IdParams, ListQuery, Nullable, Page, Timestamp } from '../http/schemas.js';
import { acknowledgeAlert } from './acknowledge-alert.js';
import { listAlerts } from './alert.repository.js';
import type { InventoryDeps } from './routes.js';

const tags = ['inventory'];
const Status = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]);
const Alert = Type.Object({
  id: Id,
  type: Type.Literal('low_stock'),
  sku: Type.String(),
  location: Type.String(),
  available: Type.Integer({ description: 'Available when the alert was raised' }),
  reorderPoint: Type.Integer(),
  status: Status,
  createdAt: Timestamp,
  acknowledgedAt: Nullable(Timestamp),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Timestamp),
});

export function registerAlertRoutes(app: App, { db, run }: InventoryDeps): void {
  app.get('/alerts', {
    config: { permission: 'inventory:read' },
    schema: {
      tags, summary: 'Low-stock alerts, newest first (default: not yet resolved)',
      querystring: Type.Object({ ...ListQuery, status: Type.Optional(Status) }, { additionalProperties: false }),
      response: { 200: Page(Alert) },
    },
  }, async (request) => {
    const { limit = 50, cursor, status } = request.query;
    const after = decodeCursor(cursor, ['timestamp', 'uuid']);
    const rows = await listAlerts(db, { status, after, limit: limit + 1 });
    return page(request, rows, limit, (last) => [last.createdAt, last.id]);
  });

  app.post('/alerts/:id/acknowledge', {
    config: { permission: 'inventory:write' },
    schema: { tags, summary: 'Acknowledge an alert (it resolves by itself when stock recovers)', params: IdParams, response: { 200: Alert } },
  }, (request, reply) => run(request, reply, (trx, ctx) => acknowledgeAlert(trx, request.params.id, ctx)));
}

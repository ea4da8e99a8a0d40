import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { DbOrTrx } from '../db/database.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Id, IdParams, ListQuery, Nullable, Page, Timestamp } from '../http/schemas.js';
import { AppError, notFound } from '../shared/errors.js';
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
  const select = (q: DbOrTrx) => q.selectFrom('stock_alerts as a')
    .innerJoin('skus as k', 'k.id', 'a.sku_id')
    .innerJoin('locations as l', 'l.id', 'a.location_id')
    .select(['a.id', 'a.type', 'k.code as sku', 'l.code as location', 'a.available', 'a.reorder_point as reorderPoint', 'a.status',
      'a.created_at as createdAt', 'a.acknowledged_at as acknowledgedAt', 'a.acknowledged_by as acknowledgedBy', 'a.resolved_at as resolvedAt']);
  const shape = (r: Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>) => ({
    ...r, type: 'low_stock' as const, status: r.status as 'open', createdAt: r.createdAt.toISOString(),
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null, resolvedAt: r.resolvedAt?.toISOString() ?? null,
  });

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
    let q = select(db).orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').limit(limit + 1);
    q = status ? q.where('a.status', '=', status) : q.where('a.status', '<>', 'resolved');
    if (after) q = q.where((eb) => eb.or([eb('a.created_at', '<', new Date(after[0])), eb.and([eb('a.created_at', '=', new Date(after[0])), eb('a.id', '<', after[1])])]));
    return page(request, (await q.execute()).map(shape), limit, (last) => [last.createdAt, last.id]);
  });

  app.post('/alerts/:id/acknowledge', {
    config: { permission: 'inventory:write' },
    schema: { tags, summary: 'Acknowledge an alert (it resolves by itself when stock recovers)', params: IdParams, response: { 200: Alert } },
  }, (request, reply) => run(request, reply, async (trx, ctx) => {
    const updated = await trx.updateTable('stock_alerts').set({ status: 'acknowledged', acknowledged_at: new Date(), acknowledged_by: ctx.actorName })
      .where('id', '=', request.params.id).where('status', '=', 'open').returning('id').executeTakeFirst();
    if (!updated) {
      const current = await trx.selectFrom('stock_alerts').select('status').where('id', '=', request.params.id).executeTakeFirst();
      if (!current) throw notFound('alert', request.params.id);
      throw new AppError('invalid_state', `the alert is ${current.status}; only open alerts can be acknowledged`, { currentStatus: current.status, allowed: ['open'] });
    }
    const row = await select(trx).where('a.id', '=', request.params.id).executeTakeFirstOrThrow();
    return { status: 200, body: shape(row), audit: { action: 'alert.acknowledged', entityType: 'stock_alert', entityId: request.params.id } };
  }));
}

/** ERP/WMS sync routes: thin, see stock-sync.ts (the decision) and sync-stock.ts (the use cases). */
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import { decodeCursor, page } from '../http/pagination.js';
import { IdParams, ListQuery, Page } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { Ref } from './inventory.js';
import type { InventoryDeps } from './routes.js';
import { actorOf } from './stock.routes.js';
import { Discrepancy, ReconciliationRow, SyncRequest, SyncResult, discrepancyStatuses } from './stock-sync.js';
import { decideDiscrepancy, findDiscrepancy, listDiscrepancies, reconciliation, syncStock } from './sync-stock.js';
import { unknownRefResponse } from '../http/openapi.js';

const tags = ['inventory'];


export function registerSyncRoutes(app: App, { db, run, config }: InventoryDeps): void {
  const defaults = { units: config.syncHoldUnits, percent: config.syncHoldPercent };

  app.put('/stock/sync', {
    config: { permission: 'inventory:sync' },
    schema: {
      tags,
      summary: 'Set absolute on-hand quantities reported by an ERP or WMS (up to 5,000 rows, all in one transaction)',
      description: 'Each row is applied, unchanged, held for approval (a large change, or below what is reserved) or '
        + 'ignored (a version not newer than the last one from this source). Holds default to SYNC_HOLD_UNITS and '
        + 'SYNC_HOLD_PERCENT; `holdThreshold` overrides them for this request.',
      body: SyncRequest,
      response: { 200: SyncResult, 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => syncStock(trx, request.body, defaults, actorOf(ctx))));

  app.get('/stock/discrepancies', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'List sync discrepancies (pending ones by default), oldest first',
      querystring: Type.Object({
        ...ListQuery,
        status: Type.Optional(Type.Enum(discrepancyStatuses, { default: 'pending' })),
        source: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        sku: Type.Optional(Ref),
        location: Type.Optional(Ref),
      }, { additionalProperties: false }),
      response: { 200: Page(Discrepancy), 404: unknownRefResponse() },
    },
  }, async (request) => {
    const { limit = 50, cursor, status = 'pending', ...filter } = request.query;
    const after = decodeCursor(cursor, ['uuid'])?.[0];
    const rows = await listDiscrepancies(db, { ...filter, status, afterId: after, limit: limit + 1 });
    return page(request, rows, limit, (last) => [last.id]);
  });

  app.get('/stock/discrepancies/:id', {
    config: { permission: 'inventory:read' },
    schema: { tags, summary: 'Get a sync discrepancy', params: IdParams, response: { 200: Discrepancy } },
  }, async (request) => {
    const found = await findDiscrepancy(db, request.params.id);
    if (!found) throw notFound('discrepancy', request.params.id);
    return found;
  });

  app.post('/stock/discrepancies/:id/approve', {
    config: { permission: 'inventory:approve' },
    schema: {
      tags,
      summary: 'Approve a held sync row: on hand becomes the source\'s number (409 if that is below reserved + quarantined)',
      params: IdParams,
      response: { 200: Discrepancy },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => decideDiscrepancy(trx, request.params.id, 'approved', { actor: actorOf(ctx), name: ctx.actorName })));

  app.post('/stock/discrepancies/:id/reject', {
    config: { permission: 'inventory:approve' },
    schema: { tags, summary: 'Reject a held sync row; nothing is applied', params: IdParams, response: { 200: Discrepancy } },
  }, (request, reply) => run(request, reply, (trx, ctx) => decideDiscrepancy(trx, request.params.id, 'rejected', { actor: actorOf(ctx), name: ctx.actorName })));

  app.get('/stock/reconciliation', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'Compare each SKU x location a source reported with Ordo\'s on hand now',
      querystring: Type.Object({
        ...ListQuery,
        source: Type.String({ minLength: 1, maxLength: 64 }),
        onlyDifferences: Type.Optional(Type.Boolean({ default: false })),
      }, { additionalProperties: false }),
      response: { 200: Page(ReconciliationRow) },
    },
  }, async (request) => {
    const { limit = 50, cursor, source, onlyDifferences = false } = request.query;
    const after = decodeCursor(cursor, ['text', 'text']);
    const rows = await reconciliation(db, { source, onlyDifferences, after, limit: limit + 1 });
    return page(request, rows, limit, (last) => [last.sku, last.location]);
  });
}

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
import { problemResponse, unknownRefResponse } from '../http/openapi.js';
import { AppError } from '../shared/errors.js';
import type { Readable } from 'node:stream';
import { SnapshotQuery, SnapshotResult, snapshotTypes, stagedDigest, stageSnapshot, syncSnapshot } from './sync-snapshot.js';
import { dropStaging } from './snapshot.repository.js';
import { connectionDb } from '../db/database.js';
import { commandRunner } from '../http/command.js';
import { effectiveThresholds } from './stock-sync.js';

const tags = ['inventory'];


export function registerSyncRoutes(app: App, { db, pool, run, config }: InventoryDeps): void {
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

  // A snapshot body is handed to the route as the request stream, read row by row (sync-snapshot.ts).
  app.addContentTypeParser([snapshotTypes.csv, snapshotTypes.ndjson], (_request, payload, done) => done(null, payload));

  app.post('/stock/sync/snapshots', {
    config: { permission: 'inventory:sync' },
    schema: {
      tags,
      summary: 'Set absolute on-hand quantities from a whole snapshot sent as CSV or NDJSON (up to 1,000,000 rows, all in one transaction)',
      description: 'The body is streamed into the database (COPY), one row per line: `Content-Type: text/csv` with the header line `sku,location,onHand,version` '
        + '(any column order; fields may be quoted), or `Content-Type: application/x-ndjson` with one object `{"sku","location","onHand","version"}` per line. '
        + 'Each row is decided like a row of PUT /v1/stock/sync (applied, unchanged, held, ignored), all of them checked, stored and compared in a few statements; '
        + 'a row reported unchanged with the version most rows of its location carry is covered by that version without being rewritten (ADR 0011). '
        + 'A bad row (a missing or malformed field, an unknown SKU or location) is reported with its line, its field and what to fix: '
        + 'by default (`onError=reject`) the answer is a 400 listing them and nothing is applied; with `onError=skip` the other rows '
        + 'are applied and the bad ones listed in `badRows`. The answer lists only the rows that were not unchanged.',
      consumes: [snapshotTypes.csv, snapshotTypes.ndjson],
      querystring: SnapshotQuery,
      response: {
        200: SnapshotResult,
        413: problemResponse('More than 1,000,000 rows (`payload_too_large`): send several snapshots'),
        415: problemResponse('The body is not text/csv or application/x-ndjson (`unsupported_media_type`)'),
      },
    },
  }, async (request, reply) => {
    const contentType = String(request.headers['content-type'] ?? '');
    const type = contentType.startsWith(snapshotTypes.csv) ? 'csv' : contentType.startsWith(snapshotTypes.ndjson) ? 'ndjson' : undefined;
    if (!type) {
      throw new AppError('unsupported_media_type', `send the snapshot with Content-Type: ${snapshotTypes.csv} or ${snapshotTypes.ndjson} (this request sent ${contentType ? `Content-Type: ${contentType}` : 'no Content-Type'}); JSON batches go to PUT /v1/stock/sync`);
    }
    const { holdUnits, holdPercent } = request.query;
    const thresholds = effectiveThresholds(defaults, {
      ...(holdUnits !== undefined && { units: holdUnits }), ...(holdPercent !== undefined && { percent: holdPercent }),
    });
    // The body is copied into temporary tables and checked on a connection of the snapshot's own, before the
    // transaction (a refused snapshot holds no lock and applies nothing); the transaction runs on that connection.
    const client = await pool.connect();
    try {
      const conn = connectionDb(client);
      const staged = await stageSnapshot(client, conn, request.body as Readable, type, request.query);
      // The stream is read: an Idempotency-Key compares the rows read instead.
      (request as { body: unknown }).body = request.headers['idempotency-key'] ? await stagedDigest(conn, type, staged) : undefined;
      return await commandRunner(conn)(request, reply, (trx, ctx) => syncSnapshot(trx, staged, request.query, thresholds, actorOf(ctx)));
    } finally {
      // A COPY cut short is failed by pg-copy-streams (CopyFail), so the connection is usable again; if the tables
      // cannot be dropped even so, the connection is closed rather than handed back with them.
      const clean = await dropStaging(client).then(() => true, () => false);
      client.release(!clean);
    }
  });

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

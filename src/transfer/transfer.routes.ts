/**
 * Import and export routes: `POST /v1/imports/{entity}` takes the file itself as the body (CSV or XLSX, read as a
 * stream) and answers the validation report; `GET /v1/exports/{entity}?format=csv|xlsx` streams the table.
 * One route per entity, so each names the permission of the module it writes or reads.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import type { Permission } from '../access/index.js';
import { claimKey, persistOutcome, Replay } from '../db/command.js';
import type { Db, Trx } from '../db/database.js';
import { idempotencyKey } from '../http/command.js';
import type { App } from '../http/app.js';
import { problemResponse } from '../http/openapi.js';
import { AppError } from '../shared/errors.js';
import { exportTable } from './export-table.js';
import { importTable, MAX_LISTED, type ImportReport as Report } from './import-table.js';
import { contentTypes, tableFormats, type TableFormat } from './read-table.js';
import type { EntityName } from './table-entity.js';
import { tables } from './tables.js';

const tags = ['data'];

const access: Record<EntityName, { write: Permission; read: Permission; what: string }> = {
  skus: { write: 'catalog:write', read: 'catalog:read', what: 'SKUs (upserted by code)' },
  locations: { write: 'location:write', read: 'location:read', what: 'locations (upserted by code)' },
  stock: { write: 'inventory:sync', read: 'inventory:read', what: 'absolute stock levels per SKU and location (through the ERP/WMS sync, never held)' },
  // Customers and orders carry personal data: reading them in bulk needs customer:read, as an unmasked order does.
  customers: { write: 'customer:write', read: 'customer:read', what: 'customers (found again by e-mail, else phone)' },
  orders: { write: 'order:write', read: 'customer:read', what: 'historical orders, one row per line (closed: completed or cancelled; no stock reserved, no events)' },
};

const RowProblem = Type.Object({
  row: Type.Integer({ description: 'Row of the file as a spreadsheet numbers it (the header is row 1)' }),
  column: Type.String({ description: 'The column at fault, or `row` for the row as a whole' }),
  message: Type.String({ description: 'What is wrong and what to write instead' }),
});

export const ImportReport = Type.Object({
  entity: Type.String(),
  format: Type.Enum(tableFormats),
  encoding: Type.String({ description: 'The encoding the CSV was read in (detected, or as given)' }),
  rows: Type.Integer({ description: 'Data rows read (from `fromRow` on)' }),
  written: Type.Boolean({ description: 'Whether anything was committed: without keepGood only when no row was bad' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer({ description: 'Rows equal to what Ordo has (orders: already imported)' }),
  rejected: Type.Integer({ description: 'Bad rows' }),
  problems: Type.Array(RowProblem, { description: `Every bad row's problems, by row (at most ${MAX_LISTED} listed)` }),
  notes: Type.Array(RowProblem, { description: 'Rows written that are worth a look (stock held for approval, a pair given twice)' }),
  lastRow: Type.Integer({ description: 'The last row committed: resume an interrupted keepGood import with fromRow = lastRow + 1' }),
});

const ImportQuery = Type.Object({
  keepGood: Type.Optional(Type.Boolean({ default: false, description: 'Write the good rows and report the bad ones (each chunk commits by itself); by default one bad row means nothing is written' })),
  fromRow: Type.Optional(Type.Integer({ minimum: 2, maximum: 2_000_000_000, description: 'Start at this row (the header is row 1): resumes an interrupted import' })),
  encoding: Type.Optional(Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$', description: 'The CSV\'s encoding (e.g. gb18030); by default detected: UTF-8 (with or without BOM), UTF-16 with BOM, else a guess such as GBK' })),
  source: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Stock only: the source its numbers are recorded under (default `import`)' })),
}, { additionalProperties: false });

const ExportQuery = Type.Object({
  format: Type.Optional(Type.Enum(tableFormats, { default: 'csv' })),
}, { additionalProperties: false });

const mediaTypes = [contentTypes.csv, contentTypes.xlsx, 'application/octet-stream'];

function formatOf(contentType: string): TableFormat {
  if (contentType.startsWith(contentTypes.csv)) return 'csv';
  if (contentType.startsWith(contentTypes.xlsx)) return 'xlsx';
  if (contentType.startsWith('application/octet-stream')) return 'csv';
  throw new AppError('unsupported_media_type', `send the file with Content-Type: ${contentTypes.csv} or ${contentTypes.xlsx} (this request sent ${contentType ? `Content-Type: ${contentType}` : 'no Content-Type'})`);
}

export function registerTransferRoutes(app: App, { db }: { db: Db }): void {
  // The file arrives as the request stream, read row by row; nothing buffers the whole body.
  void app.register((scope, _opts, done) => {
    for (const type of mediaTypes) if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
    scope.addContentTypeParser(mediaTypes, (_request, payload, next) => next(null, payload));

    for (const entity of Object.keys(tables) as EntityName[]) {
      const table = tables[entity];
      scope.post(`/imports/${entity}`, {
        config: { permission: access[entity].write },
        schema: {
          tags,
          summary: `Import ${access[entity].what} from a CSV or XLSX file`,
          description: `The body is the file: \`Content-Type: ${contentTypes.csv}\` or \`${contentTypes.xlsx}\`. The header row names the columns `
            + `(any order): ${table.columns.join(', ')}; required: ${table.required.join(', ')}. Every bad row is reported with its row, column and `
            + 'what to fix; by default one bad row means nothing is written (the answer is 200 with `written: false`), with `keepGood=true` '
            + 'the good rows are written. A repeated import writes nothing twice (upserts; orders already imported are skipped); with an '
            + 'Idempotency-Key a repeat answers the first report (the key is stored only when something was written). See docs/data.md.',
          consumes: [contentTypes.csv, contentTypes.xlsx],
          querystring: ImportQuery,
          response: {
            200: ImportReport,
            415: problemResponse('The body is not CSV or XLSX, or a CSV in an encoding that cannot be detected (`unsupported_media_type`): save it as CSV UTF-8 or give `encoding`'),
          },
        },
      }, async (request, reply) => {
        const format = formatOf(String(request.headers['content-type'] ?? ''));
        const q = request.query as Static<typeof ImportQuery>;
        const key = idempotencyKey(request);
        // With an Idempotency-Key the body is hashed as it streams by, and the key is claimed in the import's last
        // transaction: a repeat answers the first report (replayed), the same key with another file is a 409.
        const hash = createHash('sha256');
        const body = (request.body as Readable).pipe(new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            done(null, chunk);
          },
        }));
        (request.body as Readable).on('error', (e) => body.destroy(e));
        const beforeCommit = key === undefined ? undefined : async (trx: Trx, report: Report) => {
          const claim = {
            principalId: request.principal.id, key, method: request.method, path: request.url,
            requestHash: createHash('sha256').update(`${request.method} ${request.url}\n${hash.digest('hex')}`).digest('hex'), createdStatus: 200,
          };
          await claimKey(trx, claim);
          await persistOutcome(trx, { requestId: request.id, actorId: request.principal.id, actorName: request.principal.name, attempt: 1, idempotency: null },
            claim, { created: false, value: report, audit: null }, 200);
        };
        try {
          return await importTable(db, table, body, {
            format, keepGood: q.keepGood, fromRow: q.fromRow, encoding: q.encoding, source: q.source,
            actorName: request.principal.name, actorId: request.principal.id, requestId: request.id, beforeCommit,
          });
        } catch (e) {
          if (!(e instanceof Replay)) throw e;
          void reply.code(200).header('idempotent-replayed', 'true');
          return e.body;
        }
      });

      scope.get(`/exports/${entity}`, {
        config: { permission: access[entity].read },
        schema: {
          tags,
          summary: `Export every ${entity === 'stock' ? 'stock level' : entity.replace(/s$/, '')} as CSV or XLSX (streamed)`,
          description: `Columns: ${table.columns.join(', ')} — the file imports again as it is (POST /v1/imports/${entity}). In CSV a text `
            + 'starting with = + - @ (a formula to a spreadsheet) is written with a leading apostrophe, which an import removes again.',
          querystring: ExportQuery,
          response: {
            200: {
              description: 'The table, streamed',
              content: { [contentTypes.csv]: { schema: { type: 'string' } }, [contentTypes.xlsx]: { schema: { type: 'string', format: 'binary' } } },
            },
          },
        },
      }, (request, reply) => {
        const format = (request.query as Static<typeof ExportQuery>).format ?? 'csv';
        const out = new PassThrough();
        exportTable(db, table, format, out).catch((e: unknown) => {
          request.log.error({ err: e }, 'export failed');
          out.destroy(e as Error);
        });
        const file = `${entity}.${format}`;
        return reply
          .header('content-type', format === 'csv' ? `${contentTypes.csv}; charset=utf-8` : contentTypes.xlsx)
          .header('content-disposition', `attachment; filename="${file}"`)
          .send(out);
      });
    }
    done();
  });
}

/**
 * The connector routes: a channel's connector (get, put), its log and its held orders (under /v1/channels/{id}), the
 * orders a channel sends (its webhooks, public and verified by the channel's own signature, and the same through the
 * API for pulls and middleware), and the CSV/Excel order import.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { decodeCursor, page } from '../http/pagination.js';
import { ListQuery, Page } from '../http/schemas.js';
import { problemResponse } from '../http/openapi.js';
import { itemProblem } from '../http/problem.js';
import { findChannel } from '../channel/index.js';
import type { CaptureBatched } from '../order/index.js';
import { AppError, notFound } from '../shared/errors.js';
import { Connector, ConnectorInput, ConnectorLogEntry, HeldOrder, InboundPage, InboundResult } from './connector.js';
import { findConnector, findConnectorByChannelCode, findHeld, listHeld, listLog, readHealth, writeLog, type HeldRow } from './connector.repository.js';
import { importOrders, ImportReport, importFormats } from './import-orders.js';
import { httpWriter, inboundStatus, pageWriter, receiveOrder, type Inbound, type ReceiveInput } from './receive-order.js';
import { openSecrets } from './secret-box.js';
import { saveConnector, toConnector } from './save-connector.js';
import { hmacMatches, shopifyTopics } from './shopify.js';

const tags = ['connectors'];
const ChannelParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'Channel id or code' }) }, { additionalProperties: false });
const HeldParams = Type.Object({ id: ChannelParams.properties.id, heldId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const WebhookParams = Type.Object({
  channel: Type.String({ minLength: 1, maxLength: 64, description: 'Channel code' }),
  topic: Type.String({ pattern: '^[a-z][a-z_-]{0,63}$', description: 'Shopify: orders-create, orders-updated, orders-cancelled; mapping connectors: orders' }),
}, { additionalProperties: false });
const inboundResponses = {
  201: InboundResult, 200: InboundResult,
  202: { ...InboundResult, description: 'Held: the order names a SKU the catalogue does not know; kept with the reason (GET …/connector/held)' },
};

export interface ConnectorDeps {
  db: Db;
  /** The process's capture pipeline: connector orders join the same batches as POST /v1/orders. */
  captureBatched: CaptureBatched;
  run: RunCommand;
  /** CONNECTOR_SECRET_KEY; without it secrets cannot be stored or read. */
  secretKey: Buffer | null;
}

async function channelOf(db: Db, ref: string) {
  const channel = await findChannel(db, ref);
  if (!channel) throw notFound('channel', ref);
  return channel;
}

const toHeld = (h: HeldRow): HeldOrder => ({
  id: h.id, externalRef: h.external_ref, topic: h.topic, reasonCode: h.reason_code, reason: h.reason, status: h.status, orderId: h.order_id,
  attempts: h.attempts, createdAt: h.created_at.toISOString(), updatedAt: h.updated_at.toISOString(),
});

/** The most payloads one page may hand in (as POST /v1/orders/bulk). */
const MAX_PAGE = 500;

export function registerConnectorRoutes(app: App, deps: ConnectorDeps): void {
  const { db, run } = deps;
  /** A channel with its connector: by code (what integrations send) one query; by id, two. */
  const connectorOf = async (ref: string) => {
    const byCode = await findConnectorByChannelCode(db, ref);
    const channel = byCode ?? await channelOf(db, ref);
    const connector = byCode ?? await findConnector(db, channel.id);
    if (!connector) throw new AppError('not_found', `channel ${channel.code} has no connector: PUT one`, { entity: 'connector', id: channel.code });
    return { channel, connector };
  };
  const inbound: Inbound = { db, run, captureBatched: deps.captureBatched };
  const receive = async (request: FastifyRequest, reply: FastifyReply, input: ReceiveInput) => {
    const result = await receiveOrder(db, httpWriter(inbound, request, reply), input);
    reply.code(inboundStatus(result));
    return result;
  };

  app.get('/channels/:id/connector', {
    config: { permission: 'channel:read' },
    schema: { tags, summary: 'Get a channel\'s connector: kind, settings, which secrets are set, health', params: ChannelParams, response: { 200: Connector } },
  }, async (request) => {
    const channel = await channelOf(db, request.params.id);
    const row = await findConnector(db, channel.id);
    if (!row) throw new AppError('not_found', `channel ${channel.code} has no connector: PUT one`, { entity: 'connector', id: channel.code });
    return toConnector(row, channel.code, await readHealth(db, channel.id));
  });

  app.put('/channels/:id/connector', {
    config: { permission: 'channel:write' },
    schema: {
      tags, summary: 'Set a channel\'s connector (secrets are write-only and stored encrypted)', params: ChannelParams, body: ConnectorInput,
      response: { 200: Connector, 201: Connector, 409: problemResponse('The server has no CONNECTOR_SECRET_KEY to store secrets with (`conflict`), or an Idempotency-Key reused') },
    },
  }, (request, reply) => run(request, reply, (trx) => saveConnector(trx, request.params.id, request.body, deps.secretKey)));

  app.get('/channels/:id/connector/log', {
    config: { permission: 'channel:read' },
    schema: {
      tags, summary: 'What the channel\'s connector did, newest first: orders in, stock and parcels out',
      params: ChannelParams,
      querystring: Type.Object({ ...ListQuery, outcome: Type.Optional(Type.Union(['ok', 'duplicate', 'held', 'ignored', 'rejected', 'failed'].map((o) => Type.Literal(o)))) }, { additionalProperties: false }),
      response: { 200: Page(ConnectorLogEntry) },
    },
  }, async (request) => {
    const channel = await channelOf(db, request.params.id);
    const { limit = 50, cursor, outcome } = request.query;
    const before = decodeCursor(cursor, ['bigint']);
    const rows = await listLog(db, channel.id, { limit: limit + 1, ...(before ? { beforeId: Number(before[0]) } : {}), ...(outcome ? { outcome } : {}) });
    return page(request, rows.map((r) => ({
      id: String(r.id), at: r.at.toISOString(), direction: r.direction, topic: r.topic, outcome: r.outcome, statusCode: r.status_code,
      externalRef: r.external_ref, orderId: r.order_id, lagMs: r.lag_ms, message: r.message,
    })), limit, (last) => [last.id]);
  });

  app.get('/channels/:id/connector/held', {
    config: { permission: 'order:read' },
    schema: {
      tags, summary: 'Orders the channel sent that wait for a fix (an unknown SKU), with the reason',
      params: ChannelParams,
      querystring: Type.Object({ ...ListQuery, status: Type.Optional(Type.Union([Type.Literal('held'), Type.Literal('captured'), Type.Literal('discarded')])) }, { additionalProperties: false }),
      response: { 200: Page(HeldOrder) },
    },
  }, async (request) => {
    const channel = await channelOf(db, request.params.id);
    const { limit = 50, cursor, status = 'held' } = request.query;
    const after = decodeCursor(cursor, ['uuid']);
    const rows = await listHeld(db, channel.id, { status, limit: limit + 1, ...(after ? { afterId: after[0] } : {}) });
    return page(request, rows.map(toHeld), limit, (last) => [last.id]);
  });

  app.post('/channels/:id/connector/held/:heldId/retry', {
    config: { permission: 'order:write' },
    schema: { tags, summary: 'Capture a held order again (after its SKUs were added)', params: HeldParams, response: inboundResponses },
  }, async (request, reply) => {
    const channel = await channelOf(db, request.params.id);
    const connector = await findConnector(db, channel.id);
    const held = await findHeld(db, channel.id, request.params.heldId);
    if (!connector || !held) throw notFound('held order', request.params.heldId);
    if (held.status !== 'held') throw new AppError('invalid_state', `the held order is ${held.status}${held.order_id ? ` (order ${held.order_id})` : ''}; nothing to retry`);
    return receive(request, reply, { channel, connector, topic: held.topic, payload: held.payload, receivedAt: new Date() });
  });

  app.post('/channels/:id/connector/orders', {
    config: { permission: 'order:write' },
    schema: {
      tags,
      summary: 'Hand the connector one order payload in the channel\'s own shape (a pull job, a middleware): mapped and captured like a webhook',
      params: ChannelParams,
      body: Type.Object({
        topic: Type.Optional(Type.String({ pattern: '^[a-z][a-z_-]{0,63}$' })),
        payload: Type.Object({}, { additionalProperties: true, description: 'The order as the channel sends it' }),
      }, { additionalProperties: false }),
      response: inboundResponses,
    },
  }, async (request, reply) => {
    const { channel, connector } = await connectorOf(request.params.id);
    return receive(request, reply, { channel, connector, topic: request.body.topic ?? 'api', payload: request.body.payload, receivedAt: new Date() });
  });

  app.post('/channels/:id/connector/orders/bulk', {
    config: { permission: 'order:write' },
    schema: {
      tags,
      summary: 'Hand the connector a page of up to 500 order payloads in the channel\'s own shape (a pull, a backfill): each mapped and captured like a webhook, each standing or falling alone',
      description: 'One answer for the page: per payload, by its index, what a single POST …/connector/orders would have answered (created, duplicate, cancelled, held, ignored) '
        + 'or `rejected` with the problem it would have got. The captures join the capture batches together, which is what makes a page faster than its orders one by one. '
        + 'A page sent again makes nothing twice: each order is de-duplicated by its channel and external reference (answered `duplicate`), so no Idempotency-Key is needed or kept.',
      params: ChannelParams,
      body: Type.Object({
        topic: Type.Optional(Type.String({ pattern: '^[a-z][a-z_-]{0,63}$' })),
        payloads: Type.Array(Type.Object({}, { additionalProperties: true, description: 'An order as the channel sends it' }), { minItems: 1, maxItems: MAX_PAGE }),
      }, { additionalProperties: false }),
      response: { 200: InboundPage },
    },
  }, async (request) => {
    const { channel, connector } = await connectorOf(request.params.id);
    const topic = request.body.topic ?? 'api';
    const receivedAt = new Date();
    const writer = pageWriter(inbound, { id: request.principal.id, name: request.principal.name, requestId: request.id });
    // Every payload starts at once, in its order: their captures join the same batches in that order.
    const settled = await Promise.allSettled(request.body.payloads.map((payload) => receiveOrder(db, writer, { channel, connector, topic, payload, receivedAt })));
    const results: InboundPage['results'] = settled.map((s, index) => {
      if (s.status === 'fulfilled') return { index, ...s.value };
      return { index, result: 'rejected' as const, error: itemProblem(s.reason, request.log, request.id) };
    });
    const count = (r: InboundPage['results'][number]['result']) => results.filter((x) => x.result === r).length;
    return { created: count('created'), duplicates: count('duplicate'), cancelled: count('cancelled'), held: count('held'), ignored: count('ignored'), rejected: count('rejected'), results };
  });

  // Raw bodies, in scopes of their own: a webhook's signature is over the bytes as sent, and an import is a file.
  app.register((scope: FastifyInstance, _opts, done) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    (scope as unknown as App).post('/connectors/:channel/webhooks/:topic', {
      config: { public: true },
      schema: {
        tags,
        summary: 'A channel\'s webhook: verified by its signature over the raw body, then mapped and captured',
        description: 'Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body under the app secret. Mapping connectors: '
          + 'the header named by `signatureHeader` (default `X-Signature`) is the HMAC-SHA256 of the raw body under `signingSecret` (hex by default). '
          + 'A wrong or missing signature is a 401, logged, with nothing written. The same order twice is one order.',
        params: WebhookParams,
        headers: Type.Object({
          'x-shopify-hmac-sha256': Type.Optional(Type.String({ maxLength: 200, description: 'Shopify\'s signature' })),
          'x-signature': Type.Optional(Type.String({ maxLength: 200, description: 'A mapping connector\'s signature (the default header)' })),
        }),
        response: { ...inboundResponses, 401: problemResponse('The signature is missing or wrong, or the connector has no secret to check it with (`unauthorized`); logged, nothing written') },
      },
    }, async (request, reply) => {
      const { channel: code, topic } = request.params;
      const found = await findConnectorByChannelCode(db, code);
      if (!found || !found.active || !found.channelActive) throw new AppError('not_found', `no active connector for channel "${code}"`, { entity: 'connector', id: code });
      const channel = { id: found.id, code: found.code, currency: found.currency };
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const refuse = async (message: string): Promise<never> => {
        await writeLog(db, [{ channelId: channel.id, direction: 'inbound', topic, outcome: 'rejected', statusCode: 401, message }]);
        throw new AppError('unauthorized', message);
      };
      const settings = found.settings as Record<string, unknown>;
      const secrets = found.secrets && deps.secretKey ? openSecrets(deps.secretKey, found.secrets) : {};
      const secretName = found.kind === 'shopify' ? 'appSecret' : 'signingSecret';
      const secret = secrets[secretName];
      if (!secret) await refuse(`the connector has no ${secretName} to verify webhooks with${deps.secretKey ? '' : ' (the server has no CONNECTOR_SECRET_KEY)'}`);
      const header = found.kind === 'shopify' ? 'x-shopify-hmac-sha256' : (typeof settings.signatureHeader === 'string' ? settings.signatureHeader.toLowerCase() : 'x-signature');
      const encoding = found.kind === 'shopify' ? 'base64' : (settings.signatureEncoding === 'base64' ? 'base64' : 'hex');
      const signature = request.headers[header];
      if (!hmacMatches(body, secret as string, typeof signature === 'string' ? signature : undefined, encoding)) {
        await refuse(`the ${header} signature does not match the body`);
      }
      const topics: readonly string[] = found.kind === 'shopify' ? shopifyTopics : ['orders'];
      if (!topics.includes(topic)) {
        throw new AppError('validation_failed', `a ${found.kind} connector takes the topics ${topics.join(', ')}, not "${topic}"`, { errors: [{ path: '/params/topic', message: `one of ${topics.join(', ')}` }] });
      }
      const payload = parseJson(body);
      // The channel is the caller: what it captures is audited as the connector's.
      request.principal = { id: channel.id, name: `connector:${channel.code}`, role: 'integration' };
      return receive(request, reply, { channel, connector: { kind: found.kind, settings: found.settings }, topic, payload, receivedAt: new Date() });
    });
    done();
  });

  app.register((scope: FastifyInstance, _opts, done) => {
    for (const type of ['application/json', 'text/plain', ...Object.values(importFormats)]) if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
    scope.addContentTypeParser(Object.values(importFormats), { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    (scope as unknown as App).post('/channels/:id/orders/import', {
      config: { permission: 'order:write' },
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags,
        summary: 'Import B2B and phone orders from a CSV or Excel file (one row per line); all or nothing unless keepGood',
        description: 'Send the file as the body: `Content-Type: text/csv` (UTF-8) or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`. '
          + 'Columns and rules in docs/connectors.md. Every bad row is reported (row number, field, message); nothing is imported while one is bad, '
          + 'unless `keepGood=true`, which imports the good orders and reports the others.',
        params: ChannelParams,
        querystring: Type.Object({ keepGood: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
        response: {
          200: ImportReport,
          404: problemResponse('No such channel (`not_found`)'),
          415: problemResponse('The body is neither CSV nor XLSX (`unsupported_media_type`), or the CSV is not UTF-8'),
          422: problemResponse('Some rows are bad; nothing was imported (`bulk_rejected`); `rows` lists every bad row and field'),
        },
      },
    }, async (request: FastifyRequest<{ Params: { id: string }; Querystring: { keepGood?: boolean } }>, reply: FastifyReply) => {
      const channel = await channelOf(db, request.params.id);
      const body = Buffer.isBuffer(request.body) ? request.body : null;
      if (!body || body.length === 0) throw new AppError('validation_failed', 'send the file as the request body (Content-Type text/csv or the XLSX type)', { errors: [{ path: '/body', message: 'is empty' }] });
      const type = String(request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      return importOrders({ db, run }, request, reply, { channel, file: body, format: type === importFormats.xlsx ? 'xlsx' : 'csv', keepGood: request.query.keepGood ?? false });
    });
    done();
  });
}

function parseJson(body: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new AppError('malformed_json', 'the body is not valid UTF-8; send JSON encoded as UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new AppError('malformed_json', `the body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

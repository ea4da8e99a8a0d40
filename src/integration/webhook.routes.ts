import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Id, IdParams, IfMatch, ListQuery, Nullable, Page, Timestamp, expectedVersion } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { WebhookSubscription, WebhookSubscriptionInput, WebhookSubscriptionPatch } from './webhook.js';
import { findSubscription, listDeliveries, listSubscriptions, toSubscription } from './webhook.repository.js';
import {
  changeWebhookSubscription, createWebhookSubscription, removeWebhookSubscription, replayWebhookEvents, rotateWebhookSecret, type WebhookSettings,
} from './save-webhook-subscription.js';

const tags = ['webhooks'];

const Delivery = Type.Object({
  id: Type.Integer(),
  eventId: Id,
  type: Type.String(),
  aggregateType: Type.String(),
  aggregateId: Type.String(),
  aggregateVersion: Type.Integer(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: Timestamp,
  lastError: Nullable(Type.String()),
  createdAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
  log: Type.Array(Type.Object({
    at: Timestamp, outcome: Type.String(), statusCode: Nullable(Type.Integer()), latencyMs: Type.Integer(),
    error: Nullable(Type.String()), responseExcerpt: Nullable(Type.String()),
  })),
}, { $id: 'WebhookDelivery' });

export function registerWebhookRoutes(app: App, { db, run, settings }: { db: Db; run: RunCommand; settings: WebhookSettings }): void {
  app.post('/webhook-subscriptions', {
    config: { permission: 'webhook:write' },
    schema: {
      tags, summary: 'Subscribe an endpoint to events (signed as Standard Webhooks; the answer shows the secret once)',
      body: WebhookSubscriptionInput, response: { 201: WebhookSubscription },
    },
  }, (request, reply) => run(request, reply, (trx) => createWebhookSubscription(trx, request.body, settings)));

  app.get('/webhook-subscriptions', {
    config: { permission: 'webhook:read' },
    schema: { tags, summary: 'List webhook subscriptions', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: Page(WebhookSubscription) } },
  }, async (request) => {
    const { limit = 50, cursor } = request.query;
    const after = decodeCursor(cursor, ['uuid']);
    const rows = await listSubscriptions(db, after?.[0], limit + 1);
    return page(request, rows.map(toSubscription), limit, (last) => [last.id]);
  });

  app.get('/webhook-subscriptions/:id', {
    config: { permission: 'webhook:read' },
    schema: { tags, summary: 'Get a webhook subscription', params: IdParams, response: { 200: WebhookSubscription } },
  }, async (request) => {
    const row = await findSubscription(db, request.params.id);
    if (!row) throw notFound('webhook subscription', request.params.id);
    return toSubscription(row);
  });

  app.patch('/webhook-subscriptions/:id', {
    config: { permission: 'webhook:write' },
    schema: {
      tags, summary: 'Change a webhook subscription, or re-enable a disabled one (`status: "active"`)',
      params: IdParams, headers: IfMatch, body: WebhookSubscriptionPatch, response: { 200: WebhookSubscription },
    },
  }, (request, reply) => run(request, reply, (trx) => changeWebhookSubscription(trx, request.params.id, request.body, settings, expectedVersion(request.headers))));

  app.delete('/webhook-subscriptions/:id', {
    config: { permission: 'webhook:write' },
    schema: { tags, summary: 'Delete a webhook subscription and its delivery log', params: IdParams, response: { 200: Type.Object({ id: Id }) } },
  }, (request, reply) => run(request, reply, (trx) => removeWebhookSubscription(trx, request.params.id)));

  app.post('/webhook-subscriptions/:id/rotate-secret', {
    config: { permission: 'webhook:write' },
    schema: {
      tags, summary: 'Make a new signing secret; the previous one also signs for `previousValidHours` (default 24)',
      params: IdParams,
      body: Type.Object({ previousValidHours: Type.Optional(Type.Integer({ minimum: 0, maximum: 720, default: 24 })) }, { additionalProperties: false }),
      response: { 200: WebhookSubscription },
    },
  }, (request, reply) => run(request, reply, (trx) => rotateWebhookSecret(trx, request.params.id, request.body.previousValidHours ?? 24)));

  app.post('/webhook-subscriptions/:id/replay', {
    config: { permission: 'webhook:write' },
    schema: {
      tags, summary: 'Send events again to this endpoint: one by id, or those of a time range still in the outbox',
      params: IdParams,
      body: Type.Object({
        eventId: Type.Optional(Id), from: Type.Optional(Timestamp), to: Type.Optional(Timestamp),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 202: Type.Object({ queued: Type.Integer({ description: 'Deliveries queued' }) }) },
    },
  }, (request, reply) => run(request, reply, (trx) => replayWebhookEvents(trx, request.params.id, request.body),
    // Accepted: the events are queued for delivery, not delivered yet.
    { status: () => 202 }));

  app.get('/webhook-subscriptions/:id/deliveries', {
    config: { permission: 'webhook:read' },
    schema: {
      tags, summary: 'The delivery log: each event sent to this endpoint with its attempts (status, latency, error, response excerpt), newest first',
      params: IdParams, querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: Page(Delivery) },
    },
  }, async (request) => {
    if (!(await findSubscription(db, request.params.id))) throw notFound('webhook subscription', request.params.id);
    const { limit = 50, cursor } = request.query;
    const before = decodeCursor(cursor, ['bigint']);
    const rows = await listDeliveries(db, request.params.id, before?.[0] === undefined ? undefined : Number(before[0]), limit + 1);
    const data = rows.map((r) => ({
      ...r, nextAttemptAt: r.nextAttemptAt.toISOString(), createdAt: r.createdAt.toISOString(), deliveredAt: r.deliveredAt?.toISOString() ?? null,
      log: r.log.map((l) => ({ ...l, at: new Date(l.at).toISOString() })),
    }));
    return page(request, data, limit, (last) => [last.id]);
  });
}

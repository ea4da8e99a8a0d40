/** GET /v1/notifications: the notification log, newest first, with filters; recipient addresses masked by role. */
import { Type } from 'typebox';
import { personalDataOf, treatment } from '../access/index.js';
import type { Db } from '../db/database.js';
import type { App } from '../http/app.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Id, ListQuery, Nullable, Page, Timestamp } from '../http/schemas.js';
import { maskEmail } from '../shared/mask.js';
import { listNotifications } from './notification.repository.js';
import { templates, type Language } from './templates.js';

const tags = ['notifications'];
const Status = Type.Union([Type.Literal('sending'), Type.Literal('sent'), Type.Literal('not_sent'), Type.Literal('failed')]);
const Audience = Type.Union([Type.Literal('customer'), Type.Literal('team')]);
const TemplateName = Type.Union(Object.values(templates).map((t) => Type.Literal(t.name)));

const Notification = Type.Object({
  id: Type.Integer(),
  eventId: Id,
  eventType: Type.String(),
  template: Type.String({ description: 'Which notification: order_confirmed, order_shipped, …' }),
  audience: Audience,
  orderId: Nullable(Id),
  recipient: Nullable(Type.String({ description: 'The address written to; a customer\'s is masked for roles without customer:read' })),
  language: Type.Union([Type.Literal('en'), Type.Literal('zh-CN')]),
  subject: Type.String(),
  body: Type.String(),
  status: Status,
  reason: Nullable(Type.String({ description: 'Why it was not sent, or why sending failed' })),
  attempts: Type.Integer(),
  createdAt: Timestamp,
  sentAt: Nullable(Timestamp),
}, { $id: 'Notification' });

export function registerNotificationRoutes(app: App, { db }: { db: Db }): void {
  app.get('/notifications', {
    config: { permission: 'notification:read' },
    schema: {
      tags, summary: 'The notification log: every notification, sent or not (with why), newest first',
      querystring: Type.Object({
        ...ListQuery,
        order: Type.Optional(Id),
        eventId: Type.Optional(Id),
        template: Type.Optional(TemplateName),
        status: Type.Optional(Status),
        audience: Type.Optional(Audience),
      }, { additionalProperties: false }),
      response: { 200: Page(Notification) },
    },
  }, async (request) => {
    const { limit = 50, cursor, order, eventId, template, status, audience } = request.query;
    const after = decodeCursor(cursor, ['bigint']);
    const rows = await listNotifications(db, { orderId: order, eventId, template, status, audience, afterId: after?.[0], limit: limit + 1 });
    const customerAddress = treatment('customer', personalDataOf(request));
    return page(request, rows.map((r) => ({
      id: r.id, eventId: r.event_id, eventType: r.event_type, template: r.template, audience: r.audience as 'customer' | 'team',
      orderId: r.order_id,
      // The body greets the customer by name and links the tracking page: only who may read the customer sees it.
      recipient: r.recipient !== null && r.audience === 'customer' && customerAddress !== 'shown' ? maskEmail(r.recipient) : r.recipient,
      language: r.language as Language, subject: r.subject,
      body: r.audience === 'customer' && customerAddress !== 'shown' ? '(hidden: it holds the customer\'s personal data)' : r.body,
      status: r.status as 'sent', reason: r.reason, attempts: r.attempts,
      createdAt: r.created_at.toISOString(), sentAt: r.sent_at?.toISOString() ?? null,
    })), limit, (last) => [last.id]);
  });
}

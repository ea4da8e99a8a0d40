/** The notifications' SQL: what a template needs of an order, the notification log (write, settle, list). */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Language } from './templates.js';

export interface OrderForNotice {
  id: string;
  number: string;
  tracking_token: string;
  total_minor: number;
  currency: string;
  customer_name: string;
  customer_email: string | null;
  /** The customer's language, else the channel's default. */
  language: Language;
}

export async function findOrderForNotice(db: Db, orderId: string): Promise<OrderForNotice | undefined> {
  const r = await sql<OrderForNotice>`
    SELECT o.id, o.number, o.tracking_token, o.total_minor, o.currency, c.name AS customer_name, c.email AS customer_email,
      coalesce(c.language, ch.default_language) AS language
    FROM orders o JOIN customers c ON c.id = o.customer_id JOIN channels ch ON ch.id = o.channel_id
    WHERE o.id = ${orderId}
  `.execute(db);
  return r.rows[0];
}

export interface NotificationDraft {
  eventId: string;
  eventType: string;
  template: string;
  audience: 'customer' | 'team';
  orderId: string | null;
  recipient: string | null;
  language: Language;
  subject: string;
  body: string;
}

/**
 * Logs a notification about to be sent, or finds the one logged for this event and template before. Returns its id
 * and whether it is settled (sent or not to be sent): a settled one is never sent again.
 */
export async function openNotification(db: Db, n: NotificationDraft): Promise<{ id: number; settled: boolean }> {
  const r = await sql<{ id: number; status: string }>`
    INSERT INTO notifications (event_id, event_type, template, audience, order_id, recipient, language, subject, body, attempts)
    VALUES (${n.eventId}, ${n.eventType}, ${n.template}, ${n.audience}, ${n.orderId}, ${n.recipient}, ${n.language}, ${n.subject}, ${n.body}, 1)
    ON CONFLICT (event_id, template) DO UPDATE SET attempts = notifications.attempts + 1
    RETURNING id, status
  `.execute(db);
  const row = r.rows[0]!;
  return { id: row.id, settled: row.status === 'sent' || row.status === 'not_sent' };
}

export async function settleNotification(
  db: Db, id: number, outcome: { status: 'sent' | 'not_sent' | 'failed'; reason: string | null; messageId: string | null },
): Promise<void> {
  await db.updateTable('notifications').set({
    status: outcome.status, reason: outcome.reason, message_id: outcome.messageId,
    sent_at: outcome.status === 'sent' ? new Date() : null,
  }).where('id', '=', id).execute();
}

export interface NotificationFilter {
  orderId?: string;
  eventId?: string;
  template?: string;
  status?: string;
  audience?: string;
  afterId?: number;
  limit: number;
}

export async function listNotifications(db: Db, f: NotificationFilter) {
  let q = db.selectFrom('notifications').selectAll();
  if (f.orderId) q = q.where('order_id', '=', f.orderId);
  if (f.eventId) q = q.where('event_id', '=', f.eventId);
  if (f.template) q = q.where('template', '=', f.template);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.audience) q = q.where('audience', '=', f.audience);
  if (f.afterId !== undefined) q = q.where('id', '<', f.afterId);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

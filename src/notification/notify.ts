/**
 * The notifications sink of the outbox relay: for each event it has a template for, it logs a notification and
 * sends it by e-mail. Being a relay sink, it is at least once, in order per aggregate, and never on the path of the
 * transaction that wrote the event. De-duplicated by event id: a redelivered event finds its notification logged
 * as sent (or as not to be sent) and sends nothing. A mail that fails is logged as failed and retried by the relay.
 *
 * One gap is left, as in every at-least-once sender: a server that dies after the SMTP server accepted the mail
 * and before the log says so sends it again when the lease expires.
 */
import type { Db } from '../db/database.js';
import type { EventEnvelope, LocalSink } from '../integration/index.js';
import type { Mailer } from './mailer.js';
import { findOrderForNotice, openNotification, settleNotification } from './notification.repository.js';
import { templates, type Language, type TemplateContext } from './templates.js';

export interface NotificationSettings {
  /** Where the customer's tracking page lives: links are `{publicUrl}/track/{token}`. */
  publicUrl: string;
  /** Team notifications (an order held, a webhook endpoint disabled); none = logged as not sent. */
  teamEmail: string | null;
  /** Low-stock alerts: the purchasing contact; none = logged as not sent. */
  purchasingEmail: string | null;
  /** The language team notifications are written in. */
  teamLanguage: Language;
}

const orderIdIn = (data: object): string | null => {
  const id = (data as { orderId?: unknown }).orderId;
  return typeof id === 'string' ? id : null;
};

export function notificationSink(db: Db, mailer: Mailer | null, settings: NotificationSettings): LocalSink {
  return {
    async deliver(event: EventEnvelope) {
      const template = templates[event.type];
      if (!template) return { delivered: true, error: null };
      // An order's own events name it as their aggregate; a fulfilment order's or a shipment's carry its orderId.
      const orderId = event.aggregateType === 'order' ? event.aggregateId : orderIdIn(event.data);
      const order = orderId ? await findOrderForNotice(db, orderId) : undefined;
      let recipient: string | null;
      let language: Language;
      let missing: string | null = null;
      if (template.audience === 'customer') {
        recipient = order?.customer_email ?? null;
        language = order?.language ?? settings.teamLanguage;
        if (!order) missing = `order ${orderId ?? event.aggregateId} not found`;
        else if (!recipient) missing = 'the customer has no e-mail address';
      } else {
        recipient = settings[template.team ?? 'teamEmail'];
        language = settings.teamLanguage;
        if (!recipient) missing = `no address set for ${template.team === 'purchasingEmail' ? 'the purchasing contact (NOTIFY_PURCHASING_EMAIL)' : 'the team (NOTIFY_TEAM_EMAIL)'}`;
      }
      const context: TemplateContext = {
        data: event.data as Record<string, unknown>,
        order: order ? {
          number: order.number, customerName: order.customer_name, totalMinor: order.total_minor, currency: order.currency,
          trackingUrl: `${settings.publicUrl.replace(/\/$/, '')}/track/${order.tracking_token}`,
        } : null,
      };
      const { subject, text } = template.render[language](context);
      const logged = await openNotification(db, {
        eventId: event.id, eventType: event.type, template: template.name, audience: template.audience,
        orderId: order?.id ?? null, recipient, language, subject, body: text,
      });
      if (logged.settled) return { delivered: true, error: null };
      if (missing || !recipient || !mailer) {
        await settleNotification(db, logged.id, { status: 'not_sent', reason: missing ?? 'SMTP_URL is not set', messageId: null });
        return { delivered: true, error: null };
      }
      try {
        const sent = await mailer.send({ to: recipient, subject, text, language });
        await settleNotification(db, logged.id, { status: 'sent', reason: null, messageId: sent.messageId });
        return { delivered: true, error: null };
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        await settleNotification(db, logged.id, { status: 'failed', reason, messageId: null });
        return { delivered: false, error: reason };
      }
    },
  };
}

/** One event to one sink (a webhook endpoint, NATS, or a sink run inside the server), and how it went. */
import type { EventEnvelope } from './event.js';
import type { NatsSink } from './nats-sink.js';
import type { SinkKind } from './relay.repository.js';
import { sendWebhook, type WebhookOptions } from './webhook-delivery.js';

/** A sink run inside the server (notifications, connectors): handed each event, it says whether it is done with it. */
export interface LocalSink {
  deliver(event: EventEnvelope): Promise<{ delivered: boolean; error: string | null }>;
}

export interface Senders {
  webhook: WebhookOptions;
  nats: NatsSink | null;
  notifications: LocalSink | null;
  connectors: LocalSink | null;
}

export interface SendResult {
  delivered: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

const failure = (error: string, latencyMs = 0): SendResult => ({ delivered: false, statusCode: null, latencyMs, error, responseExcerpt: null });

export async function sendOne(s: Senders, kind: SinkKind, webhook: { url: string; secrets: string[] } | null, event: EventEnvelope): Promise<SendResult> {
  if (kind === 'webhook') {
    if (!webhook) return failure('the subscription is gone');
    return sendWebhook(webhook.url, webhook.secrets, event, s.webhook);
  }
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    if (kind === 'nats') {
      if (!s.nats) return failure('NATS is not configured on this server');
      await s.nats.publish(event);
      return { delivered: true, statusCode: null, latencyMs: elapsed(), error: null, responseExcerpt: null };
    }
    const local = kind === 'notifications' ? s.notifications : s.connectors;
    if (!local) return failure(`${kind} are not set up on this server`);
    const r = await local.deliver(event);
    return r.delivered ? { delivered: true, statusCode: null, latencyMs: elapsed(), error: null, responseExcerpt: null } : failure(r.error ?? 'failed', elapsed());
  } catch (e) {
    return failure(e instanceof Error ? e.message : String(e), elapsed());
  }
}

/**
 * Sends a round's events to NATS at once: published in order on one connection (JetStream stores them in that
 * order), the acknowledgements awaited together. One result per event, in the same order.
 */
export async function publishAll(s: Senders, events: readonly EventEnvelope[]): Promise<SendResult[]> {
  if (!s.nats) return events.map(() => failure('NATS is not configured on this server'));
  const started = performance.now();
  const results = await s.nats.publishAll(events);
  const latencyMs = Math.round(performance.now() - started);
  return results.map((error) => (error === null ? { delivered: true, statusCode: null, latencyMs, error: null, responseExcerpt: null } : failure(error, latencyMs)));
}

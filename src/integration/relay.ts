/**
 * The outbox relay, run by every server: a dispatcher that fans new outbox rows out to the sinks that want them, and
 * a deliverer that sends due deliveries (webhooks, NATS) and settles them. Both poll, adaptively: right away while
 * there is more, `minPollMs` after some work, backing off to `maxPollMs` while idle. Not LISTEN/NOTIFY: NOTIFY takes
 * a global lock at commit that would serialise every committing transaction, capture's included.
 *
 * At least once: a delivery is leased while it is sent; a server killed mid-delivery leaves the lease to expire and
 * another sends it again, with the same event id. Failures are retried with exponential backoff and jitter until
 * `giveUpAfterMs` (3 days by default) after the event; a webhook endpoint whose delivery is given up is disabled with
 * the reason recorded (and an `integration.webhook_disabled` event for the team).
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { toEnvelope, type EventEnvelope } from './event.js';
import type { NatsSink } from './nats-sink.js';
import { claimDeliveries, dispatchEvents, releaseDeliveries, settleDeliveries, type AttemptOutcome, type ClaimedDelivery } from './relay.repository.js';
import { sendWebhook, type WebhookOptions } from './webhook-delivery.js';
import { disableSubscription } from './webhook.repository.js';

export interface RelayOptions {
  db: Db;
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  webhook: WebhookOptions;
  nats?: NatsSink | null;
  /** The notifications sink (src/notification), given by the server; without it, notification deliveries wait for a server that has it. */
  notifications?: LocalSink | null;
  /** The connectors sink (src/connector: stock and parcel pushes to the channels); like notifications. */
  connectors?: LocalSink | null;
  batchSize?: number;
  /** How long a claimed delivery is this server's (default: twice the webhook timeout and 5 s): a server killed mid-delivery delays it by this much. */
  leaseMs?: number;
  minPollMs?: number;
  maxPollMs?: number;
  backoff?: Partial<Backoff>;
}

/** A sink run inside the server (notifications): handed each event, it says whether it is done with it. */
export interface LocalSink {
  deliver(event: EventEnvelope): Promise<{ delivered: boolean; error: string | null }>;
}

export interface Backoff {
  firstMs: number;
  maxMs: number;
  giveUpAfterMs: number;
}

export const defaultBackoff: Backoff = { firstMs: 5_000, maxMs: 60 * 60_000, giveUpAfterMs: 3 * 24 * 60 * 60_000 + 60 * 60_000 };

/** When to try again after `attempts` failed attempts: exponential, capped, with jitter (half fixed, half random). */
export function retryAt(b: Backoff, attempts: number, firstAt: Date, now: Date, random = Math.random): Date | null {
  const delay = Math.min(b.maxMs, b.firstMs * 2 ** Math.min(attempts - 1, 30));
  const at = new Date(now.getTime() + delay / 2 + random() * (delay / 2));
  return at.getTime() - firstAt.getTime() > b.giveUpAfterMs ? null : at;
}

export interface Relay {
  /** Runs one dispatch and one delivery round now (tests; the loops keep running). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export function startRelay(opts: RelayOptions): Relay {
  const batch = opts.batchSize ?? 500;
  const leaseMs = opts.leaseMs ?? opts.webhook.timeoutMs * 2 + 5_000;
  const minPoll = opts.minPollMs ?? 25;
  const maxPoll = opts.maxPollMs ?? 200;
  const backoff = { ...defaultBackoff, ...opts.backoff };
  let stopped = false;

  async function deliver(d: ClaimedDelivery): Promise<AttemptOutcome> {
    const event = toEnvelope(d.event);
    const base = { deliveryId: d.id, outboxId: d.event.id };
    const failed = (error: string, statusCode: number | null, latencyMs: number, responseExcerpt: string | null): AttemptOutcome => ({
      ...base, delivered: false, statusCode, latencyMs, error, responseExcerpt,
      // NATS is retried for as long as it takes: events wait for it rather than being dropped.
      retryAt: d.kind === 'nats' ? retryAt({ ...backoff, maxMs: Math.min(backoff.maxMs, 30_000), giveUpAfterMs: Infinity }, d.attempts, d.createdAt, new Date())
        : retryAt(backoff, d.attempts, d.createdAt, new Date()),
    });
    if (d.kind === 'webhook') {
      if (!d.webhook) return failed('the subscription is gone', null, 0, null);
      const r = await sendWebhook(d.webhook.url, d.webhook.secrets, event, opts.webhook);
      return r.delivered ? { ...base, ...r, retryAt: null } : failed(r.error ?? 'failed', r.statusCode, r.latencyMs, r.responseExcerpt);
    }
    const started = performance.now();
    if (d.kind === 'notifications' || d.kind === 'connectors') {
      const local = d.kind === 'notifications' ? opts.notifications : opts.connectors;
      if (!local) return failed(`${d.kind} are not set up on this server`, null, 0, null);
      try {
        const r = await local.deliver(event);
        const latencyMs = Math.round(performance.now() - started);
        return r.delivered ? { ...base, delivered: true, statusCode: null, latencyMs, error: null, responseExcerpt: null, retryAt: null }
          : failed(r.error ?? 'failed', null, latencyMs, null);
      } catch (e) {
        return failed(e instanceof Error ? e.message : String(e), null, Math.round(performance.now() - started), null);
      }
    }
    if (!opts.nats) return failed('NATS is not configured on this server', null, 0, null);
    try {
      await opts.nats.publish(event);
      return { ...base, delivered: true, statusCode: null, latencyMs: Math.round(performance.now() - started), error: null, responseExcerpt: null, retryAt: null };
    } catch (e) {
      return failed(e instanceof Error ? e.message : String(e), null, Math.round(performance.now() - started), null);
    }
  }

  async function deliverRound(): Promise<number> {
    // A server without NATS (or notifications) leaves those deliveries to one that has it.
    const claimed = await claimDeliveries(opts.db, batch, leaseMs, allKinds ? null : await handledSinks());
    if (claimed.length === 0) return 0;
    // One chain per (sink, aggregate), in outbox order; a failure ends its chain, and the rest wait for their turn.
    const chains = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) {
      const key = `${d.sink}\u0000${d.event.aggregate_type}\u0000${d.event.aggregate_id}`;
      chains.set(key, [...(chains.get(key) ?? []), d]);
    }
    const released: number[] = [];
    const outcomes = (await Promise.all([...chains.values()].map(async (chain) => {
      const done: AttemptOutcome[] = [];
      for (const [i, d] of chain.entries()) {
        const outcome = await deliver(d);
        done.push(outcome);
        if (!outcome.delivered) {
          released.push(...chain.slice(i + 1).map((c) => c.id));
          break;
        }
      }
      return done;
    }))).flat();
    await settleDeliveries(opts.db, outcomes);
    await releaseDeliveries(opts.db, released);
    for (const o of outcomes) {
      const d = claimed.find((c) => c.id === o.deliveryId);
      if (d?.kind === 'webhook' && !o.delivered && o.retryAt === null) {
        await disableSubscription(opts.db, d.sink, `deliveries failed for ${Math.round(backoff.giveUpAfterMs / 3_600_000)} hours; last error: ${o.error ?? 'unknown'}`);
        opts.logger.warn({ sink: d.sink, error: o.error }, 'webhook endpoint disabled');
      }
    }
    return claimed.length;
  }

  const kinds = ['webhook', ...(opts.nats ? ['nats'] : []), ...(opts.notifications ? ['notifications'] : []), ...(opts.connectors ? ['connectors'] : [])];
  const allKinds = kinds.length === 4;
  let sinksHandled: { at: number; sinks: string[] } | null = null;
  async function handledSinks(): Promise<string[]> {
    if (!sinksHandled || Date.now() - sinksHandled.at > 1_000) {
      const rows = await opts.db.selectFrom('event_sinks').select('sink').where('kind', 'in', kinds).execute();
      sinksHandled = { at: Date.now(), sinks: rows.map((r) => r.sink) };
    }
    return sinksHandled.sinks;
  }

  const loops: Promise<void>[] = [];
  const timers = new Set<() => void>();
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { timers.delete(wake); resolve(); }, ms);
    const wake = () => { clearTimeout(t); timers.delete(wake); resolve(); };
    timers.add(wake);
  });
  function loop(name: string, round: () => Promise<number | null>) {
    loops.push((async () => {
      let idle = minPoll;
      while (!stopped) {
        let n: number | null = 0;
        try {
          n = await round();
        } catch (err) {
          if (stopped) break;
          opts.logger.error({ err }, `event relay: ${name} failed`);
          n = 0;
        }
        if (n !== null && n >= batch) { idle = minPoll; continue; }
        idle = n !== null && n > 0 ? minPoll : Math.min(maxPoll, idle * 2);
        await sleep(idle);
      }
    })());
  }
  loop('dispatch', () => dispatchEvents(opts.db, batch));
  loop('delivery', deliverRound);

  return {
    async drain() {
      while ((await dispatchEvents(opts.db, batch)) !== 0) { /* until the outbox is dispatched */ }
      // Until nothing is due, counting deliveries the background loop (or another server) holds right now.
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        if ((await deliverRound()) > 0) continue;
        const due = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM event_deliveries d JOIN event_sinks s ON s.sink = d.sink AND s.active
          WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.kind = ANY(${kinds}::text[])
        `.execute(opts.db);
        if ((due.rows[0]?.n ?? 0) === 0) return;
        await sleep(5);
      }
    },
    async stop() {
      stopped = true;
      for (const wake of [...timers]) wake();
      await Promise.all(loops);
    },
  };
}

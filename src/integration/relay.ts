/**
 * The outbox relay, run by every server: one loop that moves each sink's cursor over the outbox in the relay's order
 * ((tx, id) below the snapshot's xmin, ADR 0010; sink-round.ts: a batch a round, nothing written per event that goes
 * through) and retries what was held back as rows. Nothing numbers the events first. The loop polls adaptively:
 * right away while there is more, `minPollMs` (25) after some work, backing off to `maxPollMs` (200) while idle. Not
 * LISTEN/NOTIFY: NOTIFY takes a global lock at commit that would serialise every committing transaction, capture's
 * included.
 *
 * At least once: a sink is leased for its round, and a held delivery while it is retried; a server killed
 * mid-delivery leaves the lease to expire and another sends again, with the same event ids. Failures are retried
 * with exponential backoff and jitter until `giveUpAfterMs` (3 days by default) after the first failure; a webhook
 * endpoint whose delivery is given up is disabled with the reason recorded (and an `integration.webhook_disabled`
 * event for the team).
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { toEnvelope } from './event.js';
import type { NatsSink } from './nats-sink.js';
import { claimDeliveries, releaseDeliveries, settleDeliveries, type AttemptOutcome, type ClaimedDelivery } from './relay.repository.js';
import { sendOne, type LocalSink, type Senders } from './relay-send.js';
import { leaseSinks } from './sink-cursor.repository.js';
import { runSinkRound } from './sink-round.js';
import type { WebhookOptions } from './webhook-delivery.js';
import { disableSubscription } from './webhook.repository.js';

export type { LocalSink } from './relay-send.js';

export interface RelayOptions {
  db: Db;
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  webhook: WebhookOptions;
  nats?: NatsSink | null;
  /** The notifications sink (src/notification), given by the server; without it, notification deliveries wait for a server that has it. */
  notifications?: LocalSink | null;
  /** The connectors sink (src/connector: stock and parcel pushes to the channels); like notifications. */
  connectors?: LocalSink | null;
  /** Events per sink per round (at most 1024, default 500), and held deliveries claimed per round. */
  batchSize?: number;
  /** How long a leased sink (or claimed delivery) is this server's (default: twice the webhook timeout and 5 s): a server killed mid-delivery delays it by this much. */
  leaseMs?: number;
  minPollMs?: number;
  maxPollMs?: number;
  backoff?: Partial<Backoff>;
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
  /**
   * Delivers now until every sink this server handles has read everything that can be read (tests; the loop keeps
   * running), waiting up to `unreadableMs` (default 30 s) for events committed but not readable yet.
   */
  drain(opts?: { unreadableMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export function startRelay(opts: RelayOptions): Relay {
  const batch = Math.min(opts.batchSize ?? 500, 1024);
  const leaseMs = opts.leaseMs ?? opts.webhook.timeoutMs * 2 + 5_000;
  const maxPoll = opts.maxPollMs ?? 200;
  const minPoll = Math.min(opts.minPollMs ?? 25, maxPoll);
  const backoff = { ...defaultBackoff, ...opts.backoff };
  const senders: Senders = { webhook: opts.webhook, nats: opts.nats ?? null, notifications: opts.notifications ?? null, connectors: opts.connectors ?? null };
  let stopped = false;

  async function deliver(d: ClaimedDelivery): Promise<AttemptOutcome> {
    const r = await sendOne(senders, d.kind, d.webhook, toEnvelope(d.event));
    if (r.delivered) return { deliveryId: d.id, outboxId: d.event.id, ...r, retryAt: null };
    return {
      deliveryId: d.id, outboxId: d.event.id, ...r, error: r.error ?? 'failed',
      // NATS is retried for as long as it takes: events wait for it rather than being dropped.
      retryAt: d.kind === 'nats' ? retryAt({ ...backoff, maxMs: Math.min(backoff.maxMs, 30_000), giveUpAfterMs: Infinity }, d.attempts, d.createdAt, new Date())
        : retryAt(backoff, d.attempts, d.createdAt, new Date()),
    };
  }

  /** The cursor path: a round for every sink this server handles that has events to read after its cursor. */
  async function cursorRounds(): Promise<{ advanced: number; more: boolean }> {
    const sinks = await leaseSinks(opts.db, allKinds ? null : await handledSinks(), leaseMs);
    const rounds = await Promise.all(sinks.map(async (sink) => {
      try {
        const r = await runSinkRound({ db: opts.db, senders, batch, leaseMs, backoff }, sink);
        if (r.disabled) opts.logger.warn({ sink: sink.sink, reason: r.disabled }, 'webhook endpoint disabled');
        return r;
      } catch (err) {
        // The lease runs out and the round is done again (by this server or another).
        if (!stopped) opts.logger.error({ err, sink: sink.sink }, 'event relay: sink round failed');
        return { advanced: 0, more: false };
      }
    }));
    return { advanced: rounds.reduce((a, r) => a + r.advanced, 0), more: rounds.some((r) => r.more) };
  }

  /** The retry path: deliveries held back as rows (failed attempts, what waits behind them, replays). */
  async function retryRound(): Promise<number> {
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

  // Held deliveries are few: while there are none, they are looked for once per `maxPoll`, not every round.
  let retryDueAt = 0;
  async function deliverRound(): Promise<number> {
    const retry = Date.now() >= retryDueAt ? retryRound() : Promise.resolve(0);
    const [cursor, retried] = await Promise.all([cursorRounds(), retry]);
    if (retried === 0 && Date.now() >= retryDueAt) retryDueAt = Date.now() + maxPoll;
    if (retried > 0) retryDueAt = 0;
    // A sink with more than a batch waiting goes again at once.
    return cursor.more || retried >= batch ? batch : cursor.advanced + retried;
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
  /** Runs `round` until stopped. */
  function loop(name: string, round: () => Promise<number>): void {
    loops.push((async () => {
      let idle = minPoll;
      while (!stopped) {
        let n = 0;
        try {
          n = await round();
        } catch (err) {
          if (stopped) break;
          opts.logger.error({ err }, `event relay: ${name} failed`);
        }
        if (n >= batch) { idle = minPoll; continue; }
        idle = n > 0 ? minPoll : Math.min(maxPoll, idle * 2);
        await sleep(idle);
      }
    })());
  }
  loop('delivery', deliverRound);

  return {
    async drain({ unreadableMs = 30_000 } = {}) {
      // Until every sink this server handles has read every event that can be read and nothing held is due,
      // counting what the background loop (or another server) holds right now. Events committed but not readable
      // yet (a transaction that took its id before theirs is still running, in any database of the cluster) are
      // waited for up to `unreadableMs`: a transaction left open would hold the drain for ever.
      const until = Date.now() + 30_000;
      const unreadableUntil = Date.now() + unreadableMs;
      while (Date.now() < until) {
        if ((await cursorRounds()).advanced > 0 || (await retryRound()) > 0) continue;
        const left = await sql<{ n: number }>`
          SELECT (SELECT count(*) FROM event_sinks s WHERE s.active AND s.kind = ANY(${kinds}::text[]) AND EXISTS (
                    SELECT 1 FROM outbox_events o
                    WHERE (o.tx, o.id) > (s.after_tx, s.after_id) AND o.tx < pg_snapshot_xmin(pg_current_snapshot())))
            + (SELECT count(*) FROM event_deliveries d JOIN event_sinks s ON s.sink = d.sink AND s.active
               WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.kind = ANY(${kinds}::text[])
                 -- Not one that waits for an earlier event of its aggregate the cursor has not passed yet.
                 AND NOT EXISTS (SELECT 1 FROM outbox_events x
                   WHERE x.aggregate_type = d.aggregate_type AND x.aggregate_id = d.aggregate_id AND x.tx >= s.after_tx
                     AND x.id < d.outbox_id AND (x.tx, x.id) > (s.after_tx, s.after_id))) AS n
        `.execute(opts.db);
        if (Number(left.rows[0]?.n ?? 0) === 0) {
          if (Date.now() > unreadableUntil) return;
          const unreadable = await sql<{ n: number }>`
            SELECT count(*) AS n FROM event_sinks s WHERE s.active AND s.kind = ANY(${kinds}::text[]) AND EXISTS (
              SELECT 1 FROM outbox_events o WHERE (o.tx, o.id) > (s.after_tx, s.after_id))
          `.execute(opts.db);
          if (Number(unreadable.rows[0]?.n ?? 0) === 0) return;
        }
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

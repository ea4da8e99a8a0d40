/**
 * One cursor round for one leased sink (ADR 0008, 0010): read the events after its cursor, send them, move the cursor
 * once. Per aggregate in id order (= version order; the relay's (tx, id) order may differ within an aggregate, see
 * readSinkEvents): an aggregate's events in the round go one after the other, aggregates side by side; NATS gets the
 * whole round published at once. An attempt that fails is held as a
 * row for the retry path, and so is every later event of its aggregate (in this round, and in later rounds while a
 * row of that aggregate is pending): version 3 never goes before version 2. Availability events are coalesced: of an
 * aggregate's events in the round only the newest is sent.
 */
import type { Db } from '../db/database.js';
import { toEnvelope } from './event.js';
import type { Backoff } from './relay.js';
import { retryAt } from './relay.js';
import { publishAll, sendOne, type Senders, type SendResult } from './relay-send.js';
import { endRound, readSinkEvents, type CursorEvent, type HeldEvent, type LeasedSink } from './sink-cursor.repository.js';
import { disableSubscription } from './webhook.repository.js';

export interface RoundOptions {
  db: Db;
  senders: Senders;
  batch: number;
  leaseMs: number;
  backoff: Backoff;
}

export interface RoundResult {
  /** Events (of any type) the cursor moved over (0 when the lease was lost). */
  advanced: number;
  /** Whether there is more after this round's batch. */
  more: boolean;
  /** Set when a webhook endpoint was disabled: why. */
  disabled: string | null;
}

const AVAILABILITY = 'inventory.availability_changed';
const keyOf = (e: CursorEvent) => `${e.aggregate_type}\u0000${e.aggregate_id}`;

export async function runSinkRound(o: RoundOptions, sink: LeasedSink): Promise<RoundResult> {
  const started = Date.now();
  // Past this, no new send starts: the rest is held for the retry path, so the round ends well within its lease.
  const deadline = started + Math.max(o.leaseMs / 2, o.leaseMs - o.senders.webhook.timeoutMs - 1_000);
  const read = await readSinkEvents(o.db, sink, o.batch);
  if (read.upTo === null) {
    // Nothing to read after all (another relay moved the cursor between the lease and the read): give the lease back.
    await endRound(o.db, { sink: sink.sink, token: sink.token, to: sink.after, held: [], log: null });
    return { advanced: 0, more: false, disabled: null };
  }
  const newest = new Map<string, number>();
  for (const e of read.events) if (e.type === AVAILABILITY) newest.set(keyOf(e), Math.max(e.id, newest.get(keyOf(e)) ?? 0));
  const events = read.events.filter((e) => e.type !== AVAILABILITY || newest.get(keyOf(e)) === e.id);

  const held: HeldEvent[] = [];
  const log: { outboxId: number; statusCode: number; latencyMs: number }[] = [];
  const wait = (e: CursorEvent) => held.push({ outboxId: e.id, attempted: false, statusCode: null, latencyMs: 0, error: null, responseExcerpt: null, retryAt: null });
  // Set by settle (in the sends' callbacks) when an attempt is given up: the endpoint is then disabled.
  const outcome: { givenUp: string | null } = { givenUp: null };
  const settle = (e: CursorEvent, r: SendResult): boolean => {
    if (r.delivered) {
      if (sink.kind === 'webhook') log.push({ outboxId: e.id, statusCode: r.statusCode ?? 0, latencyMs: r.latencyMs });
      return true;
    }
    const now = new Date();
    // NATS is retried for as long as it takes: events wait for it rather than being dropped.
    const at = sink.kind === 'nats' ? retryAt({ ...o.backoff, maxMs: Math.min(o.backoff.maxMs, 30_000), giveUpAfterMs: Infinity }, 1, now, now)
      : retryAt(o.backoff, 1, now, now);
    if (at === null) outcome.givenUp = r.error ?? 'unknown';
    held.push({ outboxId: e.id, attempted: true, statusCode: r.statusCode, latencyMs: r.latencyMs, error: r.error ?? 'failed', responseExcerpt: r.responseExcerpt, retryAt: at });
    return false;
  };

  const chains = new Map<string, CursorEvent[]>();
  for (const e of events) {
    if (e.blocked) { wait(e); continue; }
    const chain = chains.get(keyOf(e));
    if (chain) chain.push(e);
    else chains.set(keyOf(e), [e]);
  }
  // Per aggregate by id: within one read, an aggregate's events may come out of id order in (tx, id) order.
  for (const chain of chains.values()) chain.sort((a, b) => a.id - b.id);
  if (sink.kind === 'nats') {
    const sendable = [...chains.values()].flat();
    const results = new Map((await publishAll(o.senders, sendable.map(toEnvelope))).map((r, i) => [sendable[i]!.id, r]));
    for (const chain of chains.values()) {
      // After a failed publish, the aggregate's later events go again after it (JetStream drops what it has by id).
      const failedAt = chain.findIndex((e) => !settle(e, results.get(e.id)!));
      if (failedAt >= 0) chain.slice(failedAt + 1).forEach(wait);
    }
  } else {
    await Promise.all([...chains.values()].map(async (chain) => {
      for (const [i, e] of chain.entries()) {
        if (Date.now() > deadline) { chain.slice(i).forEach(wait); return; }
        if (!settle(e, await sendOne(o.senders, sink.kind, sink.webhook, toEnvelope(e)))) { chain.slice(i + 1).forEach(wait); return; }
      }
    }));
  }
  const moved = await endRound(o.db, { sink: sink.sink, token: sink.token, to: read.upTo, held, log: sink.kind === 'webhook' ? log : null });
  let disabled: string | null = null;
  if (moved && outcome.givenUp !== null && sink.kind === 'webhook') {
    disabled = `deliveries failed for ${Math.round(o.backoff.giveUpAfterMs / 3_600_000)} hours; last error: ${outcome.givenUp}`;
    await disableSubscription(o.db, sink.sink, disabled);
  }
  return { advanced: moved ? read.covered : 0, more: read.covered >= o.batch, disabled };
}

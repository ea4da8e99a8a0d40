/**
 * Pull jobs: a mapping connector with `settings.pull` asks the channel's order feed for new orders on a schedule (the
 * `connectors.pull` job, every minute, pg-boss), instead of (or besides) receiving webhooks.
 *
 * - The feed: `GET {url}?cursor={cursor}&limit={limit}` with `Authorization: Bearer {pullToken}`, answering
 *   `{ "orders": [payload, …], "next": "cursor" | null }`; each payload goes through the connector's mapping and
 *   capture like a webhook (de-duplicated per channel and external reference, so a page read twice is harmless).
 * - The cursor moves on only after every order of its page was handled (captured, a duplicate, held or logged as
 *   refused): a crash mid-page reads the page again.
 * - A full page means a backlog: the next page follows at once, but no faster than `maxRequestsPerMinute` (the
 *   channel's rate limit); otherwise the feed is asked again after `intervalSeconds`.
 * - A failed ask (network, 429, 5xx, an answer that is not a feed page) backs off exponentially, with jitter, from
 *   5 s to an hour, and is logged; the cursor stays.
 * - Several servers run the job: a connector is claimed with FOR UPDATE SKIP LOCKED and leased (its next ask moved
 *   ahead) while one of them pulls it.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { CaptureBatched } from '../order/index.js';
import type { MappingSettings } from './connector.js';
import { writeLog } from './connector.repository.js';
import { jobWriter, pageWriter, receiveOrder } from './receive-order.js';
import { openSecrets } from './secret-box.js';

const LEASE_MS = 5 * 60_000;

export interface PullOptions {
  secretKey: Buffer | null;
  /** Capture's batches: a page's orders join them together (as POST …/connector/orders/bulk); without, one transaction each. */
  captureBatched?: CaptureBatched;
  /** Stop starting new asks after this long (the job runs every minute). */
  maxMs?: number;
  timeoutMs?: number;
  random?: () => number;
}

export interface PullSummary { connectors: number; pages: number; orders: number; failures: number }

interface Claimed { channel_id: string; code: string; currency: string; settings: MappingSettings; secrets: Buffer | null; pull_cursor: string | null; pull_failures: number }

export function pullBackoffMs(failures: number, random = Math.random): number {
  const delay = Math.min(3_600_000, 5_000 * 2 ** Math.min(failures - 1, 20));
  return Math.round(delay / 2 + random() * (delay / 2));
}

export async function pullDueConnectors(db: Db, opts: PullOptions): Promise<PullSummary> {
  const started = Date.now();
  const maxMs = opts.maxMs ?? 50_000;
  const claimed = await sql<Claimed>`
    WITH due AS (
      SELECT c.channel_id FROM connectors c
      WHERE c.active AND c.kind = 'mapping' AND c.settings ? 'pull' AND coalesce(c.pull_next_at, '-infinity') <= now()
      ORDER BY c.pull_next_at NULLS FIRST LIMIT 20 FOR UPDATE SKIP LOCKED
    )
    UPDATE connectors c SET pull_next_at = now() + ${`${LEASE_MS} milliseconds`}::interval
    FROM due, channels ch WHERE c.channel_id = due.channel_id AND ch.id = c.channel_id AND ch.active
    RETURNING c.channel_id, ch.code, ch.currency, c.settings, c.secrets, c.pull_cursor, c.pull_failures
  `.execute(db);
  const summary: PullSummary = { connectors: claimed.rows.length, pages: 0, orders: 0, failures: 0 };
  await Promise.all(claimed.rows.map(async (c) => {
    const pull = c.settings.pull;
    if (!pull) return;
    const limit = pull.limit ?? 50;
    const spacingMs = 60_000 / (pull.maxRequestsPerMinute ?? 30);
    const token = c.secrets && opts.secretKey ? openSecrets(opts.secretKey, c.secrets).pullToken : undefined;
    const actor = { id: c.channel_id, name: `connector:${c.code}` };
    const writer = opts.captureBatched ? pageWriter({ db, captureBatched: opts.captureBatched }, { ...actor, requestId: newId() }) : jobWriter(db, actor);
    let cursor = c.pull_cursor;
    let failures = c.pull_failures;
    let nextInMs = (pull.intervalSeconds ?? 60) * 1000;
    for (;;) {
      const asked = Date.now();
      const page = await askFeed(pull.url, cursor, limit, token, opts.timeoutMs ?? 15_000);
      summary.pages++;
      if ('error' in page) {
        failures++;
        summary.failures++;
        nextInMs = pullBackoffMs(failures, opts.random);
        await writeLog(db, [{ channelId: c.channel_id, direction: 'inbound', topic: 'pull', outcome: 'failed', statusCode: page.statusCode, message: page.error, details: { cursor } }]);
        break;
      }
      try {
        // Each order stands alone: one the channel got wrong is refused and logged (by receiveOrder), and the page
        // goes on; anything else (the database away) stops here, the cursor unmoved, to read the page again. The
        // page's orders start together, in its order, so that their captures share batches.
        const receivedAt = new Date();
        await Promise.all(page.orders.map((payload) => receiveOrder(db, writer, { channel: { id: c.channel_id, code: c.code, currency: c.currency }, connector: { kind: 'mapping', settings: c.settings }, topic: 'pull', payload, receivedAt })
          .then(() => { summary.orders++; }, (e: unknown) => { if (!(e instanceof AppError)) throw e; })));
      } catch (e) {
        failures++;
        summary.failures++;
        nextInMs = pullBackoffMs(failures, opts.random);
        await writeLog(db, [{ channelId: c.channel_id, direction: 'inbound', topic: 'pull', outcome: 'failed', message: e instanceof Error ? e.message : String(e), details: { cursor } }]).catch(() => undefined);
        break;
      }
      failures = 0;
      cursor = page.next ?? cursor;
      await sql`UPDATE connectors SET pull_cursor = ${cursor}, pull_failures = 0 WHERE channel_id = ${c.channel_id}`.execute(db);
      const backlog = page.orders.length >= limit && page.next !== null;
      if (!backlog || Date.now() - started > maxMs) { nextInMs = backlog ? 0 : nextInMs; break; }
      // The channel's rate limit: the next page of a backlog no sooner than its share of a minute.
      await new Promise((r) => setTimeout(r, Math.max(0, spacingMs - (Date.now() - asked))));
    }
    await sql`
      UPDATE connectors SET pull_failures = ${failures}, pull_next_at = now() + ${`${nextInMs} milliseconds`}::interval WHERE channel_id = ${c.channel_id}
    `.execute(db);
  }));
  return summary;
}

type Page = { orders: unknown[]; next: string | null } | { error: string; statusCode: number | null };

async function askFeed(url: string, cursor: string | null, limit: number, token: string | undefined, timeoutMs: number): Promise<Page> {
  const target = new URL(url);
  if (cursor !== null) target.searchParams.set('cursor', cursor);
  target.searchParams.set('limit', String(limit));
  try {
    const res = await fetch(target, { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok) return { error: `${res.status} ${text.slice(0, 200)}`, statusCode: res.status };
    const body = JSON.parse(text) as { orders?: unknown; next?: unknown };
    if (!Array.isArray(body.orders) || (body.next !== undefined && body.next !== null && typeof body.next !== 'string')) {
      return { error: 'the feed answered something else than { orders: [...], next }', statusCode: res.status };
    }
    return { orders: body.orders as unknown[], next: typeof body.next === 'string' ? body.next : null };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), statusCode: null };
  }
}

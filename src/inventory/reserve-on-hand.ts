/**
 * The hot path of POST /v1/reservations (no channel: no allocation rules, no presale). Concurrent requests are
 * written together (group commit, src/db/batcher.ts): one autocommit statement per batch decides, in arrival order,
 * which requests can be met in full (`ordo_decide_reservations`, which locks the batch's stock rows in key order),
 * and for those claims the Idempotency-Key with the answer, moves the counters with the conditional UPDATE, and
 * writes ledger, reservation and audit rows. A refused request writes nothing and gets its 409; a request whose key
 * was used before gets the first answer. One batch, one round trip, one trigger run, one commit; a hot SKU's row
 * lock is held for that one statement.
 *
 * The answer is built before writing (ids, codes and times are known) and is exactly what a read returns.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { Batcher } from '../db/batcher.js';
import { checkClaim, RetryCommand, type AuditOf, type CommandContext, type CommandResult, type IdempotencyClaim, MAX_ATTEMPTS } from '../db/command.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { newId } from '../shared/ids.js';
import { freeUnits } from './inventory.js';
import type { ResolvedRefs } from './refs.repository.js';
import { shortfallError, type ReserveLine } from './reserve-stock.js';
import { findLevels, movementCtes, movementResult } from './stock.repository.js';

export interface ReservationView {
  id: string; sku: string; skuId: string; location: string; locationId: string; channelId: string | null; quantity: number;
  committed: number; released: number; status: 'open'; source: 'on_hand'; expectedOn: null; referenceType: string;
  referenceId: string; expiresAt: string | null; createdAt: string; closedAt: null;
}

type Body = { reservations: ReservationView[] };

/** One request of a batch. */
interface Request {
  lines: readonly ReserveLine[];
  views: ReservationView[];
  createdAt: Date;
  expiresAt: Date | null;
  actor: string;
  audit: AuditOf;
  ctx: CommandContext;
  claim: IdempotencyClaim | null;
}

type PriorRequest = Parameters<typeof checkClaim>[1]['prior'];

/** What the batch statement decided for one request. */
type Decision =
  | { kind: 'reserved' }
  | { kind: 'refused'; batchLostARace: boolean }
  | { kind: 'answered-before'; prior: PriorRequest }
  /** Its lines fit, but a concurrent request with the same key claimed it first. */
  | { kind: 'key-taken' };

/**
 * Requests written at once, and batches in flight. One batch at a time measured best on the 2-core benchmark
 * machine (docs/benchmarks.md): a second one in flight halves the batches and competes for the same CPUs.
 */
const MAX_BATCH = 64;
const MAX_IN_FLIGHT = 1;

export type ReserveOnHand = (
  lines: readonly ReserveLine[],
  opts: { expiresAt: Date | null; refs: ResolvedRefs; actor: string; ctx: CommandContext },
) => Promise<CommandResult<Body>>;

export function onHandReservations(db: Db): ReserveOnHand {
  const batcher = new Batcher<Request, Decision>((requests) => writeBatch(db, requests), { maxBatch: MAX_BATCH, maxInFlight: MAX_IN_FLIGHT });
  return async (lines, opts) => {
    const createdAt = new Date();
    const views: ReservationView[] = lines.map((l) => ({
      id: newId(), sku: opts.refs.code('sku', l.skuId), skuId: l.skuId, location: opts.refs.code('location', l.locationId),
      locationId: l.locationId, channelId: null, quantity: l.quantity, committed: 0, released: 0, status: 'open', source: 'on_hand',
      expectedOn: null, referenceType: l.referenceType, referenceId: l.referenceId, expiresAt: opts.expiresAt?.toISOString() ?? null,
      createdAt: createdAt.toISOString(), closedAt: null,
    }));
    const audit = { action: 'stock.reserved', entityType: 'reservation', entityId: views[0]?.id ?? null, details: { lines: views.length } };
    const request: Request = { lines, views, createdAt, expiresAt: opts.expiresAt, actor: opts.actor, audit, ctx: opts.ctx, claim: opts.ctx.idempotency };
    const decision = await batcher.submit(request);
    switch (decision.kind) {
      case 'reserved':
        return { created: true, value: { reservations: views }, audit, persisted: true };
      case 'answered-before':
        checkClaim(request.claim, { claimed: false, prior: decision.prior });
        throw new Error('unreachable: checkClaim answers a request whose key was used before');
      case 'key-taken':
        throw new RetryCommand('idempotency key claimed by a concurrent request');
      case 'refused':
        // A request that took its key from a batch-mate was counted as taking stock it did not take.
        if (decision.batchLostARace) throw new RetryCommand('a request of the batch lost its idempotency key');
        return refusedAnswer(db, lines, opts.ctx);
    }
  };
}

/**
 * The request could not be met. If every line has enough now (stock arrived meanwhile), run it again; otherwise
 * answer 409 with each short line.
 */
async function refusedAnswer(db: Db, lines: readonly ReserveLine[], ctx: CommandContext): Promise<never> {
  const levels = await findLevels(db, lines);
  const free = (i: number) => {
    const l = levels[i];
    return l ? freeUnits(l) : 0;
  };
  const short = lines.flatMap((l, i) => (free(i) < l.quantity ? [i] : []));
  if (short.length === 0 && ctx.attempt < MAX_ATTEMPTS) throw new RetryCommand('stock arrived after the request was refused');
  const named = short.length > 0 ? short : lines.map((_, i) => i);
  throw shortfallError(lines, named, named.map((i) => levels[i]));
}

async function writeBatch(db: Db, requests: readonly Request[]): Promise<Decision[]> {
  const items = requests.map((r, item) => ({
    item, principal_id: r.claim?.principalId ?? null, key: r.claim?.key ?? null, method: r.claim?.method ?? null,
    path: r.claim?.path ?? null, request_hash: r.claim?.requestHash ?? null, answer_status: r.claim?.createdStatus ?? null,
    // The answer is stored only with a key; it is what a replay returns.
    body: r.claim ? { reservations: r.views } : null,
    actor_id: r.ctx.actorId, actor_name: r.ctx.actorName, request_id: r.ctx.requestId, entity_id: r.audit.entityId,
    details: r.audit.details ?? {},
  }));
  const lines = requests.flatMap((r, item) => r.lines.map((l) => ({ item, sku_id: l.skuId, location_id: l.locationId, quantity: l.quantity })));
  const movements = requests.flatMap((r, item) => r.lines.map((l, i) => ({
    skuId: l.skuId, locationId: l.locationId, reserved: l.quantity, reason: 'reservation' as const, referenceType: 'reservation',
    referenceId: r.views[i]?.id ?? null, actor: r.actor, item,
  })));
  const reservations = requests.flatMap((r, item) => r.lines.map((l, i) => ({
    id: r.views[i]?.id ?? newId(), skuId: l.skuId, locationId: l.locationId, channelId: null, quantity: l.quantity,
    referenceType: l.referenceType, referenceId: l.referenceId, expiresAt: r.expiresAt, createdAt: r.createdAt, item,
  })));
  const result = await sql<{ item: number; accepted: boolean | null; owned: boolean; prior: PriorRequest }>`
    WITH items AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(items)}::jsonb) AS x(
        item int, principal_id uuid, key text, method text, path text, request_hash text, answer_status int, body jsonb,
        actor_id uuid, actor_name text, request_id text, entity_id uuid, details jsonb)
    ),
    -- Keys answered before (committed): those requests replay the first answer and take no part.
    prior AS (
      SELECT i.item, row_to_json(k) AS prior FROM items i
      CROSS JOIN LATERAL (
        SELECT k.request_hash, k.response_status, k.response_body, k.method, k.path FROM idempotency_keys k
        WHERE k.principal_id = i.principal_id AND k.key = i.key
      ) k
    ),
    decided AS (SELECT * FROM ordo_decide_reservations(${JSON.stringify(lines)}::jsonb, ARRAY(SELECT item FROM prior))),
    -- The key of each request that fits, stored with its answer. A concurrent request with the same key makes this
    -- wait for it; if it commits, this request does not own its key and moves nothing.
    claim AS (
      INSERT INTO idempotency_keys (principal_id, key, method, path, request_hash, response_status, response_body)
      SELECT i.principal_id, i.key, i.method, i.path, i.request_hash, i.answer_status, i.body
      FROM items i JOIN decided d USING (item)
      WHERE d.accepted AND i.key IS NOT NULL
      ORDER BY i.principal_id, i.key
      ON CONFLICT (principal_id, key) DO NOTHING
      RETURNING principal_id, key
    ),
    owned AS (
      SELECT d.item FROM decided d JOIN items i USING (item)
      WHERE d.accepted AND (i.key IS NULL OR EXISTS (SELECT 1 FROM claim c WHERE c.principal_id = i.principal_id AND c.key = i.key))
    ),
    ${movementCtes(movements, { guard: 'available', actor: '', reservations, items: sql<number>`SELECT item FROM owned` })},
    audit AS (
      INSERT INTO audit_log (actor_id, actor_name, action, entity_type, entity_id, request_id, details)
      SELECT i.actor_id, i.actor_name, 'stock.reserved', 'reservation', i.entity_id, i.request_id, i.details
      FROM items i WHERE i.item IN (SELECT item FROM owned)
    )
    SELECT i.item, d.accepted, i.item IN (SELECT item FROM owned) AS owned, p.prior,
      -- Never happens while the rows are locked as decided; if it did, the statement fails and each request of the
      -- batch runs again alone.
      ordo_refuse_if((SELECT count(*) FROM (${movementResult}) r WHERE r."onHand" IS NULL)) AS complete
    FROM items i LEFT JOIN decided d USING (item) LEFT JOIN prior p USING (item)
    ORDER BY i.item
  `.execute(db).catch((e: unknown) => {
    if (isPgError(e, pgCode.stockRefused)) throw new RetryCommand('a decided reservation was refused by its stock row');
    throw e;
  });
  const lostARace = result.rows.some((row) => row.accepted && !row.owned);
  return result.rows.map((row): Decision => {
    if (row.owned) return { kind: 'reserved' };
    if (row.prior) return { kind: 'answered-before', prior: row.prior };
    if (row.accepted) return { kind: 'key-taken' };
    return { kind: 'refused', batchLostARace: lostARace };
  });
}

/**
 * One order a channel sent (a webhook, a pull, a call of the API), to an Ordo order:
 *
 * 1. map it to a capture request (Shopify's own mapping, or the connector's JSONata mapping) — a payload the mapping
 *    cannot read is refused naming the field;
 * 2. a cancelled one cancels the Ordo order it became (or is ignored if it never became one);
 * 3. otherwise capture it through capture's own path, de-duplicated per (channel, external reference): the same
 *    payload twice is one order;
 * 4. an order naming a SKU the catalogue does not know cannot be an order (a line must reserve a SKU's stock): it is
 *    held with the reason, in the connector, and captured again when the channel sends it again or someone retries it;
 * 5. the outcome is logged (after the capture, outside its statement: capture stays two statements, ADR 0002).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db, DbOrTrx, Trx } from '../db/database.js';
import { isRetryable, MAX_ATTEMPTS, persistOutcome, type CommandContext, type CommandResult } from '../db/command.js';
import { inTransaction } from '../db/database.js';
import type { AutocommitOptions, RunCommand } from '../http/command.js';
import { cancelOrder, captureOrder, type CaptureBatched, type CaptureOrder, type Order } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { InboundResult } from './connector.js';
import { discardHeld, findChannelOrder, holdOrder, logEntry, type ConnectorRow, type LogEntry } from './connector.repository.js';
import { toCapture, type ToCapture } from './mapped-order.js';
import { mapPayload, type BuiltInMapping } from './mapping.js';
import { shopifyToMapped } from './shopify.js';

export interface InboundChannel {
  id: string;
  code: string;
  currency: string;
}

/** How an inbound order is written: through the HTTP command runner (webhooks, the API) or a job's own transactions (pulls). */
export interface OrderWriter {
  capture(input: CaptureOrder): Promise<Order>;
  cancel(orderId: string, reason: string): Promise<Order>;
}

export interface Inbound {
  db: Db;
  run: RunCommand;
  captureBatched: CaptureBatched;
}

/** The same two-step capture POST /v1/orders runs: batched first, then (retries, what a batch leaves) in a transaction. */
const captureWork = (deps: Inbound, input: CaptureOrder) => (db: DbOrTrx, ctx: CommandContext): Promise<CommandResult<Order>> =>
  (ctx.attempt === 1 ? deps.captureBatched(input, ctx) : captureOrder(inTransaction(db), input, ctx));
const captureOptions: AutocommitOptions<Order> = { ownsIdempotency: true, autocommit: (attempt) => attempt === 1 };

export function httpWriter(deps: Inbound, request: FastifyRequest, reply: FastifyReply): OrderWriter {
  return {
    capture: (input) => deps.run(request, reply, captureWork(deps, input), captureOptions),
    cancel: (orderId, reason) => deps.run(request, reply, (trx, ctx) => cancelOrder(trx, orderId, { reason }, ctx)),
  };
}

/** Who writes: the request or job's actor, and the request id its writes are recorded under. */
export interface WriterActor { id: string; name: string; requestId?: string }

/** For work outside a request's transaction (pull jobs, pages): each order in a transaction of its own, retried like the runner retries. */
export function jobWriter(db: Db, actor: WriterActor): OrderWriter {
  const inTx = async (work: (trx: Trx, ctx: CommandContext) => Promise<CommandResult<Order>>): Promise<Order> => {
    for (let attempt = 1; ; attempt++) {
      const ctx: CommandContext = { requestId: actor.requestId ?? newId(), actorId: actor.id, actorName: actor.name, attempt, idempotency: null };
      try {
        return await db.transaction().execute(async (trx) => {
          const result = await work(trx, ctx);
          if (!result.persisted) await persistOutcome(trx, ctx, null, result, 200);
          return result.value;
        });
      } catch (e) {
        if (isRetryable(e) && attempt < MAX_ATTEMPTS) continue;
        throw e;
      }
    }
  };
  return {
    capture: (input) => inTx((trx, ctx) => captureOrder(trx, input, ctx)),
    cancel: (orderId, reason) => inTx((trx, ctx) => cancelOrder(trx, orderId, { reason }, ctx)),
  };
}

/**
 * For a page of orders in one request (POST …/connector/orders/bulk): each capture joins the capture batches first,
 * as POST /v1/orders/bulk does; what a batch leaves to a transaction, and a cancellation, runs in a transaction of its
 * own. No connection is held for the whole page: its orders' logs and holds use the same pool meanwhile.
 */
export function pageWriter(deps: Pick<Inbound, 'db' | 'captureBatched'>, actor: WriterActor & { requestId: string }): OrderWriter {
  const alone = jobWriter(deps.db, actor);
  return {
    capture: async (input) => {
      try {
        return (await deps.captureBatched(input, { requestId: actor.requestId, actorId: actor.id, actorName: actor.name, attempt: 1, idempotency: null })).value;
      } catch (e) {
        if (!isRetryable(e)) throw e;
        return alone.capture(input);
      }
    },
    cancel: (orderId, reason) => alone.cancel(orderId, reason),
  };
}

/** The HTTP status of an inbound result. */
export const inboundStatus = (r: InboundResult): number => (r.result === 'created' ? 201 : r.result === 'held' ? 202 : 200);

/** The connector's mapping applied to a payload. */
export async function mapInbound(connector: Pick<ConnectorRow, 'kind' | 'settings'>, channel: InboundChannel, payload: unknown): Promise<ToCapture> {
  if (connector.kind === 'shopify') return toCapture(shopifyToMapped(payload), channel);
  if (connector.kind === 'mapping') {
    const settings = connector.settings as { mapping: BuiltInMapping | 'custom'; expression?: string };
    return mapPayload({ mapping: settings.mapping, expression: settings.expression }, payload, channel);
  }
  throw new AppError('validation_failed', `a ${connector.kind} connector takes no JSON orders: import its files (POST /v1/channels/${channel.code}/orders/import)`);
}

export interface ReceiveInput {
  channel: InboundChannel;
  connector: Pick<ConnectorRow, 'kind' | 'settings'>;
  topic: string;
  payload: unknown;
  /** When Ordo got it: the lag is this minus when the channel says the order was placed. */
  receivedAt: Date;
}

export async function receiveOrder(db: Db, writer: OrderWriter, input: ReceiveInput): Promise<InboundResult> {
  const { channel, topic } = input;
  const log = (entry: Omit<LogEntry, 'channelId' | 'direction' | 'topic'>) => logEntry(db, { channelId: channel.id, direction: 'inbound', topic, ...entry });
  let mapped: ToCapture;
  try {
    mapped = await mapInbound(input.connector, channel, input.payload);
  } catch (e) {
    if (e instanceof AppError) await log({ outcome: 'rejected', statusCode: 400, message: e.detail, externalRef: externalRefOf(input.payload) });
    throw e;
  }
  const { capture } = mapped;
  const placedAt = capture.placedAt ? Date.parse(capture.placedAt) : Number.NaN;
  const lagMs = Number.isFinite(placedAt) ? Math.max(0, input.receivedAt.getTime() - placedAt) : null;

  if (mapped.cancelled) {
    const existing = await findChannelOrder(db, channel.id, capture.externalRef);
    if (!existing) {
      await discardHeld(db, channel.id, capture.externalRef);
      await log({ outcome: 'ignored', statusCode: 200, externalRef: capture.externalRef, message: 'cancelled on the channel before Ordo captured it' });
      return { result: 'ignored', externalRef: capture.externalRef, reason: 'cancelled on the channel before Ordo captured it' };
    }
    if (existing.status === 'cancelled') {
      await log({ outcome: 'duplicate', statusCode: 200, externalRef: capture.externalRef, orderId: existing.id, lagMs, message: 'already cancelled' });
      return { result: 'duplicate', externalRef: capture.externalRef, orderId: existing.id, status: existing.status };
    }
    try {
      const order = await writer.cancel(existing.id, `cancelled on channel ${channel.code}`);
      await log({ outcome: 'ok', statusCode: 200, externalRef: capture.externalRef, orderId: order.id, lagMs, message: 'cancelled' });
      return { result: 'cancelled', externalRef: capture.externalRef, orderId: order.id, number: order.number, status: order.status };
    } catch (e) {
      if (e instanceof AppError) await log({ outcome: 'rejected', statusCode: 409, externalRef: capture.externalRef, orderId: existing.id, message: e.detail });
      throw e;
    }
  }

  try {
    const order = await writer.capture(capture);
    await log({
      outcome: order.duplicate ? 'duplicate' : 'ok', statusCode: order.duplicate ? 200 : 201, externalRef: capture.externalRef, orderId: order.id, lagMs,
      ...(Object.keys(mapped.channelLines).length > 0 ? { details: { channelLines: mapped.channelLines } } : {}),
    });
    return { result: order.duplicate ? 'duplicate' : 'created', externalRef: capture.externalRef, orderId: order.id, number: order.number, status: order.status };
  } catch (e) {
    const missing = unknownSkus(e);
    if (missing.length > 0) {
      const reason = `unknown SKU ${missing.map((s) => `"${s}"`).join(', ')}: add ${missing.length > 1 ? 'them' : 'it'} to the catalogue (or fix the channel's SKU codes), then retry the held order`;
      const held = await holdOrder(db, { id: newId(), channelId: channel.id, externalRef: capture.externalRef, topic, payload: input.payload, reasonCode: 'unknown_sku', reason });
      await log({ outcome: 'held', statusCode: 202, externalRef: capture.externalRef, message: reason, details: { heldId: held.id, skus: missing } });
      return { result: 'held', externalRef: capture.externalRef, heldId: held.id, reason };
    }
    if (e instanceof AppError) await log({ outcome: 'rejected', statusCode: 400, externalRef: capture.externalRef, message: e.detail });
    throw e;
  }
}

/** The SKU references capture refused as unknown (its 404 names them), or []. */
function unknownSkus(e: unknown): string[] {
  if (!(e instanceof AppError) || e.code !== 'not_found') return [];
  const missing = e.extra.missing;
  if (!Array.isArray(missing)) return [];
  return missing.filter((m): m is { kind: 'sku'; ref: string } => typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'sku').map((m) => m.ref);
}

function externalRefOf(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const p = payload as Record<string, unknown>;
  const ref = p.id ?? p.tid_str ?? p.tid ?? p.orderId ?? p.order_sn;
  return typeof ref === 'string' || typeof ref === 'number' ? String(ref) : null;
}

/**
 * The hot path of POST /v1/orders: concurrent captures are decided and written together (group commit, ADR 0002).
 *
 * A batch is two autocommit statements, whatever its size: one reads the facts of every order in it, one writes
 * every order decided. Between them each order is decided in arrival order by the same `planCapture` as the
 * transactional path, on the stock its batch-mates left; the write statement then locks the stock rows in key order
 * (`ordo_decide_reservations`) and writes only the orders that still fit, each all or nothing.
 *
 * One batch at a time (ADR 0014): a batch reads its facts once the batch before it has written, so its facts show
 * every order of the batches before it, and batches decide in the order they were sent: an order that arrived first
 * is decided first. The database still has the last word: a unit another writer took meanwhile is refused by the
 * write, and an order it refuses goes the transactional way.
 *
 * A batch also refuses: an order with a line no location covers, on a channel that neither promises supply nor takes
 * backorders, is answered 409 `insufficient_stock` with its shortfall on the batch's numbers (what the database
 * showed), and its key stays unused, so a retry after stock arrives runs again. In a flash sale most answers are
 * these, and none leaves the batch. An order short only after what its batch-mates took is refused so once their
 * write has written every one of them (until then it may fail).
 *
 * Orders on SKUs under channel allocation are batched too: the write statement takes the allocation locks and
 * decides each channel's quota after them (ordo_decide_captures, migration 0016); an order short of its quota for sure
 * is refused with the allocation check's 409, one it cannot be sure of is decided alone.
 *
 * An order a batch cannot finish goes to the transactional path (`captureOrder`) by a RetryCommand: a line no
 * location covers that presale or a backorder might take, an order short only after what batch-mates took that were
 * not all written, an allocation the statement could not be sure of, an external reference the channel sent before
 * (the 200 duplicate answer), a key or reference an earlier order of its batch uses, stock taken meanwhile, or a batch
 * statement that failed.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import { Batcher } from '../db/batcher.js';
import { AppError } from '../shared/errors.js';
import { allocationShortfall, pendingSignalsPublisher } from '../inventory/index.js';
import { checkClaim, RetryCommand, type CommandContext, type CommandResult } from '../db/command.js';
import { readCaptureFacts, writeCaptures, type CaptureFacts, type RequestFacts } from './capture.repository.js';
import { factsQuery, prepareCapture, type PreparedCapture } from './capture-order.js';
import { captureStock, planCapture, type CapturePlan } from './plan-capture.js';
import { systemClock } from '../shared/clock.js';
import type { CaptureOrder, Order } from './order.js';
import { BatchMates } from './batch-mates.js';

interface Request {
  prepared: PreparedCapture;
  ctx: CommandContext;
}

type Decision =
  /** Answered once its batch's deferred stock signals are published (ADR 0013). */
  | { kind: 'placed'; order: Order; published?: Promise<void> }
  | { kind: 'answered-before'; prior: Parameters<typeof checkClaim>[1]['prior'] }
  /** The client's error (unknown SKU, not enough stock, …), or a failure of this order's decision alone. */
  | { kind: 'failed'; error: unknown }
  | { kind: 'transactional'; reason: string };

/**
 * What a batch decides before it writes: a Decision, or an order short only after what earlier orders of its batch
 * took — refused with `refusal` once all of the batch's orders are written (the units are then taken for sure), else
 * decided alone, as their write may have failed.
 */
type Draft = Decision | { kind: 'short-after-batch'; refusal: AppError };

/** The batch's decisions once its write is known: `written` when every order it planned was written. */
function settleDrafts(drafts: readonly Draft[], written: boolean, reason: string): Decision[] {
  return drafts.map((d) => (d.kind !== 'short-after-batch' ? d : written ? { kind: 'failed', error: d.refusal } : { kind: 'transactional', reason }));
}

/**
 * Orders per batch, and one batch in flight (ADR 0014). Two in flight, one reading while the other wrote, made the
 * batches smaller (9.3 orders at 32 clients against 15.4), and each carries a fixed cost (its three statements, their
 * plans' start-up, the publish); one at a time, capture at 32 clients gained 10–17 % and a flash sale (128 in
 * flight, batches up to 64) 6–17 % (docs/benchmarks.md, 2026-12-04). At 32 clients a batch holds about 15 orders
 * whatever the cap.
 */
const MAX_BATCH = 64;
const MAX_IN_FLIGHT = 1;

export type CaptureBatched = (input: CaptureOrder, ctx: CommandContext) => Promise<CommandResult<Order>>;

/** What a batch decided for one capture, for the metrics. */
export type BatchDecision = 'placed' | 'refused' | 'failed' | 'answered_before' | 'transactional';

/**
 * `db` is the batch pool: it reads and writes the batches and publishes their deferred stock signals after each write
 * (ADR 0013) while the next batch writes.
 */
export function batchedCapture(db: Db, log: FastifyBaseLogger, counted: (decision: BatchDecision) => void = () => undefined): CaptureBatched {
  const publish = pendingSignalsPublisher(db, (err) => log.warn({ err }, 'publishing the stock signals of a capture batch failed; the sweep publishes them'));
  const pipeline = new CapturePipeline(db, log, publish);
  const batcher = new Batcher<Request, Decision>((requests) => pipeline.capture(requests), { maxBatch: MAX_BATCH, maxInFlight: MAX_IN_FLIGHT });
  return async (input, ctx) => {
    const decision = await batcher.submit({ prepared: prepareCapture(input, ctx.idempotency), ctx });
    counted(decision.kind === 'failed' ? (decision.error instanceof AppError && decision.error.code === 'insufficient_stock' ? 'refused' : 'failed')
      : decision.kind === 'answered-before' ? 'answered_before' : decision.kind);
    switch (decision.kind) {
      case 'placed':
        await decision.published;
        return { created: true, value: decision.order, audit: null, persisted: true };
      case 'answered-before':
        checkClaim(ctx.idempotency, { claimed: false, prior: decision.prior });
        throw new Error('unreachable: checkClaim answers a request whose key was used before');
      case 'failed':
        throw decision.error;
      case 'transactional':
        throw new RetryCommand(decision.reason);
    }
  };
}

/** Reads, decides and writes one batch; the Batcher runs one at a time (MAX_IN_FLIGHT). */
class CapturePipeline {
  constructor(private readonly db: Db, private readonly log: FastifyBaseLogger, private readonly publish: () => Promise<void>) {}

  async capture(requests: readonly Request[]): Promise<Decision[]> {
    const facts = await readCaptureFacts(this.db, requests.map((r) => factsQuery(r.prepared)));
    const { decisions, plans } = decideBatch(requests, facts);
    // Nothing planned: no order took stock, so none is short after its batch-mates.
    if (plans.length === 0) return settleDrafts(decisions, true, '');
    try {
      const written = await writeCaptures(this.db, plans.map((p) => p.plan.write), { strict: true, quotas: true, deferSignals: true });
      const placed = new Set(written.orders.filter((w) => w.placed).map((w) => w.item));
      // Published while the next batch reads and writes; its clients are answered once they are out, so a client
      // that reads availability after its 201 sees its order in the numbers.
      const published = placed.size > 0 ? this.publish() : Promise.resolve();
      for (const item of placed) {
        const decision = decisions[item];
        if (decision?.kind === 'placed') decision.published = published;
      }
      for (const { item, plan } of plans) {
        if (placed.has(item)) continue;
        const w = written.orders.find((o) => o.item === item);
        // Short of the channel's allocation for sure, decided under the allocation lock: the 409 a lone capture gets.
        const refusal = w?.outcome === 'quota' ? allocationShortfall(plan.write.reserve, new Map((w.short ?? []).map((s) => [s.skuId, s.available]))) : null;
        decisions[item] = refusal ? { kind: 'failed', error: refusal }
          : { kind: 'transactional', reason: w?.outcome === 'unsure' ? 'its channel allocation needs an exact check' : 'stock moved between reading and writing' };
      }
      // Every order of the batch written: the units the short ones were refused for are taken for sure.
      return settleDrafts(decisions, placed.size === plans.length, 'short after what earlier orders of its batch took, not all of which were written');
    } catch (e) {
      // Nothing of the batch was written; each of its orders runs again on its own, in a transaction.
      if (!(e instanceof RetryCommand)) this.log.warn({ err: e, orders: plans.length }, 'a capture batch failed; its orders run again one by one');
      for (const { item } of plans) decisions[item] = { kind: 'transactional', reason: e instanceof RetryCommand ? e.message : 'the batch failed' };
      return settleDrafts(decisions, false, 'short after what earlier orders of its batch took, whose write failed');
    }
  }
}

interface Decided {
  item: number;
  plan: CapturePlan;
}

/** The id of the SKU a request names (a code or an id), as the facts know it; the reference itself if unknown. */
function skuKey(facts: CaptureFacts, ref: string): string {
  const sku = facts.shared.skus.find((s) => s.code === ref || s.id === ref.toLowerCase());
  return sku?.id ?? ref;
}

/** Decides each order of a batch in arrival order, on what the database showed and what its batch-mates take. */
function decideBatch(requests: readonly Request[], facts: CaptureFacts): { decisions: Draft[]; plans: Decided[] } {
  // What is free for this batch: what the database showed; the write statement checks again anyway.
  const stock = captureStock(facts.shared, facts.shared.stock);
  /** What the orders decided before, in this batch, take or create (a customer, a reference, a likely duplicate). */
  const mates = new BatchMates();
  const decisions: Draft[] = [];
  const plans: Decided[] = [];
  /** SKUs earlier orders of this batch took stock of. */
  const batchTook = new Set<string>();
  for (const [item, { prepared, ctx }] of requests.entries()) {
    const known = facts.requests[item] as RequestFacts;
    if (known.prior) {
      decisions.push({ kind: 'answered-before', prior: known.prior });
      continue;
    }
    const pending = known.customer ? undefined : mates.customer(prepared);
    const request: RequestFacts = {
      ...known,
      customer: known.customer ?? pending ?? null,
      minutes_since_identical: mates.placedAlike(prepared) ? 0 : known.minutes_since_identical,
    };
    let planned;
    try {
      planned = planCapture(prepared, request, facts.shared, stock, ctx, { deferUncovered: true, item, clock: systemClock });
    } catch (error) {
      // Short only because earlier orders of this batch took stock, which their write may yet not take: decided alone.
      if (error instanceof AppError && error.code === 'insufficient_stock' && prepared.input.lines.some((l) => batchTook.has(skuKey(facts, l.sku)))) {
        decisions.push({ kind: 'short-after-batch', refusal: error });
      } else {
        decisions.push({ kind: 'failed', error });
      }
      continue;
    }
    // Orders on SKUs under channel allocation are decided here like any other; the write statement checks their
    // channel's allocation under its lock (ordo_decide_captures).
    if (planned.kind !== 'plan' || mates.collides(prepared, planned.plan)) {
      const reason = planned.kind === 'existing' ? 'sent before' : planned.kind === 'uncovered' ? 'a line no location covers'
        : 'its key or reference is an earlier order\'s of its batch';
      decisions.push({ kind: 'transactional', reason });
      continue;
    }
    const { plan } = planned;
    // A customer an earlier order of the batch creates: created again by this one too (the insert skips an existing one).
    if (pending) plan.write.order.new_customer = true;
    for (const r of plan.write.reserve) {
      stock.take(r.skuId, r.locationId, r.quantity);
      batchTook.add(r.skuId);
    }
    for (const l of plan.write.sourcing.loads) stock.addLoad(l.locationId);
    mates.add(prepared, plan);
    plans.push({ item, plan });
    decisions.push({ kind: 'placed', order: plan.order });
  }
  return { decisions, plans };
}

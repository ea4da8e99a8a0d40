/**
 * How every money movement runs: never a provider call inside a database transaction.
 *
 *   1. intent   — one transaction: under the order's lock, check the request against the ledger (the use case's
 *                 `plan`), and write the row as `pending` with its provider idempotency key; commit.
 *   2. call     — no transaction: ask the provider, with that key.
 *   3. outcome  — one transaction: settle the row (succeeded or failed) once, with what follows from it (the use
 *                 case's `settled`: a timeline row, a hold, a return marked refunded) and the audit row; commit.
 *
 * A crash or a timeout between 1 and 3 leaves a pending row: it still counts against the limits (so nothing is paid
 * twice meanwhile), and `recoverPayments` finishes it by asking the provider what became of the key — the provider
 * saw it (settle as it says) or never did (failed: nothing moved). A repeated request with the same Idempotency-Key
 * finds its row instead of writing a new one, and sends the same provider key again if it is still pending.
 */
import { createHash } from 'node:crypto';
import type { CommandContext, CommandResult } from '../db/command.js';
import { persistOutcome } from '../db/command.js';
import type { Db, Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { formatMoney } from '../shared/money.js';
import type { Payment, TestSettings } from './payment.js';
import { findByRequestKey, findPayment, insertPayment, settlePayment, toPayment, type NewPayment, type PaymentRow } from './payment.repository.js';
import type { PaymentKind } from './payment-status.js';
import { offlineProvider, ProviderUnavailable, type PaymentProvider, type ProviderAnswer } from './provider.js';
import { providerFor } from './providers.js';
import { afterSettled, type SettleHooks } from './settle-effects.js';

/** Who asks, and the request's Idempotency-Key (required for every money movement). */
export interface MoneyRequest {
  ctx: Omit<CommandContext, 'idempotency' | 'attempt'>;
  key: string;
  /** A hash of what was asked: the same key with another request is refused. */
  fingerprint: string;
}

export const fingerprintOf = (what: unknown): string => createHash('sha256').update(JSON.stringify(what)).digest('hex');

/** What a use case decided in the intent transaction: the row to write (and rows settled at once, e.g. offline). */
export interface Intent {
  orderId: string;
  kind: Exclude<PaymentKind, 'authorization'>;
  amountMinor: number;
  currency: string;
  provider: string;
  method?: string | null;
  /** The provider's reference of what this acts on (the authorisation or capture). */
  reference: string | null;
  returnId?: string | null;
  reason?: string | null;
  explanation?: NewPayment['explanation'];
  /** Offline money from a bank file: the file's row (unique: never recorded twice). */
  bankRowKey?: string | null;
  /** A test provider's instruction for this movement (kind test only; checked by the plan). */
  test?: TestSettings | null;
  /** Rows to write settled in the same transaction before this one (an offline authorisation of an invoice). */
  before?: Omit<NewPayment, 'principalId' | 'requestKey' | 'requestHash' | 'actor'>[];
}

export interface MoneyPlan {
  plan(trx: Trx): Promise<Intent>;
}

/** The answer of a money movement: 201 settled, 202 still pending (the provider did not answer), or a 402 thrown. */
export async function moveMoney(db: Db, request: MoneyRequest, plan: MoneyPlan, hooks: SettleHooks): Promise<CommandResult<Payment>> {
  let row = await recordIntent(db, request, plan);
  if (row.status === 'pending') {
    // A chargeback already happened at the bank: recorded, not asked for.
    const provider = row.kind === 'chargeback' ? offlineProvider(row.provider) : await providerFor(db, row.provider);
    const answer = await ask(provider, row);
    if (answer) row = await recordOutcome(db, request.ctx, row, answer, hooks);
  }
  return outcomeOf(row);
}

/** What a ledger row answers: the payment (settled or still pending), or for a failed row the provider's decline, thrown. */
export function outcomeOf(row: PaymentRow): CommandResult<Payment> {
  const payment = toPayment(row);
  if (row.status === 'failed') {
    throw new AppError('payment_declined', `the payment provider ${row.provider} declined the ${row.kind} of ${formatMoney(row.amount_minor, row.currency)}: ${row.failure_reason ?? 'no reason given'}`, {
      payment, reason: row.failure_reason, amountMinor: row.amount_minor,
    });
  }
  return { created: true, value: payment, audit: null, persisted: true };
}

async function recordIntent(db: Db, request: MoneyRequest, plan: MoneyPlan): Promise<PaymentRow> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        const prior = await findByRequestKey(trx, request.ctx.actorId, request.key);
        if (prior) return replay(prior, request);
        const intent = await plan.plan(trx);
        // The order is locked by the plan: a concurrent request with the same key waited for it and finds our row.
        const again = await findByRequestKey(trx, request.ctx.actorId, request.key);
        if (again) return replay(again, request);
        for (const b of intent.before ?? []) {
          await insertPayment(trx, { ...b, actor: request.ctx.actorName, principalId: null, requestKey: null, requestHash: null });
        }
        const id = newId();
        return insertPayment(trx, {
          id, orderId: intent.orderId, kind: intent.kind, status: 'pending', amountMinor: intent.amountMinor, currency: intent.currency,
          provider: intent.provider, method: intent.method ?? null, providerKey: `${intent.kind}:${id}`, providerRef: intent.reference,
          actor: request.ctx.actorName, principalId: request.ctx.actorId, requestKey: request.key, requestHash: request.fingerprint,
          returnId: intent.returnId ?? null, reason: intent.reason ?? null, explanation: intent.explanation ?? null,
          bankRowKey: intent.bankRowKey ?? null, testInstruction: intent.test ?? null,
        });
      });
    } catch (e) {
      // Two requests with the same key raced past the look-up: the loser finds the winner's row next time.
      if (attempt < 3 && isPgError(e, pgCode.uniqueViolation)) continue;
      throw e;
    }
  }
}

function replay(prior: PaymentRow, request: MoneyRequest): PaymentRow {
  if (prior.request_hash !== request.fingerprint) {
    throw new AppError('idempotency_key_reused', `this Idempotency-Key was already used for another money movement (a ${prior.kind} of ${formatMoney(prior.amount_minor, prior.currency)}); use a new key for a new request`, {
      paymentId: prior.id,
    });
  }
  return prior;
}

/** Asks the provider; null when it did not answer (the row stays pending). */
async function ask(provider: PaymentProvider, row: PaymentRow): Promise<ProviderAnswer | null> {
  try {
    return await provider.call({
      operation: row.kind as 'capture' | 'void' | 'refund', idempotencyKey: row.provider_key, amountMinor: row.amount_minor,
      currency: row.currency, orderId: row.order_id, reference: row.provider_ref,
      ...(row.test_instruction !== null && { test: row.test_instruction as TestSettings }),
    });
  } catch (e) {
    if (e instanceof ProviderUnavailable) return null;
    throw e;
  }
}

/** Settles a pending row with the provider's answer, with what follows and the audit row; idempotent. */
export async function recordOutcome(db: Db, ctx: MoneyRequest['ctx'], row: PaymentRow, answer: ProviderAnswer, hooks: SettleHooks): Promise<PaymentRow> {
  return db.transaction().execute(async (trx) => {
    const settled = await settlePayment(trx, row.id, answer.outcome === 'succeeded'
      ? { status: 'succeeded', reference: answer.reference }
      : { status: 'failed', reason: answer.reason });
    if (!settled) return (await findPayment(trx, row.id)) ?? row;
    await afterSettled(trx, settled, ctx.actorName, hooks);
    await persistOutcome(trx, { ...ctx, attempt: 1, idempotency: null }, null, {
      created: false, value: null,
      audit: { action: `payment.${settled.kind}_${settled.status}`, entityType: 'order', entityId: settled.order_id, details: { paymentId: settled.id, amountMinor: settled.amount_minor, currency: settled.currency } },
    }, 200);
    return settled;
  });
}

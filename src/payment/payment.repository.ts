/** All SQL of the payment ledger, its providers and the channels' payment policies. */
import { sql, type Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import type { Payments } from '../db/types.js';
import type { LedgerRow } from './ledger.js';
import type { Payment, PaymentPolicy, Provider, ProviderInput, TestOutcome, TestSettings } from './payment.js';
import type { PaymentKind, PaymentStatus } from './payment-status.js';
import type { RefundExplanation } from './refund-rules.js';

export type PaymentRow = Selectable<Payments>;

export const toPayment = (r: PaymentRow): Payment => ({
  id: r.id, orderId: r.order_id, kind: r.kind as PaymentKind, status: r.status as PaymentStatus, amountMinor: r.amount_minor,
  currency: r.currency, provider: r.provider, method: r.method, providerReference: r.provider_ref, failureReason: r.failure_reason,
  returnId: r.return_id, reason: r.reason, explanation: r.explanation as RefundExplanation | null, actor: r.actor,
  capturedPartMinor: r.captured_part_minor, counterpartOrderId: r.counterpart_order_id,
  createdAt: r.created_at.toISOString(), settledAt: r.settled_at ? r.settled_at.toISOString() : null,
});

export const toLedgerRow = (r: PaymentRow): LedgerRow => ({
  kind: r.kind as PaymentKind, status: r.status as PaymentStatus, amountMinor: r.amount_minor, capturedPartMinor: r.captured_part_minor,
});

export async function paymentsOf(db: DbOrTrx, orderId: string): Promise<PaymentRow[]> {
  return db.selectFrom('payments').selectAll().where('order_id', '=', orderId).orderBy('created_at').orderBy('id').execute();
}

export async function findPayment(db: DbOrTrx, id: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findByRequestKey(db: DbOrTrx, principalId: string, key: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('principal_id', '=', principalId).where('request_key', '=', key).executeTakeFirst();
}

export interface NewPayment {
  id: string; orderId: string; kind: PaymentKind; status: PaymentStatus; amountMinor: number; currency: string;
  provider: string; method: string | null; providerKey: string; providerRef: string | null; actor: string;
  principalId: string | null; requestKey: string | null; requestHash: string | null;
  returnId?: string | null; reason?: string | null; explanation?: RefundExplanation | null;
  capturedPartMinor?: number; counterpartOrderId?: string | null; bankRowKey?: string | null;
  testInstruction?: TestSettings | null;
}

export async function insertPayment(trx: Trx, p: NewPayment): Promise<PaymentRow> {
  return trx.insertInto('payments').values({
    id: p.id, order_id: p.orderId, kind: p.kind, status: p.status, amount_minor: p.amountMinor, currency: p.currency,
    provider: p.provider, method: p.method, provider_key: p.providerKey, provider_ref: p.providerRef, actor: p.actor,
    principal_id: p.principalId, request_key: p.requestKey, request_hash: p.requestHash, return_id: p.returnId ?? null,
    reason: p.reason ?? null, explanation: p.explanation ? JSON.stringify(p.explanation) : null,
    captured_part_minor: p.capturedPartMinor ?? 0, counterpart_order_id: p.counterpartOrderId ?? null, bank_row_key: p.bankRowKey ?? null,
    test_instruction: p.testInstruction ? JSON.stringify(p.testInstruction) : null,
    settled_at: p.status === 'pending' ? null : sql<Date>`now()`,
  }).returningAll().executeTakeFirstOrThrow();
}

/** Settles a pending row once; undefined when it was settled meanwhile (by recovery or a repeated request). */
export async function settlePayment(trx: Trx, id: string, outcome: { status: 'succeeded'; reference: string | null } | { status: 'failed'; reason: string }): Promise<PaymentRow | undefined> {
  return trx.updateTable('payments')
    .set(outcome.status === 'succeeded'
      ? { status: 'succeeded', provider_ref: sql<string | null>`coalesce(${outcome.reference}, provider_ref)`, settled_at: sql<Date>`now()` }
      : { status: 'failed', failure_reason: outcome.reason, settled_at: sql<Date>`now()` })
    .where('id', '=', id).where('status', '=', 'pending')
    .returningAll().executeTakeFirst();
}

export async function pendingPayments(db: DbOrTrx, olderThan: Date, limit: number): Promise<PaymentRow[]> {
  return db.selectFrom('payments').selectAll().where('status', '=', 'pending').where('created_at', '<=', olderThan)
    .orderBy('created_at').limit(limit).execute();
}

/** Per order line, the units paid back by refunds that succeeded or may still (pending); and shipping paid back. */
export async function refundedBefore(db: DbOrTrx, orderId: string): Promise<{ units: Map<string, number>; shippingMinor: number }> {
  const rows = await sql<{ lineId: string | null; units: number; shipping: number }>`
    SELECT l->>'lineId' AS "lineId", coalesce(sum((l->>'units')::int), 0)::int AS units, 0 AS shipping
    FROM payments p, jsonb_array_elements(p.explanation->'lines') l
    WHERE p.order_id = ${orderId} AND p.kind = 'refund' AND p.status <> 'failed'
    GROUP BY 1
    UNION ALL
    SELECT NULL, 0, coalesce(sum((p.explanation->'shipping'->>'amountMinor')::bigint), 0)::bigint
    FROM payments p WHERE p.order_id = ${orderId} AND p.kind = 'refund' AND p.status <> 'failed'`.execute(db);
  const units = new Map<string, number>();
  let shippingMinor = 0;
  for (const r of rows.rows) {
    if (r.lineId === null) shippingMinor = Number(r.shipping);
    else units.set(r.lineId, Number(r.units));
  }
  return { units, shippingMinor };
}

// ---- providers and policies -----------------------------------------------------------------------------------------

interface ProviderRow {
  code: string; kind: string; base_url: string | null; timeout_ms: number; active: boolean;
  test_outcome: string | null; test_reason: string | null; test_delay_ms: number | null;
}

const toProvider = (r: ProviderRow): Provider => ({
  code: r.code, kind: r.kind, baseUrl: r.base_url, timeoutMs: r.timeout_ms, active: r.active,
  test: r.test_outcome === null ? null : {
    outcome: r.test_outcome as TestOutcome,
    ...(r.test_reason !== null && { reason: r.test_reason }), ...(r.test_delay_ms !== null && { delayMs: r.test_delay_ms }),
  },
});

export async function findProvider(db: DbOrTrx, code: string): Promise<Provider | undefined> {
  const row = await db.selectFrom('payment_providers').selectAll().where('code', '=', code).executeTakeFirst();
  return row ? toProvider(row) : undefined;
}

export async function listProviders(db: DbOrTrx): Promise<Provider[]> {
  return (await db.selectFrom('payment_providers').selectAll().orderBy('code').execute()).map(toProvider);
}

export async function upsertProvider(trx: Trx, input: ProviderInput): Promise<Provider> {
  const test = input.kind === 'test' ? input.test ?? { outcome: 'approve' as const } : null;
  const values = {
    kind: input.kind, base_url: input.kind === 'http' ? input.baseUrl ?? null : null, timeout_ms: input.timeoutMs ?? 10_000, active: input.active ?? true,
    test_outcome: test?.outcome ?? null, test_reason: test?.reason ?? null, test_delay_ms: test?.delayMs ?? null,
  };
  const row = await trx.insertInto('payment_providers').values({ code: input.code, ...values })
    .onConflict((oc) => oc.column('code').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .returningAll().executeTakeFirstOrThrow();
  return toProvider(row);
}

/** The channel's policy, or the default: the offline provider, captured at order. */
export async function policyOf(db: DbOrTrx, channelId: string): Promise<PaymentPolicy> {
  const row = await db.selectFrom('payment_policies').select(['provider', 'capture']).where('channel_id', '=', channelId).executeTakeFirst();
  return { channelId, provider: row?.provider ?? 'offline', capture: row?.capture ?? 'at_order' };
}

export async function upsertPolicy(trx: Trx, channelId: string, provider: string, capture: string): Promise<PaymentPolicy> {
  await trx.insertInto('payment_policies').values({ channel_id: channelId, provider, capture })
    .onConflict((oc) => oc.column('channel_id').doUpdateSet({ provider, capture, updated_at: sql<Date>`now()` })).execute();
  return { channelId, provider, capture };
}

export async function paymentTermsOf(db: DbOrTrx, customerId: string): Promise<number> {
  const row = await db.selectFrom('customers').select('payment_terms_days').where('id', '=', customerId).executeTakeFirst();
  return row?.payment_terms_days ?? 0;
}

/** The few facts of an order a read of its money needs, without locking it. */
export async function orderFacts(db: DbOrTrx, orderId: string) {
  return db.selectFrom('orders')
    .select(['id', 'number', 'status', 'channel_id as channelId', 'customer_id as customerId', 'currency', 'total_minor as totalMinor', 'placed_at as placedAt'])
    .where('id', '=', orderId).executeTakeFirst();
}

/** What refunds paid back (or may still: pending) because units were cancelled after their money was captured. */
export async function cancellationRefundedMinor(db: DbOrTrx, orderId: string): Promise<number> {
  const row = await sql<{ amount: number }>`
    SELECT coalesce(sum((explanation->'cancellation'->>'amountMinor')::bigint), 0)::bigint AS amount
    FROM payments WHERE order_id = ${orderId} AND kind = 'refund' AND status <> 'failed'`.execute(db);
  return Number(row.rows[0]?.amount ?? 0);
}

/**
 * Orders whose money does not follow them yet: more authorised than they still need, more captured than they cost
 * (after cancellations), or — for channels whose provider is not offline — money to capture by the policy.
 */
export async function ordersToFollow(db: DbOrTrx, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    WITH l AS (
      SELECT order_id,
             coalesce(sum(amount_minor) FILTER (WHERE kind IN ('authorization', 'transfer_in')), 0)
               - coalesce(sum(amount_minor) FILTER (WHERE kind IN ('void', 'transfer_out')), 0) AS auth,
             coalesce(sum(amount_minor) FILTER (WHERE kind = 'capture'), 0)
               + coalesce(sum(captured_part_minor) FILTER (WHERE kind = 'transfer_in'), 0)
               - coalesce(sum(captured_part_minor) FILTER (WHERE kind = 'transfer_out'), 0) AS captured,
             coalesce(sum(amount_minor) FILTER (WHERE kind = 'chargeback'), 0)
               + coalesce(sum((explanation->'cancellation'->>'amountMinor')::bigint) FILTER (WHERE kind = 'refund'), 0) AS back
      FROM payments WHERE status <> 'failed' GROUP BY order_id)
    SELECT o.id FROM orders o
    JOIN l ON l.order_id = o.id
    JOIN payment_policies pp ON pp.channel_id = o.channel_id
    JOIN payment_providers pr ON pr.code = pp.provider AND pr.kind <> 'offline' AND pr.active
    CROSS JOIN LATERAL (SELECT CASE WHEN o.status = 'cancelled' THEN 0 ELSE o.total_minor END AS owed) x
    WHERE (l.auth - l.captured > greatest(0, x.owed - l.captured)
           OR l.captured - l.back > x.owed
           OR (o.status NOT IN ('received', 'on_hold', 'cancelled') AND l.auth > l.captured AND l.captured < x.owed
               AND (pp.capture = 'at_order' OR EXISTS (SELECT 1 FROM order_lines ol WHERE ol.order_id = o.id AND ol.shipped > 0))))
    ORDER BY o.id LIMIT ${limit}`.execute(db);
  return rows.rows.map((r) => r.id);
}

// ---- offline money: bank files and invoice terms ------------------------------------------------------------------

/** Orders by number (exactly as given), for matching bank rows; a number names at most one order. */
export async function ordersByNumber(db: DbOrTrx, numbers: readonly string[]): Promise<Map<string, { id: string; number: string }[]>> {
  const found = new Map<string, { id: string; number: string }[]>();
  if (numbers.length === 0) return found;
  const rows = await db.selectFrom('orders').select(['id', 'number']).where('number', '=', sql<string>`ANY(${[...numbers]}::text[])`).execute();
  for (const r of rows) found.set(r.number, [...(found.get(r.number) ?? []), r]);
  return found;
}

/** Locks orders in one order (by id), before their rows are locked again one by one. */
export async function lockOrderIds(trx: Trx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`SELECT id FROM orders WHERE id = ANY(${[...ids]}::uuid[]) ORDER BY id FOR UPDATE`.execute(trx);
}

export async function paymentByBankRow(db: DbOrTrx, key: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('bank_row_key', '=', key).executeTakeFirst();
}

/**
 * Orders on invoice terms with money owed: offline channels, customers with terms, not cancelled, captured below the
 * total; the due day is the placed day (UTC) plus the terms. Overdue: due before `today`.
 */
export async function receivablesOnTerms(db: DbOrTrx, q: { overdue?: boolean; customerId?: string; limit: number; today: string }) {
  const rows = await sql<{ id: string; number: string; customerId: string; customerName: string; currency: string; placedAt: Date; totalMinor: number; capturedMinor: number; terms: number }>`
    SELECT o.id, o.number, o.customer_id AS "customerId", c.name AS "customerName", o.currency, o.placed_at AS "placedAt",
           o.total_minor AS "totalMinor", coalesce(l.captured, 0)::bigint AS "capturedMinor", c.payment_terms_days AS terms
    FROM customers c
    JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
    LEFT JOIN payment_policies pp ON pp.channel_id = o.channel_id
    JOIN payment_providers pr ON pr.code = coalesce(pp.provider, 'offline') AND pr.kind = 'offline'
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(amount_minor) FILTER (WHERE kind = 'capture'), 0)
               + coalesce(sum(captured_part_minor) FILTER (WHERE kind = 'transfer_in'), 0)
               - coalesce(sum(captured_part_minor) FILTER (WHERE kind = 'transfer_out'), 0) AS captured
      FROM payments p WHERE p.order_id = o.id AND p.status = 'succeeded') l
    CROSS JOIN LATERAL (SELECT (o.placed_at AT TIME ZONE 'UTC')::date + c.payment_terms_days AS due_on) d
    WHERE c.payment_terms_days > 0 AND o.total_minor > l.captured
      AND (${q.customerId ?? null}::uuid IS NULL OR c.id = ${q.customerId ?? null}::uuid)
      AND (${q.overdue ?? null}::boolean IS NULL OR (d.due_on < ${q.today}::date) = ${q.overdue ?? null}::boolean)
    ORDER BY d.due_on, o.id
    LIMIT ${q.limit}`.execute(db);
  return rows.rows.map((r) => ({ ...r, capturedMinor: Number(r.capturedMinor), totalMinor: Number(r.totalMinor) }));
}

export async function providerKindOf(db: DbOrTrx, code: string): Promise<string | undefined> {
  return (await db.selectFrom('payment_providers').select('kind').where('code', '=', code).executeTakeFirst())?.kind;
}

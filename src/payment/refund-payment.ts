/**
 * Refunds: what is paid back and why (refund-rules.ts explains every number), through the channel's provider.
 * `planRefund` computes it under the order's lock for a quote and for the refund alike; a refund whose parts add up
 * to more than is still refundable is refused with the numbers (never silently cut), and so are units that were
 * already paid back. Refunds of returns come from the returns module (`refundOf` with the return's policy); a refund
 * without a return — goodwill, a price adjustment, lost goods — needs the refund:write permission.
 */
import type { CommandResult } from '../db/command.js';
import type { Db, Trx } from '../db/database.js';
import { activeUnits, type OrderState } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { refundableMinor } from './ledger.js';
import { moveMoney, type MoneyRequest } from './move-money.js';
import { lockOrderMoney, money, requireCurrency, type OrderMoney } from './order-money.js';
import type { Payment } from './payment.js';
import { refundedBefore } from './payment.repository.js';
import { requireProvider } from './providers.js';
import { explainRefund, partsAddUp, type RefundExplanation } from './refund-rules.js';
import type { SettleHooks } from './settle-effects.js';

export interface RefundSpec {
  orderId: string;
  currency?: string;
  lines: readonly { lineId: string; quantity: number }[];
  /** 'policy': with the last unit when the policy says so; 'asked': now (a refund by hand); 'never'. */
  shipping: 'policy' | 'asked' | 'never';
  refundShipping: boolean;
  restockingFeeBps: number;
  goodwillMinor?: number;
  cancellation?: { amountMinor: number; rule: string };
  exchange?: { amountMinor: number; rule: string };
  reason: string;
  returnId?: string | null;
  /** Checks of the caller's own, run under the order's lock before anything is computed (e.g. the return's state). */
  before?: (trx: Trx) => Promise<void>;
}

export interface PlannedRefund { money: OrderMoney; explanation: RefundExplanation }

export async function planRefund(trx: Trx, spec: RefundSpec): Promise<PlannedRefund> {
  const m = await lockOrderMoney(trx, spec.orderId);
  await spec.before?.(trx);
  const { order } = m;
  requireCurrency(order, spec.currency);
  const before = await refundedBefore(trx, order.id);
  const byId = new Map(order.lines.map((l) => [l.id, l]));
  const over: { lineId: string; lineNo: number; requested: number; paidUnits: number; refundedBefore: number }[] = [];
  const lines = spec.lines.map((u) => {
    const l = byId.get(u.lineId);
    if (!l) throw new AppError('not_found', `order ${order.number} has no line ${u.lineId}`, { entity: 'order line', id: u.lineId });
    const refunded = before.units.get(l.id) ?? 0;
    if (u.quantity > activeUnits(l) - refunded) over.push({ lineId: l.id, lineNo: l.lineNo, requested: u.quantity, paidUnits: activeUnits(l), refundedBefore: refunded });
    return { lineId: l.id, lineNo: l.lineNo, sku: l.sku, unitPriceMinor: l.unitPriceMinor, paidUnits: activeUnits(l), discountMinor: l.discountMinor,
      orderDiscountMinor: l.orderDiscountMinor, taxMinor: l.taxMinor, refundedUnits: refunded, units: u.quantity };
  });
  if (over.length > 0) {
    throw new AppError('refund_exceeds_captured', `cannot pay back more units than were paid for and not yet refunded: ${over.map((o) => `line ${o.lineNo} has ${o.paidUnits - o.refundedBefore} left (${o.paidUnits} paid, ${o.refundedBefore} refunded), not ${o.requested}`).join('; ')}`, { lines: over });
  }
  const explanation = explainRefund({
    currency: order.currency,
    lines,
    completesOrder: spec.lines.length > 0 && completes(order, before.units, spec.lines),
    shipping: {
      refundable: spec.shipping === 'asked' || (spec.shipping === 'policy' && spec.refundShipping),
      asked: spec.shipping === 'asked',
      shippingMinor: order.totals.shippingMinor, shippingTaxMinor: order.shippingTaxMinor, refundedBeforeMinor: before.shippingMinor,
    },
    unallocatedDiscountMinor: order.unallocatedDiscountMinor,
    restockingFeeBps: spec.restockingFeeBps,
    maxRefundableMinor: refundableMinor(m.totals),
  }, { goodwillMinor: spec.goodwillMinor, goodwillReason: spec.reason, cancellation: spec.cancellation, exchange: spec.exchange });
  if (!partsAddUp(explanation)) throw new Error(`refund explanation does not add up: ${JSON.stringify(explanation)}`);
  return { money: m, explanation };
}

/** After these units, is every unit paid for on every line paid back? */
function completes(order: OrderState, before: Map<string, number>, now: readonly { lineId: string; quantity: number }[]): boolean {
  return order.lines.every((l) => (before.get(l.id) ?? 0) + now.filter((u) => u.lineId === l.id).reduce((a, u) => a + u.quantity, 0) >= activeUnits(l));
}

/** The refund as planned, or the 409 that says why it cannot be paid. */
export function requirePayable({ money: m, explanation: e }: PlannedRefund): void {
  const numbers = {
    amountMinor: e.totalMinor + e.cappedMinor, capturedMinor: m.totals.capturedMinor, refundedMinor: m.totals.refundedMinor,
    chargedBackMinor: m.totals.chargedBackMinor, pendingRefundMinor: m.totals.pendingRefundMinor, refundableMinor: e.maxRefundableMinor, explanation: e,
  };
  if (e.cappedMinor > 0) {
    throw new AppError('refund_exceeds_captured', `the refund comes to ${money(e.totalMinor + e.cappedMinor, m.order)} but only ${money(e.maxRefundableMinor, m.order)} is captured and not yet paid back (captured ${money(m.totals.capturedMinor, m.order)}, refunded ${money(m.totals.refundedMinor + m.totals.pendingRefundMinor, m.order)}); capture first, or refund less`, numbers);
  }
  if (e.totalMinor <= 0) throw new AppError('invalid_state', 'the refund comes to nothing: see explanation for its parts', numbers);
}

/** Plans and pays a refund through the channel's provider. */
export async function refundOf(db: Db, spec: RefundSpec, request: MoneyRequest, hooks: SettleHooks): Promise<CommandResult<Payment>> {
  return moveMoney(db, request, {
    async plan(trx) {
      const planned = await planRefund(trx, spec);
      requirePayable(planned);
      const { money: m, explanation } = planned;
      const provider = await requireProvider(trx, m.policy.provider);
      const capture = m.rows.find((r) => (r.kind === 'capture' || (r.kind === 'transfer_in' && r.captured_part_minor > 0)) && r.status === 'succeeded');
      return { orderId: m.order.id, kind: 'refund', amountMinor: explanation.totalMinor, currency: m.order.currency, provider: provider.code,
        reference: capture?.provider_ref ?? null, returnId: spec.returnId ?? null, reason: spec.reason, explanation };
    },
  }, hooks);
}

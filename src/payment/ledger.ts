/**
 * What an order's payment ledger adds up to, and the limits every new movement must keep — pure functions over the
 * rows, so the use cases, the property test and `ordo check` apply one rule:
 *
 *   refunded + charged back ≤ captured ≤ authorised − voided
 *
 * Pending rows count against the limits (their money may be moving right now) but not as paid.
 */
import type { PaymentKind, PaymentStatus } from './payment-status.js';

export interface LedgerRow {
  kind: PaymentKind; status: PaymentStatus; amountMinor: number;
  /** Transfers (split, merge): the part of the moved authorisation that was captured. */
  capturedPartMinor?: number;
}

export interface LedgerTotals {
  authorizedMinor: number;
  voidedMinor: number;
  capturedMinor: number;
  refundedMinor: number;
  chargedBackMinor: number;
  pendingCaptureMinor: number;
  pendingRefundMinor: number;
  pendingVoidMinor: number;
}

export function totalsOf(rows: readonly LedgerRow[]): LedgerTotals {
  const sum = (kind: PaymentKind, status: PaymentStatus, part: (r: LedgerRow) => number = (r) => r.amountMinor) =>
    rows.filter((r) => r.kind === kind && r.status === status).reduce((a, r) => a + part(r), 0);
  const captured = (r: LedgerRow) => r.capturedPartMinor ?? 0;
  // Money that moved with units to another order of the family counts where it went.
  return {
    authorizedMinor: sum('authorization', 'succeeded') + sum('transfer_in', 'succeeded') - sum('transfer_out', 'succeeded'),
    voidedMinor: sum('void', 'succeeded'),
    capturedMinor: sum('capture', 'succeeded') + sum('transfer_in', 'succeeded', captured) - sum('transfer_out', 'succeeded', captured),
    refundedMinor: sum('refund', 'succeeded'),
    chargedBackMinor: sum('chargeback', 'succeeded'),
    pendingCaptureMinor: sum('capture', 'pending'),
    pendingRefundMinor: sum('refund', 'pending'),
    pendingVoidMinor: sum('void', 'pending'),
  };
}

/** Authorised money not yet captured, voided, or on its way to either: the most a new capture or void may take. */
export const capturableMinor = (t: LedgerTotals): number =>
  Math.max(0, t.authorizedMinor - t.voidedMinor - t.pendingVoidMinor - t.capturedMinor - t.pendingCaptureMinor);

/** Captured money not yet refunded, charged back, or on its way back: the most a new refund may pay. */
export const refundableMinor = (t: LedgerTotals): number =>
  Math.max(0, t.capturedMinor - t.refundedMinor - t.chargedBackMinor - t.pendingRefundMinor);

export const paymentStates = ['unpaid', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded'] as const;
export type PaymentState = (typeof paymentStates)[number];

/** One word for the order's money, from its totals and the order total. */
export function paymentStateOf(t: LedgerTotals, orderTotalMinor: number): PaymentState {
  const back = t.refundedMinor + t.chargedBackMinor;
  if (t.capturedMinor > 0 && back >= t.capturedMinor) return 'refunded';
  if (back > 0) return 'partially_refunded';
  if (t.capturedMinor > 0 && t.capturedMinor >= orderTotalMinor) return 'paid';
  if (t.capturedMinor > 0) return 'partially_paid';
  if (t.authorizedMinor - t.voidedMinor > 0) return 'authorized';
  return 'unpaid';
}

/** What the customer still owes: the order total less what was captured (never below zero). */
export const balanceDueMinor = (t: LedgerTotals, orderTotalMinor: number): number => Math.max(0, orderTotalMinor - t.capturedMinor);

/** The invariant, as sentences: empty when the ledger keeps it. */
export function ledgerDrifts(t: LedgerTotals): string[] {
  const drifts: string[] = [];
  const back = t.refundedMinor + t.chargedBackMinor;
  if (back > t.capturedMinor) drifts.push(`refunded ${t.refundedMinor} + charged back ${t.chargedBackMinor} exceed captured ${t.capturedMinor}`);
  if (t.capturedMinor > t.authorizedMinor - t.voidedMinor) {
    drifts.push(`captured ${t.capturedMinor} exceeds authorised ${t.authorizedMinor} less voided ${t.voidedMinor}`);
  }
  return drifts;
}

/**
 * The lifecycle of one payment ledger row: written as `pending` (the intent, before the provider is called), then
 * settled once as `succeeded` or `failed` (the outcome). One table of allowed transitions, checked at start-up (every
 * state reachable from `pending`, every target a known state) and by a test that walks every (from, to) pair.
 */
export const paymentStatuses = ['pending', 'succeeded', 'failed'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

export const paymentTransitions = {
  // The provider was (or is about to be) called; a restart asks it again with the same idempotency key.
  pending: ['succeeded', 'failed'],
  // Settled rows never change: a mistake is corrected by a new row (a void, a refund).
  succeeded: [],
  failed: [],
} as const satisfies Record<PaymentStatus, readonly PaymentStatus[]>;

export const canSettle = (from: PaymentStatus, to: PaymentStatus): boolean =>
  (paymentTransitions[from] as readonly PaymentStatus[]).includes(to);

export const isPaymentStatus = (value: string): value is PaymentStatus => (paymentStatuses as readonly string[]).includes(value);

/** The kinds of ledger rows; an amount is always positive, the kind says which way the money goes. */
export const paymentKinds = ['authorization', 'capture', 'void', 'refund', 'chargeback', 'transfer_out', 'transfer_in'] as const;
export type PaymentKind = (typeof paymentKinds)[number];

/** Start-up check of the table: throws if a state cannot be reached from `pending` or a target is unknown. */
export function verifyPaymentTransitions(): void {
  const reached = new Set<PaymentStatus>(['pending']);
  const queue: PaymentStatus[] = ['pending'];
  while (queue.length > 0) {
    const from = queue.shift() as PaymentStatus;
    for (const to of paymentTransitions[from]) {
      if (!isPaymentStatus(to)) throw new Error(`payment transition ${from} → ${String(to)}: unknown state`);
      if (!reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
  }
  const unreachable = paymentStatuses.filter((s) => !reached.has(s));
  if (unreachable.length > 0) throw new Error(`payment states unreachable from pending: ${unreachable.join(', ')}`);
}
verifyPaymentTransitions();

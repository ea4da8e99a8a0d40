/**
 * The lifecycle of a return (RMA): one table of allowed transitions, checked at start-up (every state reachable from
 * `requested`, every target a known state) and by a test that walks every (from, to) pair.
 */
export const returnStatuses = ['requested', 'approved', 'rejected', 'cancelled', 'received', 'inspected', 'refunded', 'closed'] as const;
export type ReturnStatus = (typeof returnStatuses)[number];

export const returnTransitions = {
  // The customer (or an operator for them) asked; a person decides, or the customer takes it back.
  requested: ['approved', 'rejected', 'cancelled'],
  // The customer may send the goods; until they arrive the return can still be called off.
  approved: ['received', 'cancelled'],
  // The goods are at a location (order_lines.returned counts them); every unit is inspected next.
  received: ['inspected'],
  // Each unit went to stock, quarantine or was written off: refund it, or close it without (an exchange, nothing paid).
  inspected: ['refunded', 'closed'],
  refunded: [],
  rejected: [],
  cancelled: [],
  closed: [],
} as const satisfies Record<ReturnStatus, readonly ReturnStatus[]>;

export const canMoveReturn = (from: ReturnStatus, to: ReturnStatus): boolean =>
  (returnTransitions[from] as readonly ReturnStatus[]).includes(to);

export const isReturnStatus = (value: string): value is ReturnStatus => (returnStatuses as readonly string[]).includes(value);

/** Returns whose units are still on their way (they count against what may be returned). */
export const openReturnStatuses: readonly ReturnStatus[] = ['requested', 'approved'];

/** Start-up check of the table: throws if a state cannot be reached from `requested` or a target is unknown. */
export function verifyReturnTransitions(): void {
  const reached = new Set<ReturnStatus>(['requested']);
  const queue: ReturnStatus[] = ['requested'];
  while (queue.length > 0) {
    const from = queue.shift() as ReturnStatus;
    for (const to of returnTransitions[from]) {
      if (!isReturnStatus(to)) throw new Error(`return transition ${from} → ${String(to)}: unknown state`);
      if (!reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
  }
  const unreachable = returnStatuses.filter((s) => !reached.has(s));
  if (unreachable.length > 0) throw new Error(`return states unreachable from requested: ${unreachable.join(', ')}`);
}
verifyReturnTransitions();

/**
 * The order lifecycle: one table of allowed transitions, checked at start-up (every state reachable from
 * `received`, every target a known state) and by a test that walks every (from, to) pair.
 */
export const orderStatuses = [
  'received', 'on_hold', 'confirmed', 'allocated', 'in_fulfillment', 'partially_shipped', 'shipped', 'delivered',
  'completed', 'cancelled',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const transitions = {
  // Captured, not yet reviewed: review rules either hold it or confirm it.
  received: ['on_hold', 'confirmed', 'cancelled'],
  // Waiting for a person: releasing the last hold confirms it (or, when every remaining unit has shipped, puts it
  // back to shipped: see heldReturn), rejecting cancels what is still open.
  on_hold: ['confirmed', 'shipped', 'cancelled'],
  // Reviewed; some lines may wait for stock (backordered). Once every line is reserved it is allocated.
  confirmed: ['allocated', 'on_hold', 'cancelled'],
  // Every open unit is reserved at a location; ready to hand to the warehouse.
  allocated: ['in_fulfillment', 'confirmed', 'on_hold', 'cancelled'],
  // The warehouse has it. Ways back (ADR 0004): recalled unchanged (→ allocated, reservations kept); units the
  // warehouse cannot find released for sourcing again (→ confirmed); a carrier exception or a failed payment capture
  // stops it for a person (→ on_hold); the customer cancels before the parcel leaves (→ cancelled, stock released).
  in_fulfillment: ['partially_shipped', 'shipped', 'allocated', 'confirmed', 'on_hold', 'cancelled'],
  // Some parcels left. The rest can still be stopped (→ on_hold), or cancelled, which makes it shipped.
  partially_shipped: ['shipped', 'on_hold'],
  // Every parcel left. A carrier exception holds it for a person (→ on_hold) until the parcel is found.
  shipped: ['delivered', 'on_hold'],
  delivered: ['completed'],
  completed: [],
  cancelled: [],
} as const satisfies Record<OrderStatus, readonly OrderStatus[]>;

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean =>
  (transitions[from] as readonly OrderStatus[]).includes(to);

/**
 * Where an order goes when its last hold is released, by the status it was held from: before the last parcel left it
 * goes back through confirmed (and allocated, then the warehouse again); once every parcel left, back to shipped (and
 * on to delivered when every parcel was delivered meanwhile). The start-up check holds every status that can be held
 * to a way back the table allows.
 */
export const heldReturn = {
  received: 'confirmed', confirmed: 'confirmed', allocated: 'confirmed', in_fulfillment: 'confirmed', partially_shipped: 'confirmed',
  shipped: 'shipped',
} as const satisfies Partial<Record<OrderStatus, OrderStatus>>;

/** Orders whose lines, address and quantities may still change (nothing has gone to the warehouse yet). */
export const editableStatuses: readonly OrderStatus[] = ['received', 'on_hold', 'confirmed', 'allocated'];
export const isEditable = (status: OrderStatus): boolean => editableStatuses.includes(status);

export const isOrderStatus = (value: string): value is OrderStatus => (orderStatuses as readonly string[]).includes(value);

/**
 * The statuses a new order passes through from `received` to `to`, along the table (the shortest way): what capture
 * and a split write as its first timeline rows and events. Throws for a status the table cannot reach.
 */
export function pathTo(to: OrderStatus): OrderStatus[] {
  // A hold is a detour, never a step on the way: only an order held from the start passes through on_hold.
  const cameFrom = new Map<OrderStatus, OrderStatus | null>([['received', null]]);
  const queue: OrderStatus[] = ['received'];
  while (queue.length > 0 && !cameFrom.has(to)) {
    const from = queue.shift() as OrderStatus;
    for (const next of transitions[from]) {
      if (!cameFrom.has(next)) {
        cameFrom.set(next, from);
        if (next !== 'on_hold') queue.push(next);
      }
    }
  }
  if (!cameFrom.has(to)) throw new Error(`order status ${to} cannot be reached from received`);
  const path: OrderStatus[] = [];
  for (let at: OrderStatus | null = to; at !== null; at = cameFrom.get(at) ?? null) path.unshift(at);
  return path;
}

/**
 * Start-up check of the table: throws if a state cannot be reached from `received`, a target is unknown, or a status
 * that can be held has no way back from the hold (heldReturn, itself a transition of on_hold).
 */
export function verifyTransitionTable(): void {
  const reached = new Set<OrderStatus>(['received']);
  const queue: OrderStatus[] = ['received'];
  while (queue.length > 0) {
    const from = queue.shift() as OrderStatus;
    for (const to of transitions[from]) {
      if (!isOrderStatus(to)) throw new Error(`order transition ${from} → ${String(to)}: unknown state`);
      if (!reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
  }
  const unreachable = orderStatuses.filter((s) => !reached.has(s));
  if (unreachable.length > 0) throw new Error(`order states unreachable from received: ${unreachable.join(', ')}`);
  const back = heldReturn as Partial<Record<OrderStatus, OrderStatus>>;
  for (const from of orderStatuses) {
    if (!canTransition(from, 'on_hold')) continue;
    const to = back[from];
    if (!to) throw new Error(`order status ${from} can be held but heldReturn has no way back for it`);
    if (!canTransition('on_hold', to)) throw new Error(`a hold of a ${from} order goes back to ${to}, which the table does not allow from on_hold`);
  }
}
verifyTransitionTable();

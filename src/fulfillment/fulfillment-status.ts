/**
 * The fulfilment order lifecycle: one table of allowed transitions, checked at start-up (every state reachable from
 * `requested`, every target a known state) and by a test that walks every (from, to) pair (copied from
 * src/order/order-status.ts).
 *
 * A fulfilment order is what one location is asked to do for one order. A warehouse or a store accepts it, picks,
 * packs and ships it; a store hands a pickup order over to the customer instead. Shipping is allowed from every open
 * status because a WMS that reports only the parcel (or the order-level ship route) skips the steps in between.
 */
export const fulfillmentStatuses = [
  'requested', 'accepted', 'picking', 'packed', 'ready_for_pickup', 'shipped', 'picked_up', 'rejected', 'cancelled',
] as const;
export type FulfillmentStatus = (typeof fulfillmentStatuses)[number];

export const fulfillmentTransitions = {
  // Sent to the location (fulfillment.requested): it accepts, or rejects (stock not there), or the order is cancelled.
  requested: ['accepted', 'shipped', 'rejected', 'cancelled'],
  accepted: ['picking', 'shipped', 'rejected', 'cancelled'],
  // A picker may find the shelf empty: rejecting hands the units back to be sourced again.
  picking: ['packed', 'shipped', 'rejected', 'cancelled'],
  // Packed: a carrier takes it (shipped), or, at a pickup store, it waits on the shelf for the customer.
  packed: ['shipped', 'ready_for_pickup', 'rejected', 'cancelled'],
  // Waiting for the customer, who shows the pickup code; uncollected for too long it is cancelled and restocked.
  ready_for_pickup: ['picked_up', 'cancelled'],
  shipped: [],
  picked_up: [],
  rejected: [],
  cancelled: [],
} as const satisfies Record<FulfillmentStatus, readonly FulfillmentStatus[]>;

export const canFulfillmentTransition = (from: FulfillmentStatus, to: FulfillmentStatus): boolean =>
  (fulfillmentTransitions[from] as readonly FulfillmentStatus[]).includes(to);

/** Statuses in which the location still has work to do (the unique index of migration 0025 lists the same). */
export const openFulfillmentStatuses: readonly FulfillmentStatus[] = ['requested', 'accepted', 'picking', 'packed', 'ready_for_pickup'];
export const isOpenFulfillment = (s: FulfillmentStatus): boolean => openFulfillmentStatuses.includes(s);

export const isFulfillmentStatus = (value: string): value is FulfillmentStatus =>
  (fulfillmentStatuses as readonly string[]).includes(value);

/** Start-up check of the table: throws if a state cannot be reached from `requested` or a target is unknown. */
export function verifyFulfillmentTransitions(): void {
  const reached = new Set<FulfillmentStatus>(['requested']);
  const queue: FulfillmentStatus[] = ['requested'];
  while (queue.length > 0) {
    const from = queue.shift() as FulfillmentStatus;
    for (const to of fulfillmentTransitions[from]) {
      if (!isFulfillmentStatus(to)) throw new Error(`fulfilment transition ${from} → ${String(to)}: unknown state`);
      if (!reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
  }
  const unreachable = fulfillmentStatuses.filter((s) => !reached.has(s));
  if (unreachable.length > 0) throw new Error(`fulfilment states unreachable from requested: ${unreachable.join(', ')}`);
}
verifyFulfillmentTransitions();

/** Where a parcel is, as the carrier reports it. `shipped` is where every shipment starts. */
export const shipmentStatuses = ['shipped', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender'] as const;
export type ShipmentStatus = (typeof shipmentStatuses)[number];
export const trackingEventTypes = ['in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender'] as const;
export type TrackingEventType = (typeof trackingEventTypes)[number];

/**
 * The tracking transitions: a parcel moves forward (in transit, out for delivery, delivered), may hit an exception at
 * any point before the end and go on from it, and ends delivered or returned to the sender. An event a final parcel
 * cannot take (in transit after delivered) is out of order and refused.
 */
export const shipmentTransitions = {
  shipped: ['in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender'],
  in_transit: ['in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender'],
  out_for_delivery: ['in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender'],
  exception: ['in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender'],
  delivered: [],
  returned_to_sender: [],
} as const satisfies Record<ShipmentStatus, readonly TrackingEventType[]>;

export const canTrack = (from: ShipmentStatus, to: TrackingEventType): boolean =>
  (shipmentTransitions[from] as readonly TrackingEventType[]).includes(to);

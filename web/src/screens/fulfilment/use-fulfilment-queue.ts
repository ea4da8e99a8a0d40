/**
 * The fulfilment screens' one door to the API: a location's open fulfilment orders (GET /v1/fulfillment-orders), the
 * steps a location takes on one (accept, start picking, pack, ready for pickup, hand over, reject), its parcel
 * (POST /v1/shipments), its packing slip, and the location's batched pick list. docs/fulfillment.md tells the flow.
 */
import { api, query } from '../../api.js';
import type { FulfilmentOrder, FulfilmentStatus, Page, PickList } from '../../types.js';
import { useApi, type Loaded } from '../../use-api.js';

/** The statuses of a location's queue, in the order the work goes. */
export const queueStatuses = ['requested', 'accepted', 'picking', 'packed', 'ready_for_pickup'] as const satisfies readonly FulfilmentStatus[];
export type QueueStatus = (typeof queueStatuses)[number];

/** A step that needs nothing but a click, by the status it is taken from. */
export type Step = 'accept' | 'start-picking' | 'pack' | 'ready-for-pickup';

/** What a person can do with a fulfilment order in its status (the API refuses anything else with 409 invalid_state). */
export function nextStep(fo: Pick<FulfilmentOrder, 'status' | 'kind'>): Step | 'ship' | 'hand-over' | null {
  switch (fo.status) {
    case 'requested': return 'accept';
    case 'accepted': return 'start-picking';
    case 'picking': return 'pack';
    case 'packed': return fo.kind === 'pickup' ? 'ready-for-pickup' : 'ship';
    case 'ready_for_pickup': return 'hand-over';
    default: return null;
  }
}

/** A location may reject what it has not yet sent or put on the pickup shelf. */
export const mayReject = (fo: Pick<FulfilmentOrder, 'status'>): boolean => ['requested', 'accepted', 'picking', 'packed'].includes(fo.status);

export interface Parcel { carrier?: string; service?: string; trackingNumber?: string; parcels?: number; weightGrams?: number }
export type Disposition = 'write_off' | 'quarantine' | 'none';

export interface FulfilmentQueue {
  queue: Loaded<FulfilmentOrder[]>;
  step: (fo: FulfilmentOrder, step: Step) => Promise<void>;
  ship: (fo: FulfilmentOrder, parcel: Parcel) => Promise<void>;
  /** A pickup order given to the customer at the counter, after checking the code the customer shows. */
  handOver: (fo: FulfilmentOrder, pickupCode: string) => Promise<void>;
  /** The location cannot fulfil it: the missing units per line are written off, quarantined or left as they are. */
  reject: (fo: FulfilmentOrder, reason: string, missing: { lineId: string; quantity: number }[], disposition: Disposition) => Promise<void>;
}

/** The PDF the browser opens in a tab (the session cookie goes with it). */
export const packingSlipUrl = (fo: Pick<FulfilmentOrder, 'id'>): string => `/v1/fulfillment-orders/${fo.id}/packing-slip.pdf`;

export function useFulfilmentQueue(location: string | null): FulfilmentQueue {
  const list = useApi<Page<FulfilmentOrder>>(location
    ? `/fulfillment-orders${query({ location, status: [...queueStatuses], limit: '200' })}`
    : null, 15_000);
  // Reloaded after a refusal too: a wrong pickup code is counted on the fulfilment order.
  const after = async (work: Promise<unknown>) => {
    try {
      await work;
    } finally {
      list.reload();
    }
  };
  return {
    queue: { ...list, data: list.data?.data },
    step: (fo, step) => after(api('POST', `/fulfillment-orders/${fo.id}/${step}`, {})),
    ship: (fo, parcel) => after(api('POST', '/shipments', { fulfillmentOrderId: fo.id, ...parcel })),
    handOver: (fo, pickupCode) => after(api('POST', `/fulfillment-orders/${fo.id}/hand-over`, { pickupCode })),
    reject: (fo, reason, missing, disposition) => after(api('POST', `/fulfillment-orders/${fo.id}/reject`, {
      reason,
      ...(missing.length > 0 && { shortfall: missing.map((m) => ({ ...m, disposition })) }),
    })),
  };
}

/** The location's batched pick list: the open units of its fulfilment orders not yet packed, by SKU. */
export const usePickList = (location: string | null): Loaded<PickList> =>
  useApi<PickList>(location ? `/locations/${encodeURIComponent(location)}/pick-list` : null, 15_000);

/**
 * The fulfilment screen's one door to the API. Today a location's queue is the orders released to it
 * (GET /v1/orders?location=…&status=in_fulfillment&status=partially_shipped) and a parcel is POST /v1/orders/{id}/ship;
 * when fulfilment orders (/v1/fulfillment-orders) land, this hook switches to them and the screen stays as it is.
 */
import { api, query } from '../../api.js';
import type { Order, OrderLine, Page } from '../../types.js';
import { useApi, type Loaded } from '../../use-api.js';

export interface QueueItem {
  id: string;
  number: string;
  channel: string;
  placedAt: string;
  pickup: boolean;
  recipient: string;
  /** The lines of this location with units reserved, to pick and send. */
  lines: { lineId: string; sku: string; quantity: number }[];
}

export interface FulfilmentQueue {
  queue: Loaded<QueueItem[]>;
  ship: (item: QueueItem, parcel: { carrier?: string; trackingNumber?: string }) => Promise<void>;
  /** A pickup order given to the customer at the counter: shipped from here, and delivered when the role may record it. */
  handOver: (item: QueueItem, mayDeliver: boolean) => Promise<void>;
}

const toItem = (location: string) => (o: Order): QueueItem => ({
  id: o.id,
  number: o.number,
  channel: o.channel,
  placedAt: o.placedAt,
  pickup: o.deliveryMethod === 'pickup',
  recipient: o.shippingAddress?.name ?? o.customer.name,
  lines: o.lines.filter((l: OrderLine) => l.location === location && l.allocated > 0).map((l) => ({ lineId: l.id, sku: l.sku, quantity: l.allocated })),
});

export function useFulfilmentQueue(location: string | null): FulfilmentQueue {
  const orders = useApi<Page<Order>>(location
    ? `/orders${query({ location, status: ['in_fulfillment', 'partially_shipped'], sort: 'placedAt', limit: '50' })}`
    : null, 15_000);
  const items = orders.data && location ? orders.data.data.map(toItem(location)).filter((i) => i.lines.length > 0) : undefined;
  const send = (item: QueueItem, parcel: { carrier?: string; trackingNumber?: string }) =>
    api('POST', `/orders/${item.id}/ship`, { lines: item.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })), ...parcel });
  return {
    queue: { ...orders, data: items },
    ship: async (item, parcel) => {
      await send(item, parcel);
      orders.reload();
    },
    handOver: async (item, mayDeliver) => {
      await send(item, {});
      if (mayDeliver) await api('POST', `/orders/${item.id}/deliver`, {}).catch(() => undefined);
      orders.reload();
    },
  };
}

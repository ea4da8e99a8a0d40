/** The shapes of /v1 answers the screens read (see /openapi.json). */
export interface Page<T> { data: T[]; next: string | null }
export interface Address { name: string; company?: string | null; line1: string; line2?: string | null; city: string; state?: string | null; postalCode: string; country: string; phone?: string | null }
export interface Hold { id: string; reasonCode: string; rule: string | null; note: string | null; status: 'open' | 'released' | 'rejected'; createdAt: string; decidedAt: string | null; decidedBy: string | null }
export interface OrderLine { id: string; lineNo: number; sku: string; location: string | null; quantity: number; allocated: number; shipped: number; cancelled: number; backordered: number; unitPriceMinor: number }
export interface Order {
  id: string; number: string; channel: string; externalRef: string; status: string;
  customer: { name: string; email: string | null; phone: string | null };
  currency: string;
  totals: { subtotalMinor: number; discountMinor: number; shippingMinor: number; taxMinor: number; totalMinor: number };
  shippingAddress: Address | null; billingAddress: Address | null; buyerRemark: string | null;
  deliveryMethod: 'ship' | 'pickup'; pickupLocation: string | null;
  lines: OrderLine[]; holds: Hold[]; placedAt: string;
  /** Promised to the customer at capture (docs/carriers.md). */
  promisedDeliveryDate?: string | null;
}
export interface TimelineEntry { id: string; at: string; actor: string; type: string; fromStatus: string | null; toStatus: string | null; message: string }
export interface StockLevel { sku: string; location: string; onHand: number; reserved: number; quarantined: number; safetyStock: number; available: number }
export interface Availability { sku: string; onHand: number; reserved: number; quarantined: number; safetyStock: number; available: number; incoming: number; channel: { code: string; available: number } | null }
export type FulfilmentStatus = 'requested' | 'accepted' | 'picking' | 'packed' | 'ready_for_pickup' | 'picked_up' | 'shipped' | 'rejected' | 'cancelled';
export interface FulfilmentOrderLine { lineId: string; lineNo: number; sku: string; name: string; quantity: number; shipped: number; open: number }
export interface FulfilmentOrder {
  id: string; number: string; orderId: string; orderNumber: string; location: string; kind: 'ship' | 'pickup';
  status: FulfilmentStatus; version: number; lines: FulfilmentOrderLine[]; readyAt: string | null; pickupAttempts: number;
  reason: string | null; createdAt: string; updatedAt: string;
}
export interface TrackingEvent { eventId: string; type: string; occurredAt: string; location: string | null; description: string | null; applied: boolean; receivedAt: string }
export interface Shipment {
  id: string; orderId: string; fulfillmentOrderId: string | null; kind: 'parcel' | 'pickup'; carrier: string | null; service: string | null;
  trackingNumber: string | null; parcels: number; weightGrams: number | null; status: string; lines: { lineId: string; quantity: number }[];
  shippedAt: string; deliveredAt: string | null; version: number; events?: TrackingEvent[];
}
export interface Carrier { id: string; code: string; name: string; active: boolean; services: { code: string; name: string; active: boolean }[] }
export interface PickList {
  location: string; generatedAt: string; fulfillmentOrders: number; units: number;
  skus: { sku: string; name: string; quantity: number; orders: { fulfillmentOrderId: string; number: string; orderNumber: string; lineId: string; quantity: number }[] }[];
}

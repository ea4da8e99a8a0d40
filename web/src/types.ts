/** The shapes of /v1 answers the screens read (see /openapi.json). */
export interface Page<T> { data: T[]; next: string | null }
export interface Address { name: string; company?: string | null; line1: string; line2?: string | null; city: string; state?: string | null; postalCode: string; country: string; phone?: string | null }
export interface Hold { id: string; reasonCode: string; rule: string | null; note: string | null; status: 'open' | 'released' | 'rejected'; createdAt: string; decidedAt: string | null; decidedBy: string | null }
export interface OrderLine { id: string; lineNo: number; sku: string; location: string | null; quantity: number; allocated: number; shipped: number; cancelled: number; backordered: number; unitPriceMinor: number }
export interface Order {
  id: string; number: string; channel: string; externalRef: string; status: string;
  customer: { id: string; name: string; email: string | null; phone: string | null };
  currency: string;
  totals: { subtotalMinor: number; discountMinor: number; shippingMinor: number; taxMinor: number; totalMinor: number };
  shippingAddress: Address | null; billingAddress: Address | null; buyerRemark: string | null;
  deliveryMethod: 'ship' | 'pickup'; pickupLocation: string | null;
  lines: OrderLine[]; holds: Hold[]; placedAt: string;
  /** Promised to the customer at capture (docs/carriers.md). */
  promisedDeliveryDate?: string | null;
  /** Sent back as If-Match by edits, so an edit made on a stale page is refused (409 version_conflict). */
  version: number;
  mergedInto: string | null; splitFrom: string | null;
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

/** GET /v1/orders/{id}/sourcing: each decision with its explanation (docs/sourcing.md). */
export interface SourcingCandidate {
  location: string; eligible: boolean; rejected: string | null; scores: Record<string, number | null>;
  distanceKm: number | null; region: string | null; supply?: { onHand: number; demandPerDay: number; weeks: number };
}
export interface SourcingExplanation {
  rules: string[]; splitLines: boolean; ruleSet: 'channel' | 'default'; deliveryMethod: string;
  destination: { how: string; region: string | null; area: string | null; label: string };
  costModel: string | null; fallbacks: string[]; candidates: SourcingCandidate[];
  parcels: { location: string; lines: { index: number; quantity: number }[] }[]; uncovered: number[]; summary: string;
}
export interface SourcingDecision { id: number; trigger: string; reason: string | null; decidedAt: string; explanation: SourcingExplanation }
export interface OrderSourcing { orderId: string; decisions: SourcingDecision[] }

/** A refund's every number with its inputs and rule (src/payment/refund-rules.ts). */
export interface RefundPart { amountMinor: number; rule: string }
export interface RefundExplanation {
  currency: string;
  lines: { lineId: string; lineNo: number; sku: string; units: number; unitsRefundedBefore: number; paidUnits: number; unitPriceMinor: number; subtotalMinor: number; discountMinor: number; orderDiscountMinor: number; taxMinor: number; amountMinor: number; rule: string }[];
  itemsMinor: number; shipping: RefundPart; unallocatedDiscount: RefundPart; restockingFee: RefundPart & { bps: number };
  goodwill: RefundPart; cancellation: RefundPart; exchange: RefundPart; maxRefundableMinor: number; cappedMinor: number; totalMinor: number; rule: string;
}
export interface Payment {
  id: string; orderId: string; kind: 'authorization' | 'capture' | 'void' | 'refund' | 'chargeback' | 'transfer_out' | 'transfer_in';
  status: 'pending' | 'succeeded' | 'failed'; amountMinor: number; currency: string; provider: string; method: string | null;
  providerReference: string | null; failureReason: string | null; returnId: string | null; reason: string | null;
  explanation: RefundExplanation | null; actor: string; createdAt: string; settledAt: string | null;
}
export interface PaymentSummary {
  orderId: string; currency: string; orderTotalMinor: number; state: string;
  authorizedMinor: number; capturedMinor: number; refundedMinor: number; chargedBackMinor: number; pendingMinor: number;
  refundableMinor: number; balanceDueMinor: number; provider: string; capturePolicy: string; payments: Payment[];
}

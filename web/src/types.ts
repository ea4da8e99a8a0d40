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

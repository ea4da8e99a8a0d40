/** Orders: the capture request, the order as the API shows it, and the pure checks of a capture. */
import { Type, type Static } from 'typebox';
import { Id, MinorUnits, Nullable, Timestamp } from '../http/schemas.js';
import { Ref } from '../inventory/index.js';
import type { FieldError } from '../shared/errors.js';
import { orderStatuses } from './order-status.js';

export const MAX_LINES = 500;


/** A postal address and some units of one line (src/shared/order-values.ts: the fulfilment module's schemas use them too). */
import { Address, LineUnits } from '../shared/order-values.js';
export { Address, LineUnits };

export const CustomerRef = Type.Object({
  email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()/-]{5,30}$' })),
  name: Type.String({ minLength: 1, maxLength: 300 }),
  type: Type.Optional(Type.Union([Type.Literal('person'), Type.Literal('business')])),
  company: Type.Optional(Type.String({ maxLength: 200 })),
  vatId: Type.Optional(Type.String({ maxLength: 40 })),
}, { additionalProperties: false, description: 'Found by email (else phone), or created' });

export const CaptureLine = Type.Object({
  sku: Ref,
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  unitPriceMinor: MinorUnits,
  discountMinor: Type.Optional(MinorUnits),
  taxMinor: Type.Optional(MinorUnits),
}, { additionalProperties: false });
export type CaptureLine = Static<typeof CaptureLine>;

export const Totals = Type.Object({
  subtotalMinor: MinorUnits,
  discountMinor: MinorUnits,
  shippingMinor: MinorUnits,
  taxMinor: MinorUnits,
  totalMinor: MinorUnits,
}, { additionalProperties: false });
export type Totals = Static<typeof Totals>;

export const CaptureOrder = Type.Object({
  channel: Ref,
  externalRef: Type.String({ minLength: 1, maxLength: 128, description: 'The channel\'s own order number; unique per channel' }),
  placedAt: Type.Optional(Type.String({ format: 'date-time' })),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  customer: CustomerRef,
  shippingAddress: Type.Optional(Address),
  billingAddress: Type.Optional(Address),
  deliveryMethod: Type.Optional(Type.Union([Type.Literal('ship'), Type.Literal('pickup')])),
  pickupLocation: Type.Optional(Ref),
  lines: Type.Array(CaptureLine, { minItems: 1, maxItems: MAX_LINES }),
  orderDiscountMinor: Type.Optional(MinorUnits),
  shippingMinor: Type.Optional(MinorUnits),
  shippingTaxMinor: Type.Optional(MinorUnits),
  totals: Totals,
  payment: Type.Optional(Type.Object({
    method: Type.String({ minLength: 1, maxLength: 64 }),
    authorizedMinor: MinorUnits,
  }, { additionalProperties: false })),
  buyerRemark: Type.Optional(Type.String({ maxLength: 2000 })),
  purchaseOrderNumber: Type.Optional(Type.String({ maxLength: 100 })),
  enteredBy: Type.Optional(Type.String({ maxLength: 200, description: 'The person who keyed it in, e.g. a sales rep taking a phone order' })),
}, { additionalProperties: false });
export type CaptureOrder = Static<typeof CaptureOrder>;

export const OrderLine = Type.Object({
  id: Id,
  lineNo: Type.Integer(),
  sku: Type.String(),
  skuId: Id,
  location: Nullable(Type.String({ description: 'Where its units are reserved' })),
  quantity: Type.Integer({ description: 'Ordered' }),
  allocated: Type.Integer({ description: 'Reserved, not yet shipped' }),
  shipped: Type.Integer(),
  cancelled: Type.Integer(),
  returned: Type.Integer(),
  backordered: Type.Integer({ description: 'Waiting for stock' }),
  unitPriceMinor: Type.Integer(),
  discountMinor: Type.Integer(),
  taxMinor: Type.Integer(),
  totalMinor: Type.Integer(),
  splitFromLineNo: Nullable(Type.Integer({
    description: 'Set on the parts of a line split over several locations at capture (the channel\'s rule set allows it and no single location had every unit): the capture request\'s line number they came from. The first part keeps that number; the others are numbered after the order\'s last line. Same SKU and unit price; quantity, discount and tax divided exactly',
  })),
});

export const Hold = Type.Object({
  id: Id,
  reasonCode: Type.String(),
  rule: Nullable(Type.String()),
  note: Nullable(Type.String()),
  status: Type.Union([Type.Literal('open'), Type.Literal('released'), Type.Literal('rejected')]),
  createdAt: Timestamp,
  decidedAt: Nullable(Timestamp),
  decidedBy: Nullable(Type.String()),
});

export const Order = Type.Object({
  id: Id,
  number: Type.String(),
  channel: Type.String(),
  externalRef: Type.String(),
  status: Type.String({ description: `One of ${orderStatuses.join(', ')}` }),
  customer: Type.Object({ id: Id, name: Type.String(), email: Nullable(Type.String()), phone: Nullable(Type.String()) }),
  currency: Type.String(),
  totals: Totals,
  payment: Nullable(Type.Object({ method: Type.String(), authorizedMinor: Type.Integer() })),
  deliveryMethod: Type.String(),
  pickupLocation: Nullable(Type.String()),
  shippingAddress: Nullable(Address),
  billingAddress: Nullable(Address),
  buyerRemark: Nullable(Type.String()),
  purchaseOrderNumber: Nullable(Type.String()),
  enteredBy: Nullable(Type.String()),
  lines: Type.Array(OrderLine),
  holds: Type.Array(Hold),
  flags: Type.Array(Type.String()),
  trackingToken: Type.String({ description: 'For the customer\'s page GET /track/{token}' }),
  mergedInto: Nullable(Id),
  splitFrom: Nullable(Id),
  placedAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer(),
  sourcing: Type.Optional(Nullable(Type.String({ description: 'Where the lines ship from and why, in one sentence (the last sourcing decision); every candidate and its scores: GET /v1/orders/{id}/sourcing' }))),
  promisedDeliveryDate: Nullable(Type.String({ format: 'date', description: 'Promised to the customer at capture: handling days + transit days of the cheapest qualifying service (docs/carriers.md)' })),
  duplicate: Type.Optional(Type.Boolean({ description: 'True when this capture repeated an order already taken (same channel and external reference)' })),
});
export type Order = Static<typeof Order>;

/** The totals an order's lines and charges add up to. */
export function expectedTotals(input: Pick<CaptureOrder, 'lines' | 'orderDiscountMinor' | 'shippingMinor' | 'shippingTaxMinor'>): Totals {
  const subtotalMinor = input.lines.reduce((a, l) => a + l.unitPriceMinor * l.quantity, 0);
  const discountMinor = input.lines.reduce((a, l) => a + (l.discountMinor ?? 0), 0) + (input.orderDiscountMinor ?? 0);
  const shippingMinor = input.shippingMinor ?? 0;
  const taxMinor = input.lines.reduce((a, l) => a + (l.taxMinor ?? 0), 0) + (input.shippingTaxMinor ?? 0);
  return { subtotalMinor, discountMinor, shippingMinor, taxMinor, totalMinor: subtotalMinor - discountMinor + shippingMinor + taxMinor };
}

/** Every total the channel sent that does not match its lines, naming the expected and the given number. */
export function totalsMismatch(input: CaptureOrder): FieldError[] {
  const expected = expectedTotals(input);
  const errors: FieldError[] = [];
  for (const key of Object.keys(expected) as (keyof Totals)[]) {
    if (expected[key] !== input.totals[key]) {
      errors.push({ path: `/body/totals/${key}`, message: `expected ${expected[key]} from the lines and charges, got ${input.totals[key]}` });
    }
  }
  input.lines.forEach((l, i) => {
    if ((l.discountMinor ?? 0) > l.unitPriceMinor * l.quantity) {
      errors.push({ path: `/body/lines/${i}/discountMinor`, message: `discount ${l.discountMinor} is more than the line's ${l.unitPriceMinor * l.quantity}` });
    }
  });
  if (expected.totalMinor < 0) errors.push({ path: '/body/orderDiscountMinor', message: 'discounts are larger than the order' });
  return errors;
}

/** Fulfilment orders and shipments: the API's shapes (TypeBox: validation, types and the OpenAPI document). */
import { Type, type Static } from 'typebox';
import { Code, Id, Nullable, Timestamp } from '../http/schemas.js';
import { LineUnits } from '../shared/order-values.js';
import { fulfillmentStatuses, shipmentStatuses, trackingEventTypes } from './fulfillment-status.js';

export const FulfillmentStatusSchema = Type.Enum(fulfillmentStatuses);
export const ShipmentStatusSchema = Type.Enum(shipmentStatuses);
export const TrackingEventTypeSchema = Type.Enum(trackingEventTypes);

export const FulfillmentOrderLine = Type.Object({
  lineId: Id,
  lineNo: Type.Integer(),
  sku: Type.String(),
  name: Type.String({ description: 'The SKU\'s name' }),
  quantity: Type.Integer({ description: 'Units this location is asked for' }),
  shipped: Type.Integer({ description: 'Of them, shipped (or handed over)' }),
  open: Type.Integer({ description: 'quantity − shipped: still to pick, pack and ship' }),
});

export const FulfillmentOrder = Type.Object({
  id: Id,
  number: Type.String({ description: 'The order number with -F1, -F2… (one per location and release)' }),
  orderId: Id,
  orderNumber: Type.String(),
  location: Type.String({ description: 'The location\'s code' }),
  kind: Type.Union([Type.Literal('ship'), Type.Literal('pickup')], { description: 'ship: a carrier takes it; pickup: the customer collects it at this store' }),
  status: FulfillmentStatusSchema,
  version: Type.Integer(),
  lines: Type.Array(FulfillmentOrderLine),
  readyAt: Nullable(Timestamp),
  pickupAttempts: Type.Integer({ description: 'Hand-overs refused for a wrong pickup code' }),
  reason: Nullable(Type.String({ description: 'Why it was rejected or cancelled' })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type FulfillmentOrder = Static<typeof FulfillmentOrder>;

export const FulfillmentOrderQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
  location: Type.Optional(Code),
  status: Type.Optional(Type.Array(FulfillmentStatusSchema, { maxItems: 9, description: 'One or more statuses (repeat the parameter): a location\'s open queue is requested, accepted, picking, packed and ready_for_pickup' })),
  orderId: Type.Optional(Id),
}, { additionalProperties: false });

export const Note = Type.Object({
  note: Type.Optional(Type.String({ maxLength: 2000, description: 'Shown in the order\'s timeline' })),
}, { additionalProperties: false });
export type Note = Static<typeof Note>;

export const Shortfall = Type.Object({
  lineId: Id,
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  disposition: Type.Union([Type.Literal('write_off'), Type.Literal('quarantine'), Type.Literal('none')], {
    description: 'write_off: the units are gone (on hand goes down); quarantine: found damaged (held, not available); none: stock count untouched (the units may turn up)',
  }),
}, { additionalProperties: false });

export const RejectRequest = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  shortfall: Type.Optional(Type.Array(Shortfall, { maxItems: 500, description: 'What the location found missing or damaged, and what to do with the stock record' })),
}, { additionalProperties: false });
export type RejectRequest = Static<typeof RejectRequest>;

export const CancelRequest = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500 }),
}, { additionalProperties: false });
export type CancelRequest = Static<typeof CancelRequest>;

export const HandOverRequest = Type.Object({
  pickupCode: Type.String({ minLength: 1, maxLength: 20, description: 'The code the customer shows (sent with the ready-for-pickup notice)' }),
}, { additionalProperties: false });
export type HandOverRequest = Static<typeof HandOverRequest>;

// ---- shipments ------------------------------------------------------------------------------------------------------

export const ShipmentLine = Type.Object({ lineId: Id, quantity: Type.Integer() });

export const Shipment = Type.Object({
  id: Id,
  orderId: Id,
  fulfillmentOrderId: Nullable(Id),
  kind: Type.Union([Type.Literal('parcel'), Type.Literal('pickup')]),
  carrier: Nullable(Type.String()),
  service: Nullable(Type.String()),
  trackingNumber: Nullable(Type.String()),
  parcels: Type.Integer(),
  weightGrams: Nullable(Type.Integer()),
  status: ShipmentStatusSchema,
  lines: Type.Array(ShipmentLine),
  shippedAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
  version: Type.Integer(),
});
export type Shipment = Static<typeof Shipment>;

const Parcel = {
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Carrier code or id (GET /v1/carriers)' })),
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'One of the carrier\'s service codes; needs `carrier`' })),
  trackingNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  parcels: Type.Optional(Type.Integer({ minimum: 1, maximum: 999, default: 1 })),
  weightGrams: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
};

export const CreateShipmentRequest = Type.Object({
  fulfillmentOrderId: Id,
  lines: Type.Optional(Type.Array(LineUnits, { minItems: 1, maxItems: 500, description: 'Units to ship; without it every open unit of the fulfilment order' })),
  ...Parcel,
}, { additionalProperties: false });
export type CreateShipmentRequest = Static<typeof CreateShipmentRequest>;

export const ShipOrderRequest = Type.Object({
  lines: Type.Array(LineUnits, { minItems: 1, maxItems: 500 }),
  ...Parcel,
}, { additionalProperties: false });
export type ShipOrderRequest = Static<typeof ShipOrderRequest>;

export const TrackingEventRequest = Type.Object({
  eventId: Type.String({ minLength: 1, maxLength: 200, description: 'The sender\'s own id for this event: a repeat with the same id changes nothing' }),
  type: TrackingEventTypeSchema,
  occurredAt: Type.String({ format: 'date-time' }),
  location: Type.Optional(Type.String({ maxLength: 200, description: 'Where the parcel was, as the carrier says' })),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type TrackingEventRequest = Static<typeof TrackingEventRequest>;

export const TrackingEvent = Type.Object({
  eventId: Type.String(),
  type: TrackingEventTypeSchema,
  occurredAt: Timestamp,
  location: Nullable(Type.String()),
  description: Nullable(Type.String()),
  applied: Type.Boolean({ description: 'false: older than the parcel\'s latest status, kept in the history only' }),
  receivedAt: Timestamp,
});
export type TrackingEvent = Static<typeof TrackingEvent>;

export const ShipmentWithEvents = Type.Object({ ...Shipment.properties, events: Type.Array(TrackingEvent) });
export type ShipmentWithEvents = Static<typeof ShipmentWithEvents>;

/**
 * The fulfilment events: what a warehouse (WMS), a store or a carrier integration follows. Fulfilment order events
 * have the fulfilment order as their aggregate (its version after the change); tracking events the shipment.
 * docs/events.md is generated from these; docs/integration.md shows how a WMS uses them.
 */
import { Type } from 'typebox';
import { Code, Id, Nullable } from '../http/schemas.js';
import { Address } from '../shared/order-values.js';
import type { EventDefinition } from '../shared/events.js';
import { FulfillmentStatusSchema, ShipmentStatusSchema } from './fulfillment-order.js';
import type { TrackingEventType } from './fulfillment-status.js';

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const Base = {
  fulfillmentOrderId: Id,
  number: Type.String(),
  orderId: Id,
  orderNumber: Type.String(),
  location: Code,
  kind: Type.Union([Type.Literal('ship'), Type.Literal('pickup')]),
  from: Nullable(FulfillmentStatusSchema),
  to: FulfillmentStatusSchema,
};
const PickLine = Type.Object({
  lineId: Id, lineNo: Type.Integer({ minimum: 1 }), sku: Code, name: Type.String(), quantity: Count,
}, strict);
const plain = (description: string): EventDefinition => ({ aggregate: 'fulfillment_order', description, payload: Type.Object(Base, strict) });

export const fulfillmentEvents = {
  'fulfillment.requested': {
    aggregate: 'fulfillment_order',
    description: 'A location is asked to fulfil part of an order: what to pick (SKU, quantity per order line) and where it goes. What a WMS or a store picks up.',
    payload: Type.Object({
      ...Base,
      lines: Type.Array(PickLine),
      shipTo: Nullable(Address),
      buyerRemark: Nullable(Type.String()),
      carrierHint: Nullable(Type.String({ description: 'Reserved for the rate shopping of issue #19 part 5' })),
    }, strict),
  },
  'fulfillment.changed': {
    aggregate: 'fulfillment_order',
    description: 'Units of a fulfilment order were added (released again) or taken away (cancelled by the customer): the new quantities.',
    payload: Type.Object({
      ...Base,
      lines: Type.Array(Type.Object({ lineId: Id, sku: Code, quantity: Type.Object({ from: Count, to: Count }, strict) }, strict)),
    }, strict),
  },
  'fulfillment.accepted': plain('The location accepted the fulfilment order.'),
  'fulfillment.picking_started': plain('Picking started.'),
  'fulfillment.packed': plain('Everything is packed.'),
  'fulfillment.ready_for_pickup': {
    aggregate: 'fulfillment_order',
    description: 'A pickup order waits at the store for the customer, who shows the pickup code to collect it.',
    payload: Type.Object({ ...Base, pickupCode: Type.String({ pattern: '^[0-9]{6}$' }), readyAt: Type.String({ format: 'date-time' }), collectBy: Type.String({ format: 'date-time' }) }, strict),
  },
  'fulfillment.picked_up': plain('The customer collected the pickup order (the code matched).'),
  'fulfillment.shipped': plain('Every unit of the fulfilment order shipped.'),
  'fulfillment.rejected': {
    aggregate: 'fulfillment_order',
    description: 'The location could not fulfil it: its open units go back to be sourced again (what it shipped stays shipped); a shortfall was written off or quarantined as the location said.',
    payload: Type.Object({
      ...Base, reason: Type.String(),
      shortfall: Type.Array(Type.Object({ lineId: Id, sku: Code, quantity: Count, disposition: Type.String() }, strict)),
      released: Type.Array(Type.Object({ lineId: Id, quantity: Count }, strict)),
      shipped: Type.Array(Type.Object({ lineId: Id, quantity: Count }, strict), { description: 'Units it shipped before (a partly shipped one): they stay shipped' }),
    }, strict),
  },
  'fulfillment.cancelled': {
    aggregate: 'fulfillment_order',
    description: 'The fulfilment order was withdrawn: the order was cancelled, taken back, or not collected in time. Stop working on it.',
    payload: Type.Object({ ...Base, reason: Type.String() }, strict),
  },
} satisfies Record<string, EventDefinition>;

const ShipmentBase = {
  shipmentId: Id,
  orderId: Id,
  fulfillmentOrderId: Nullable(Id),
  carrier: Nullable(Type.String()),
  service: Nullable(Type.String()),
  trackingNumber: Nullable(Type.String()),
};
const tracked = (type: TrackingEventType, description: string): [string, EventDefinition] => [`shipment.${type}`, {
  aggregate: 'shipment',
  description,
  payload: Type.Object({
    ...ShipmentBase, from: ShipmentStatusSchema, to: ShipmentStatusSchema, eventId: Type.String(),
    occurredAt: Type.String({ format: 'date-time' }), location: Nullable(Type.String()), description: Nullable(Type.String()),
  }, strict),
}];

export const shipmentEvents: Record<string, EventDefinition> = {
  'shipment.created': {
    aggregate: 'shipment',
    description: 'A parcel (or a pickup hand-over) left a location: units, carrier, service, parcels and weight.',
    payload: Type.Object({
      ...ShipmentBase, kind: Type.Union([Type.Literal('parcel'), Type.Literal('pickup')]), location: Nullable(Code),
      parcels: Type.Integer({ minimum: 1 }), weightGrams: Nullable(Type.Integer()),
      lines: Type.Array(Type.Object({ lineId: Id, quantity: Count }, strict)),
    }, strict),
  },
  ...Object.fromEntries([
    tracked('in_transit', 'The carrier reports the parcel on its way.'),
    tracked('out_for_delivery', 'The parcel is out for delivery.'),
    tracked('delivered', 'The carrier delivered the parcel (the order is delivered once every parcel is).'),
    tracked('exception', 'The carrier reports a problem (address, damage, customs…): the order is held for a person while it is still in the warehouse.'),
    tracked('returned_to_sender', 'The parcel is on its way back to the sender.'),
  ]),
};

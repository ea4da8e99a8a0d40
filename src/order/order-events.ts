/**
 * The order events: the payload of every event the order module writes to the outbox, as TypeBox schemas. The
 * aggregate is the order (`aggregateType: 'order'`, `aggregateId` its id, `aggregateVersion` its version after the
 * change). docs/events.md is generated from these (`npm run docs:events`), and every event the test suite writes is
 * checked against them (test/harness.ts).
 */
import { Type, type TSchema } from 'typebox';
import { Code, Id, Nullable } from '../http/schemas.js';
import type { EventDefinition } from '../shared/events.js';
import { orderStatuses, type OrderStatus } from './order-status.js';
import { statusEvents } from './order.repository.js';

const Status = Type.Union(orderStatuses.map((s) => Type.Literal(s)));
const Count = Type.Integer({ minimum: 0 });
const Minor = Type.Integer({ minimum: 0 });
const FromTo = <T extends TSchema>(schema: T) => Type.Object({ from: schema, to: schema }, { additionalProperties: false });
const Totals = Type.Object({
  subtotalMinor: Minor, discountMinor: Minor, shippingMinor: Minor, taxMinor: Minor, totalMinor: Minor,
}, { additionalProperties: false });
const strict = { additionalProperties: false } as const;

const statusDescriptions: Record<OrderStatus, string> = {
  received: 'An order was captured (or split off another order); its first event.',
  on_hold: 'The order waits for review: a rule or a person placed a hold (also a shipped order, for a carrier exception).',
  confirmed: 'The order passed review (or has no holds) and waits for stock to be reserved for every line.',
  allocated: 'Every open unit of the order is reserved.',
  in_fulfillment: 'The order was released to the warehouse.',
  partially_shipped: 'Some units left the warehouse, others are still open.',
  shipped: 'Every open unit left the warehouse.',
  delivered: 'The carrier delivered the order.',
  completed: 'The order is closed.',
  cancelled: 'The order was cancelled; its reservations were released.',
};

/** A status change: from what to what. Capture adds what a consumer needs to file the order without a read. */
const statusChanged = (to: OrderStatus) => Type.Object({
  orderId: Id,
  from: Nullable(Status),
  to: Type.Literal(to),
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'The order version after the change (also in the envelope).' })),
  channel: Type.Optional(Code),
  externalRef: Type.Optional(Type.String()),
  totalMinor: Type.Optional(Minor),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  splitFrom: Type.Optional(Type.String({ format: 'uuid', description: 'The order this one was split off.' })),
}, strict);

const statusEventDefinitions = Object.fromEntries(orderStatuses.map((s) => [statusEvents[s], {
  aggregate: 'order', description: statusDescriptions[s], payload: statusChanged(s),
}])) as unknown as Record<(typeof statusEvents)[OrderStatus], EventDefinition>;

const Hold = {
  orderId: Id, holdId: Id, reasonCode: Type.String(), note: Nullable(Type.String()),
};
const LineRef = { lineId: Id, lineNo: Type.Integer({ minimum: 1 }) };
const SplitOff = Type.Object({ ...LineRef, sku: Code, quantity: Count, newLineId: Id }, strict);
const MergedIn = Type.Object({ lineId: Id, orderId: Id, sku: Code, quantity: Count, newLineId: Id }, strict);
const Changed = { orderId: Id, version: Type.Integer({ minimum: 1 }) };

/** `order.changed` says what changed in `change`; each kind has its own fields. */
const OrderChanged = Type.Union([
  Type.Object({ ...Changed, change: Type.Literal('details_changed'), fields: Type.Array(Type.String()) }, strict),
  Type.Object({
    ...Changed, ...LineRef, change: Type.Literal('line_added'), sku: Code, quantity: Count, unitPriceMinor: Minor, totals: Totals,
    parts: Type.Optional(Type.Array(Type.Object({ ...LineRef, quantity: Count }, strict), {
      description: 'The line split over locations (the channel\'s rule set splits lines): each part, the first with the new line number',
    })),
  }, strict),
  Type.Object({
    ...Changed, ...LineRef, change: Type.Literal('line_changed'), sku: Code, quantity: FromTo(Count), allocated: FromTo(Count), totals: Totals,
  }, strict),
  Type.Object({
    ...Changed, ...LineRef, change: Type.Literal('line_cancelled'), sku: Code, cancelled: FromTo(Count), released: Count, totals: Totals,
  }, strict),
  Type.Object({
    ...Changed, change: Type.Literal('backorder_filled'),
    lines: Type.Array(Type.Object({
      ...LineRef, sku: Code, location: Code, reserved: Count, backordered: FromTo(Count),
      splitFromLineNo: Type.Optional(Type.Integer({
        minimum: 1,
        description: 'Set on each part of a waiting line no location had whole, split over locations (the channel\'s rule set splits lines): '
          + 'the line number it was split from. The first part keeps the line (its backordered units go to 0); the others are new lines.',
      })),
      movedFrom: Type.Optional(Type.String({
        minLength: 1, description: 'Set when the whole line moved here because its location had not got the units it waited for: where it was.',
      })),
      released: Type.Optional(Type.Integer({ minimum: 0, description: 'With movedFrom: the units reserved there, released.' })),
    }, strict)),
  }, strict),
  Type.Object({
    ...Changed, change: Type.Literal('resourced'), reason: Type.String(),
    lines: Type.Array(Type.Object({
      ...LineRef, sku: Code, from: Type.Union([Code, Type.Null()]), to: Type.Union([Code, Type.Null(), ]), quantity: Count,
      splitFromLineNo: Type.Optional(Type.Integer({
        minimum: 1,
        description: 'Set on each part of a line no other location had whole, split over locations (the channel\'s rule set splits lines): '
          + 'the line number it was split from. The first part keeps the line\'s id and number; the others are new lines.',
      })),
    }, { ...strict, description: 'to: null — no other location has the units; they are backordered' })),
  }, strict),
]);

export const orderEvents = {
  ...statusEventDefinitions,
  'order.changed': {
    aggregate: 'order',
    description: 'The order was edited without a status change: details, a line added, changed or cancelled, a backorder filled, lines sourced again elsewhere (see `change`).',
    payload: OrderChanged,
  },
  'order.hold_placed': {
    aggregate: 'order', description: 'Another hold was placed on an order already on hold.', payload: Type.Object(Hold, strict),
  },
  'order.hold_released': {
    aggregate: 'order', description: 'A hold was released (the order moves on once its last hold is released).', payload: Type.Object(Hold, strict),
  },
  'order.hold_rejected': {
    aggregate: 'order', description: 'A hold was rejected: the order is cancelled (an `order.cancelled` follows).', payload: Type.Object(Hold, strict),
  },
  'order.lines_cancelled': {
    aggregate: 'order',
    description: 'Some units of some lines were cancelled; their reservations were released.',
    payload: Type.Object({
      orderId: Id, reason: Type.String(),
      lines: Type.Array(Type.Object({ ...LineRef, quantity: Count, released: Count }, strict)),
    }, strict),
  },
  'order.units_released': {
    aggregate: 'order',
    description: 'Units the warehouse could not find were taken back to be sourced again (recall, or a partly shipped order\'s rejected fulfilment order).',
    payload: Type.Object({
      orderId: Id, reason: Type.String(), lines: Type.Array(Type.Object({ ...LineRef, quantity: Count }, strict)),
    }, strict),
  },
  'order.shipment_created': {
    aggregate: 'order',
    description: 'A parcel left: which units of which lines, with which carrier and tracking number.',
    payload: Type.Object({
      orderId: Id, shipmentId: Id, carrier: Nullable(Code), trackingNumber: Nullable(Type.String()),
      lines: Type.Array(Type.Object({ lineId: Id, quantity: Count }, strict)),
    }, strict),
  },
  'order.split': {
    aggregate: 'order',
    description: 'Lines (or units of them) moved to a new order split off this one; the new order gets its own `order.received`.',
    payload: Type.Object({ ...Changed, splitOrderId: Id, number: Type.String(), lines: Type.Array(SplitOff) }, strict),
  },
  'order.merged': {
    aggregate: 'order',
    description: 'Other orders were merged into this one: their lines moved here.',
    payload: Type.Object({ ...Changed, mergedOrderIds: Type.Array(Id), lines: Type.Array(MergedIn), totals: Totals }, strict),
  },
} satisfies Record<string, EventDefinition>;

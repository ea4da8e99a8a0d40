/**
 * The returns module's events: written to the order's timeline and outbox as a return moves (`aggregateType:
 * 'order'`). docs/events.md is generated from these (`npm run docs:events`), and every event the test suite writes is
 * checked against them (test/harness.ts).
 */
import { Type } from 'typebox';
import { Id, Nullable } from '../http/schemas.js';
import type { EventDefinition } from '../shared/events.js';

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const Return = { orderId: Id, returnId: Id, number: Type.String() };
const decisions = { approved: 'approved', rejected: 'rejected', cancelled: 'cancelled', closed: 'closed without a refund' } as const;

export const returnEvents: Record<string, EventDefinition> = {
  'order.return_requested': {
    aggregate: 'order',
    description: 'A return of some units of the order was asked for, with its reason.',
    payload: Type.Object({ ...Return, reasonCode: Type.String() }, strict),
  },
  ...Object.fromEntries(Object.entries(decisions).map(([to, verb]) => [`order.return_${to}`, {
    aggregate: 'order',
    description: `A return was ${verb}.`,
    payload: Type.Object({ ...Return, note: Nullable(Type.String()) }, strict),
  }])),
  'order.return_received': {
    aggregate: 'order',
    description: 'Returned units arrived at a location, waiting for inspection.',
    payload: Type.Object({ ...Return, units: Count, locationId: Id }, strict),
  },
  'order.return_inspected': {
    aggregate: 'order',
    description: 'The returned units were inspected: how many went back to stock, to quarantine, or were written off.',
    payload: Type.Object({ ...Return, restocked: Count, quarantined: Count, writtenOff: Count }, strict),
  },
  'order.return_refunded': {
    aggregate: 'order',
    description: 'The return was refunded (the refund settled at the provider).',
    payload: Type.Object({ ...Return, paymentId: Id }, strict),
  },
  'order.return_exchanged': {
    aggregate: 'order',
    description: 'The return was exchanged for a replacement order, paid by the returned goods; a price difference is due or refunded.',
    payload: Type.Object({
      orderId: Id, returnId: Id, replacementOrderId: Id, paidByReturnMinor: Count,
      priceDifferenceMinor: Type.Integer({ description: 'Replacement total less the returned value: due when positive, refunded when negative' }),
    }, strict),
  },
};

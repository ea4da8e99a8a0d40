/**
 * The payment module's events: written to the order's timeline and outbox when a ledger row settles or money moves
 * between orders (`aggregateType: 'order'`). docs/events.md is generated from these (`npm run docs:events`), and every
 * event the test suite writes is checked against them (test/harness.ts).
 */
import { Type } from 'typebox';
import { Id, Nullable } from '../http/schemas.js';
import type { EventDefinition } from '../shared/events.js';

const Minor = Type.Integer({ minimum: 0 });
const kinds = ['authorization', 'capture', 'void', 'refund', 'chargeback'] as const;
const Settled = {
  orderId: Id,
  paymentId: Id,
  kind: Type.Union(kinds.map((k) => Type.Literal(k))),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  amountMinor: Minor,
  currency: Type.String({ minLength: 3, maxLength: 3 }),
  provider: Type.String(),
  reference: Nullable(Type.String({ description: "The provider's reference" })),
};
const strict = { additionalProperties: false } as const;
const Transfer = { orderId: Id, paymentId: Id, amountMinor: Minor, capturedMinor: Type.Integer({ minimum: 0, description: 'Of the amount, what was captured (the rest authorised)' }) };

export const paymentEvents: Record<string, EventDefinition> = {
  ...Object.fromEntries(kinds.map((kind) => [`order.payment_${kind}`, {
    aggregate: 'order',
    description: `A ${kind} of the order's money succeeded at its provider (the ledger row settled).`,
    payload: Type.Object(Settled, strict),
  }])),
  ...Object.fromEntries(kinds.map((kind) => [`order.payment_${kind}_failed`, {
    aggregate: 'order',
    description: `A ${kind} failed at its provider, with its reason${kind === 'capture' ? '; the order is held for a person' : ''}.`,
    payload: Type.Object({ ...Settled, reason: Nullable(Type.String()) }, strict),
  }])),
  'order.payment_transfer_out': {
    aggregate: 'order',
    description: 'Money moved from this order to another with the units it paid for (split, merge, exchange).',
    payload: Type.Object({ ...Transfer, toOrderId: Id }, strict),
  },
  'order.payment_transfer_in': {
    aggregate: 'order',
    description: 'Money came to this order from another with the units it paid for (split, merge, exchange).',
    payload: Type.Object({ ...Transfer, fromOrderId: Id }, strict),
  },
};

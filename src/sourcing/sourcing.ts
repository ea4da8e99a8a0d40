/** Sourcing's API schemas: a decision with its explanation, and a simulation's request and answer. */
import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from '../http/schemas.js';
import { Ref } from '../inventory/index.js';
import { RuleSetInput } from './rules.js';

const Num = Nullable(Type.Number());

export const ExplanationView = Type.Object({
  rules: Type.Array(Type.String(), { description: 'The rule set, in order of precedence' }),
  splitLines: Type.Boolean(),
  ruleSet: Type.Union([Type.Literal('channel'), Type.Literal('default')]),
  deliveryMethod: Type.String(),
  destination: Type.Object({
    how: Type.String({ description: 'coordinates | city | province | country (what of the address was matched), none, or pickup' }),
    region: Nullable(Type.String()), area: Nullable(Type.String()), label: Type.String(),
  }),
  costModel: Nullable(Type.String()),
  fallbacks: Type.Array(Type.String(), { description: 'What the engine fell back on, in words' }),
  candidates: Type.Array(Type.Object({
    location: Type.String(), eligible: Type.Boolean(), rejected: Nullable(Type.String()),
    scores: Type.Record(Type.String(), Num, { description: 'Score per rule of the rule set: lines it covers whole, 0 same region or 1 not, km, estimated cost, weeks of supply (or free units without demand history), priority (docs/sourcing.md)' }),
    distanceKm: Num, region: Nullable(Type.String()),
    supply: Type.Optional(Type.Object({
      onHand: Type.Integer(), demandPerDay: Type.Number(), weeks: Type.Number(),
    }, { description: 'stock_balance by weeks of supply: the order\'s SKUs on hand here (less quarantined), their recent demand a day here, and the weeks that lasts' })),
  })),
  parcels: Type.Array(Type.Object({ location: Type.String(), lines: Type.Array(Type.Object({ index: Type.Integer(), quantity: Type.Integer() })) })),
  uncovered: Type.Array(Type.Integer()),
  summary: Type.String(),
});

export const SourcingDecisionView = Type.Object({
  id: Type.Integer({ description: 'The decision\'s number within the order: 1 at capture, then 2, 3, … in the order they were made' }),
  trigger: Type.String({ description: 'capture, line_added, backorder or resource' }),
  reason: Nullable(Type.String()),
  decidedAt: Timestamp,
  explanation: ExplanationView,
});

export const OrderSourcing = Type.Object({ orderId: Id, decisions: Type.Array(SourcingDecisionView) });

export const SimulationRequest = Type.Object({
  ruleSet: RuleSetInput,
  channel: Type.Optional(Ref),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Orders placed at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Orders placed before' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'The most recent orders in the range (default 10,000)' })),
  changedLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Orders whose decision would change listed in the answer (default 100)' })),
}, { additionalProperties: false });
export type SimulationRequest = Static<typeof SimulationRequest>;

export const SimulationMetrics = Type.Object({
  parcelsPerOrder: Type.Number({ description: 'Parcels (one per location an order ships from) per order' }),
  splitRate: Type.Number({ description: 'Share of orders shipped in more than one parcel' }),
  averageDistanceKm: Num,
  crossRegionShare: Num,
  estimatedCost: Num,
  uncoveredLines: Type.Integer({ description: 'Lines no location could cover' }),
});
export type SimulationMetrics = Static<typeof SimulationMetrics>;

export const SimulationResult = Type.Object({
  orders: Type.Integer(),
  proposed: SimulationMetrics,
  current: SimulationMetrics,
  changed: Type.Object({
    count: Type.Integer(),
    orders: Type.Array(Type.Object({ orderId: Id, number: Type.String(), current: Type.Array(Type.String()), proposed: Type.Array(Type.String()) })),
  }),
  basis: Type.String({ description: 'What the simulation measured against' }),
  ms: Type.Integer(),
});
export type SimulationResult = Static<typeof SimulationResult>;

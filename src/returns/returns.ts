/** Returns (RMA) as the API shows them, the requests that move them, and a channel's return policy. */
import { Type, type Static, type TLiteral } from 'typebox';
import { Code, CurrencyCode, Id, Nullable, Timestamp } from '../http/schemas.js';
import { returnStatuses, type ReturnStatus } from './return-status.js';

const ReasonCode = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'snake_case, e.g. damaged, wrong_size, not_as_described; what insight groups by' });
const Units = Type.Integer({ minimum: 1, maximum: 1_000_000_000 });
const Count = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

export const RequestReturn = Type.Object({
  order: Id,
  reasonCode: ReasonCode,
  note: Type.Optional(Type.String({ maxLength: 2000 })),
  lines: Type.Array(Type.Object({
    lineId: Type.String({ format: 'uuid', description: 'The order line' }),
    quantity: Units,
    reasonCode: Type.Optional(ReasonCode),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }),
}, { additionalProperties: false });
export type RequestReturn = Static<typeof RequestReturn>;

export const DecideReturn = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export type DecideReturn = Static<typeof DecideReturn>;

export const ReceiveReturn = Type.Object({
  location: Type.String({ minLength: 1, maxLength: 64, description: 'Location code or id where the goods arrived' }),
  lines: Type.Array(Type.Object({ lineId: Type.String({ format: 'uuid', description: 'The order line' }), quantity: Count }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }),
}, { additionalProperties: false, description: 'What arrived per line (at most what was asked for); lines not listed arrived with none' });
export type ReceiveReturn = Static<typeof ReceiveReturn>;

export const InspectReturn = Type.Object({
  lines: Type.Array(Type.Object({
    lineId: Type.String({ format: 'uuid', description: 'The order line' }),
    restock: Type.Optional(Count),
    quarantine: Type.Optional(Count),
    writeOff: Type.Optional(Count),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }),
}, { additionalProperties: false, description: 'Every received unit exactly once: back to sellable stock (ledger reason return_restock), to quarantine (damaged), or written off' });
export type InspectReturn = Static<typeof InspectReturn>;

export const RefundReturn = Type.Object({ currency: Type.Optional(CurrencyCode) }, { additionalProperties: false });

export const ReturnLine = Type.Object({
  id: Id, lineId: Id, lineNo: Type.Integer(), sku: Type.String(), quantity: Type.Integer(), reasonCode: Type.String(),
  received: Type.Integer(), restocked: Type.Integer(), quarantined: Type.Integer(), writtenOff: Type.Integer(),
});

export const Return = Type.Object({
  id: Id,
  number: Type.String(),
  orderId: Id,
  orderNumber: Type.String(),
  status: Type.Union(returnStatuses.map((s) => Type.Literal(s)) as [TLiteral<ReturnStatus>, ...TLiteral<ReturnStatus>[]]),
  reasonCode: Type.String(),
  note: Nullable(Type.String()),
  decidedNote: Nullable(Type.String()),
  location: Nullable(Type.String()),
  lines: Type.Array(ReturnLine),
  refundId: Nullable(Id),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer(),
});
export type Return = Static<typeof Return>;

export const ReturnPolicyInput = Type.Object({
  restockingFeeBps: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'Basis points of the paid value of the units that come back, e.g. 1000 = 10 %' })),
  refundShipping: Type.Optional(Type.Boolean({ description: 'Refund shipping (and its tax) with the last unit of the order' })),
  nonReturnableSkus: Type.Optional(Type.Array(Code, { maxItems: 10_000, uniqueItems: true })),
}, { additionalProperties: false });
export type ReturnPolicyInput = Static<typeof ReturnPolicyInput>;

export const ReturnPolicy = Type.Object({
  channelId: Id,
  windowDays: Type.Integer({ description: 'channels.return_window_days: days after delivery (or shipment, if not delivered) to ask for a return' }),
  restockingFeeBps: Type.Integer(),
  refundShipping: Type.Boolean(),
  nonReturnableSkus: Type.Array(Type.String()),
});
export type ReturnPolicy = Static<typeof ReturnPolicy>;

/** A sales channel: web shop, marketplace, store/POS, B2B, API; with its currency and inventory policy. */
import { Type, type Static } from 'typebox';
import { Code, CurrencyCode, Id, Name, Nullable, Timestamp } from '../http/schemas.js';

export const ChannelType = Type.Union([
  Type.Literal('web'), Type.Literal('marketplace'), Type.Literal('store'), Type.Literal('b2b'), Type.Literal('api'),
]);

const Policy = Type.Object(
  {
    allowBackorder: Type.Boolean({ description: 'Lines without stock may be captured as backordered' }),
    presaleDays: Type.Integer({ minimum: 0, maximum: 365, description: 'Incoming supply expected within this many days may be promised' }),
    returnWindowDays: Type.Integer({ minimum: 0, maximum: 3650 }),
    handlingDays: Type.Integer({ minimum: 0, maximum: 60, description: 'Days to hand an order to the carrier; the promised delivery date adds them to the transit days (default 1)' }),
    defaultTransitDays: Nullable(Type.Integer({ minimum: 0, maximum: 90, description: 'Transit days to promise when no rate table covers the way; null = no promised date then' })),
  },
  { additionalProperties: false },
);

const Language = Type.Union([Type.Literal('en'), Type.Literal('zh-CN')], {
  description: 'The language notifications to this channel\'s customers are written in, unless the customer has one (default `en`)',
});

const editable = {
  name: Name,
  type: ChannelType,
  currency: CurrencyCode,
  orderNumberPrefix: Type.Optional(Type.String({ pattern: '^[A-Z0-9-]{0,12}$' })),
  policy: Type.Optional(Type.Partial(Policy, { additionalProperties: false })),
  active: Type.Optional(Type.Boolean()),
  defaultLanguage: Type.Optional(Language),
};

export const ChannelInput = Type.Object({ code: Code, ...editable }, { additionalProperties: false });
export type ChannelInput = Static<typeof ChannelInput>;
export const ChannelPatch = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 });
export type ChannelPatch = Static<typeof ChannelPatch>;

export const Channel = Type.Object({
  id: Id,
  code: Type.String(),
  name: Type.String(),
  type: Type.String(),
  currency: Type.String(),
  orderNumberPrefix: Type.String(),
  policy: Policy,
  active: Type.Boolean(),
  defaultLanguage: Language,
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Channel = Static<typeof Channel>;

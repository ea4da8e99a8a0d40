/**
 * A connector: how one sales channel's orders come into Ordo and its stock and parcels go back out. One per channel,
 * of a kind — `shopify` (webhooks in, Admin API out), `mapping` (any JSON order through a JSONata mapping; Taobao/Tmall,
 * JD and Pinduoduo shipped) or `csv` (orders keyed in elsewhere, imported from CSV or Excel files) — with its settings,
 * its secrets (write-only; stored encrypted), its health and its log.
 */
import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from '../http/schemas.js';

export const connectorKinds = ['shopify', 'mapping', 'csv'] as const;
export type ConnectorKind = (typeof connectorKinds)[number];

const Url = Type.String({ maxLength: 500, pattern: '^https?://[^\\s/]+(/\\S*)?$', description: 'http(s) URL' });
const NumericId = Type.String({ pattern: '^[0-9]{1,20}$', description: 'A numeric id of the channel, as text (64-bit ids do not fit a JSON number)' });
const SecretValue = Nullable(Type.String({ minLength: 1, maxLength: 500, description: 'null removes the secret' }));

export const ShopifySettings = Type.Object({
  shopUrl: { ...Url, description: 'The shop\'s base URL, e.g. https://example.myshopify.com' },
  apiVersion: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'Admin API version (default 2024-10)' })),
  locationId: Type.Optional({ ...NumericId, description: 'The Shopify location stock levels are set at and parcels are fulfilled from' }),
  inventoryItems: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$' }), NumericId, {
    description: 'Ordo SKU code → Shopify inventory_item_id; a SKU not listed is not pushed',
  })),
  pushStock: Type.Optional(Type.Boolean({ description: 'Set Shopify\'s available numbers from the channel\'s (default true when locationId is set)' })),
  pushFulfillments: Type.Optional(Type.Boolean({ description: 'Tell Shopify when a parcel ships, with its tracking number (default true)' })),
}, { additionalProperties: false });

export const MappingSettings = Type.Object({
  mapping: Type.Union([Type.Literal('taobao'), Type.Literal('jd'), Type.Literal('pinduoduo'), Type.Literal('custom')], {
    description: 'A shipped mapping, or `custom` with `expression`',
  }),
  expression: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description: 'A JSONata expression from the payload to a mapped order (docs/connectors.md)' })),
  signatureHeader: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$', description: 'The header carrying the HMAC-SHA256 of the raw body under `signingSecret` (default X-Signature)' })),
  signatureEncoding: Type.Optional(Type.Union([Type.Literal('hex'), Type.Literal('base64')], { description: 'default hex' })),
  stockPushUrl: Type.Optional({ ...Url, description: 'Where availability changes are POSTed (`{ sku, available, version }`), signed like the webhooks' }),
  pull: Type.Optional(Type.Object({
    url: { ...Url, description: 'An order feed: GET url?cursor=…&limit=… answers `{ orders: [payload, …], next: cursor | null }`' },
    intervalSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400, description: 'How often to ask when the feed is drained (default 60)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Orders per page (default 50)' })),
    maxRequestsPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, description: 'The channel\'s rate limit: pages of a backlog are asked no faster (default 30)' })),
  }, { additionalProperties: false, description: 'Pull orders from a feed on a schedule (the `connectors.pull` job); `pullToken` is sent as a bearer token' })),
}, { additionalProperties: false });

export const CsvSettings = Type.Object({}, { additionalProperties: false });

const ShopifySecrets = Type.Object({
  appSecret: Type.Optional(SecretValue),
  accessToken: Type.Optional(SecretValue),
}, { additionalProperties: false, description: 'appSecret signs Shopify\'s webhooks; accessToken calls the Admin API' });
const MappingSecrets = Type.Object({
  signingSecret: Type.Optional(SecretValue),
  pullToken: Type.Optional(SecretValue),
}, { additionalProperties: false, description: 'signingSecret signs the channel\'s webhooks and Ordo\'s stock pushes to it; pullToken is sent to its order feed' });

export const ConnectorInput = Type.Union([
  Type.Object({ kind: Type.Literal('shopify'), settings: ShopifySettings, secrets: Type.Optional(ShopifySecrets), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('mapping'), settings: MappingSettings, secrets: Type.Optional(MappingSecrets), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('csv'), settings: Type.Optional(CsvSettings), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
]);
export type ConnectorInput = Static<typeof ConnectorInput>;
export type ShopifySettings = Static<typeof ShopifySettings>;
export type MappingSettings = Static<typeof MappingSettings>;

export const ConnectorHealth = Type.Object({
  lastSuccessAt: Nullable(Timestamp),
  lastErrorAt: Nullable(Timestamp),
  lastError: Nullable(Type.String()),
  lagMs: Nullable(Type.Integer({ description: 'How late the last successful exchange was: an order received after it was placed, a stock number pushed after it changed' })),
  heldOrders: Type.Integer({ description: 'Orders from the channel waiting for a fix (an unknown SKU)' }),
});

export const Connector = Type.Object({
  channel: Type.String(),
  kind: Type.String(),
  active: Type.Boolean(),
  settings: Type.Object({}, { additionalProperties: true }),
  secrets: Type.Array(Type.String(), { description: 'The names of the secrets set; their values are never shown' }),
  webhookUrl: Type.String({ description: 'Where the channel sends its webhooks: append the topic' }),
  health: ConnectorHealth,
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Connector = Static<typeof Connector>;

export const ConnectorLogEntry = Type.Object({
  id: Type.String(),
  at: Timestamp,
  direction: Type.String(),
  topic: Type.String(),
  outcome: Type.String({ description: 'ok, duplicate, held, ignored, rejected or failed' }),
  statusCode: Nullable(Type.Integer()),
  externalRef: Nullable(Type.String()),
  orderId: Nullable(Id),
  lagMs: Nullable(Type.Integer()),
  message: Nullable(Type.String()),
});
export type ConnectorLogEntry = Static<typeof ConnectorLogEntry>;

export const HeldOrder = Type.Object({
  id: Id,
  externalRef: Type.String(),
  topic: Type.String(),
  reasonCode: Type.String(),
  reason: Type.String(),
  status: Type.String({ description: 'held, captured or discarded' }),
  orderId: Nullable(Id),
  attempts: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type HeldOrder = Static<typeof HeldOrder>;

/** What became of one order a channel sent. */
export const InboundResult = Type.Object({
  result: Type.Union([Type.Literal('created'), Type.Literal('duplicate'), Type.Literal('cancelled'), Type.Literal('held'), Type.Literal('ignored')]),
  externalRef: Type.String(),
  orderId: Type.Optional(Id),
  number: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  heldId: Type.Optional(Id),
  reason: Type.Optional(Type.String()),
});
export type InboundResult = Static<typeof InboundResult>;

export const InboundPage = Type.Object({
  created: Type.Integer(),
  duplicates: Type.Integer(),
  cancelled: Type.Integer(),
  held: Type.Integer(),
  ignored: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(Type.Object({
    index: Type.Integer({ description: 'The payload\'s place in the page, from 0' }),
    result: Type.Union([...InboundResult.properties.result.anyOf, Type.Literal('rejected')]),
    externalRef: Type.Optional(Type.String()),
    orderId: Type.Optional(Id),
    number: Type.Optional(Type.String()),
    status: Type.Optional(Type.String()),
    heldId: Type.Optional(Id),
    reason: Type.Optional(Type.String()),
    error: Type.Optional(Type.Object({ code: Type.String(), detail: Type.String() }, { additionalProperties: true, description: 'Why it was rejected: the problem a single payload would get' })),
  })),
});
export type InboundPage = Static<typeof InboundPage>;

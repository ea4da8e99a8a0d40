import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import { Id, Nullable } from '../http/schemas.js';
import { AppError } from '../shared/errors.js';
import { uuidBytes } from '../db/refs.js';
import { availabilityJson } from './availability.repository.js';
import { IsoDate, Ref } from './inventory.js';
import { cachedDistinct, resolveRefs } from './refs.repository.js';
import type { InventoryDeps } from './routes.js';
import { unknownRefResponse } from '../http/openapi.js';

const tags = ['inventory'];
const MAX_SKUS = 1000;

const Availability = Type.Object({
  sku: Type.String(),
  skuId: Id,
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  quarantined: Type.Integer(),
  safetyStock: Type.Integer(),
  available: Type.Integer({ description: 'Available to promise now, over the locations asked (all active ones by default)' }),
  incoming: Type.Integer({ description: 'Unpromised supply expected by `date` (0 without a date)' }),
  availableOnDate: Nullable(Type.Integer({ description: 'available + incoming, when a date is given' })),
  channel: Nullable(Type.Object({
    id: Id,
    code: Type.String(),
    available: Type.Integer({ description: 'What this channel may sell: its quota left + the shared pool left (+ presale supply within its window), at most the stock free in the locations asked' }),
  })),
  byDeliveryMethod: Type.Object({
    ship: Type.Object({
      available: Type.Integer({ description: 'Free at the locations that ship (a pickup-only store\'s units are not in it); with a channel, at most its number' }),
      largestLine: Type.Integer({ description: 'The most one order line can get from stock now: sourcing serves a line from one location (unless the channel\'s rule set splits lines), so a line above this is backordered or refused' }),
    }),
    pickup: Type.Object({ largestLine: Type.Integer({ description: 'The most one pickup line can get at the best-stocked pickup store (a pickup line is served only at its store)' }) }),
  }, { description: 'What capture can do with the stock, per delivery method (docs/sourcing.md)' }),
});

const CompactAvailability = Type.Object({
  sku: Type.String(),
  available: Type.Integer({ description: 'The channel\'s number with a channel, else available now over the locations asked' }),
});

const views = ['full', 'compact'] as const;

const Query = {
  channel: Type.Optional(Ref),
  location: Type.Optional(Type.Array(Ref, { maxItems: 100, description: 'One or more locations (repeat the parameter); default: all active' })),
  date: Type.Optional(IsoDate),
  view: Type.Optional(Type.Enum(views, {
    default: 'full',
    description: '`full` (default): every figure with the numbers it is made of (on hand, reserved, quarantined, safety stock, incoming, the channel\'s number); `compact`: only `sku` and `available`, for channels that poll many SKUs (with a channel and no location: the channel\'s published number, the one its `inventory.availability_changed` events carry, read without computing; equal to `channel.available` of the full view)',
  })),
};

interface AvailabilityRequest {
  skus: string[];
  channel?: string;
  location?: string[];
  date?: string;
  view?: (typeof views)[number];
}

/** The answer as JSON text, built by PostgreSQL in one statement (see availabilityJson). */
async function availability(db: Db, req: AvailabilityRequest): Promise<string> {
  if (req.skus.length > MAX_SKUS) throw new AppError('validation_failed', `at most ${MAX_SKUS} SKUs per request`);
  // Distinct SKUs in the order asked (a SKU named by its code and by its id counts once): from the cache when it
  // knows them all, else resolved with the rest in one query.
  const cached = cachedDistinct('sku', req.skus);
  const refs = await resolveRefs(db, { sku: cached ? [] : req.skus, location: req.location ?? [], channel: req.channel ? [req.channel] : [] });
  const skus = cached ?? [...new Map(req.skus.map((s) => refs.resolved('sku', s)).map((k) => [k.id, k] as const)).values()];
  const channelId = req.channel ? refs.channel(req.channel) : undefined;
  // One pass over the SKUs: each is a cached object, and every pass over 1,000 of them costs its memory reads again.
  const compact = req.view === 'compact';
  const skuIds: string[] = [];
  const skuCodes: string[] = [];
  const skuCodesJson: string[] = [];
  const skuIdBytes: string[] = [];
  for (const k of skus) {
    skuIds.push(k.id);
    skuCodes.push(k.code);
    skuCodesJson.push((k.json ??= JSON.stringify(k.code)));
    if (compact) skuIdBytes.push((k.bytes ??= uuidBytes(k.id)));
  }
  return availabilityJson(db, {
    skuIds,
    skuCodes,
    skuCodesJson,
    skuIdBytes: compact ? skuIdBytes : undefined,
    channel: channelId ? { id: channelId, code: refs.code('channel', channelId) } : undefined,
    locationIds: req.location?.map((l) => refs.location(l)),
    date: req.date,
  }, { compact });
}

export function registerAvailabilityRoutes(app: App, { db }: InventoryDeps): void {
  const response = { 200: Type.Object({ data: Type.Array(Type.Union([Availability, CompactAvailability])) }), 404: unknownRefResponse() };

  app.get('/availability', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'Available to promise per SKU: now, by date with incoming supply, per channel and per location',
      querystring: Type.Object({
        sku: Type.Array(Ref, { minItems: 1, maxItems: 200, description: 'Repeat for several SKUs (up to 200 here; up to 1,000 with POST /v1/availability/query)' }),
        ...Query,
      }, { additionalProperties: false }),
      response,
    },
  }, async (request, reply) => {
    const body = await availability(db, { ...request.query, skus: request.query.sku });
    // Already JSON: a string with a JSON content type is sent as it is (no serializer).
    return reply.type('application/json').send(body);
  });

  app.post('/availability/query', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'Available to promise for up to 1,000 SKUs in one call (reads only)',
      body: Type.Object({ skus: Type.Array(Ref, { minItems: 1, maxItems: MAX_SKUS }), ...Query }, { additionalProperties: false }),
      response,
    },
  }, async (request, reply) => {
    const body = await availability(db, request.body);
    return reply.type('application/json').send(body);
  });
}

import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import { Id, Nullable } from '../http/schemas.js';
import { AppError } from '../shared/errors.js';
import { channelAvailability, skuAvailability } from './availability.repository.js';
import { IsoDate, Ref } from './inventory.js';
import { resolveRefs } from './refs.repository.js';
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
});

const Query = {
  channel: Type.Optional(Ref),
  location: Type.Optional(Type.Array(Ref, { maxItems: 100, description: 'One or more locations (repeat the parameter); default: all active' })),
  date: Type.Optional(IsoDate),
};

interface AvailabilityRequest {
  skus: string[];
  channel?: string;
  location?: string[];
  date?: string;
}

async function availability(db: Db, req: AvailabilityRequest) {
  if (req.skus.length > MAX_SKUS) throw new AppError('validation_failed', `at most ${MAX_SKUS} SKUs per request`);
  const refs = await resolveRefs(db, { sku: req.skus, location: req.location ?? [], channel: req.channel ? [req.channel] : [] });
  const skuIds = [...new Set(req.skus.map((s) => refs.sku(s)))];
  const locationIds = req.location?.map((l) => refs.location(l));
  const channelId = req.channel ? refs.channel(req.channel) : undefined;
  const [levels, channelRows] = await Promise.all([
    skuAvailability(db, skuIds, { locationIds, date: req.date }),
    channelId ? channelAvailability(db, skuIds, [channelId]) : Promise.resolve([]),
  ]);
  const channelCode = channelId ? refs.code('channel', channelId) : undefined;
  const channelOf = new Map(channelRows.map((c) => [c.skuId, c.available]));
  return {
    data: levels.map((l) => ({
      sku: refs.code('sku', l.skuId),
      skuId: l.skuId,
      onHand: l.onHand,
      reserved: l.reserved,
      quarantined: l.quarantined,
      safetyStock: l.safetyStock,
      available: l.available,
      incoming: l.incoming,
      availableOnDate: req.date ? l.available + l.incoming : null,
      channel: channelId && channelCode !== undefined
        ? { id: channelId, code: channelCode, available: Math.min(channelOf.get(l.skuId) ?? 0, locationIds ? l.available : Number.MAX_SAFE_INTEGER) }
        : null,
    })),
  };
}

export function registerAvailabilityRoutes(app: App, { db }: InventoryDeps): void {
  const response = { 200: Type.Object({ data: Type.Array(Availability) }), 404: unknownRefResponse() };

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
  }, (request) => availability(db, { ...request.query, skus: request.query.sku }));

  app.post('/availability/query', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'Available to promise for up to 1,000 SKUs in one call (reads only)',
      body: Type.Object({ skus: Type.Array(Ref, { minItems: 1, maxItems: MAX_SKUS }), ...Query }, { additionalProperties: false }),
      response,
    },
  }, (request) => availability(db, request.body));
}

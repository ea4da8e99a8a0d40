/**
 * GET /v1/availability/explain: one SKU (and one channel) with every term its availability is made of, so an
 * operator can see why a channel may sell what it may. The headline numbers are those of GET /v1/availability (the
 * same statement); the terms add up to them (test/availability-explain.test.ts holds them equal).
 */
import { Type, type Static } from 'typebox';
import type { App } from '../http/app.js';
import { unknownRefResponse } from '../http/openapi.js';
import { Id, Nullable } from '../http/schemas.js';
import { availabilityJson } from './availability.repository.js';
import { availabilityTerms, bundleComponents } from './explain-availability.repository.js';
import { Ref } from './inventory.js';
import { resolveRefs } from './refs.repository.js';
import type { InventoryDeps } from './routes.js';

const Holder = Type.Object({
  type: Type.Literal('order'),
  id: Id,
  number: Type.String(),
}, { description: 'What the reference is, when Ordo knows it (an order line names its order)' });

const Explanation = Type.Object({
  sku: Type.String(),
  skuId: Id,
  available: Type.Integer({ description: 'Free now over every active location: Σ max(0, onHand − reserved − quarantined − safetyStock)' }),
  terms: Type.Object({
    onHand: Type.Integer(), reserved: Type.Integer(), quarantined: Type.Integer(), safetyStock: Type.Integer(),
    sellable: Type.Integer({ description: 'What channels may sell before reservations: Σ max(0, onHand − quarantined − safetyStock) over active locations' }),
    pickupOnly: Type.Integer({ description: 'Of `sellable`, units at active locations that hand over but do not ship. Counted in every channel\'s number today: Ordo\'s channel ATP does not yet split by delivery method' }),
    inactiveLocations: Type.Integer({ description: 'Units on hand at inactive locations: not sold' }),
  }),
  locations: Type.Array(Type.Object({
    location: Type.String(), type: Type.String(), ship: Type.Boolean(), pickup: Type.Boolean(), active: Type.Boolean(),
    onHand: Type.Integer(), reserved: Type.Integer(), quarantined: Type.Integer(), safetyStock: Type.Integer(), free: Type.Integer(),
  }), { description: 'Each location with stock of the SKU, active ones first' }),
  reservations: Type.Object({
    total: Type.Integer({ description: 'Open reservations of the SKU (on hand; presale ones are under `supply`)' }),
    shown: Type.Array(Type.Object({
      location: Type.String(), channel: Nullable(Type.String()), quantity: Type.Integer(),
      referenceType: Type.String({ description: 'order_line for orders; what the caller gave for others (a cart, a quote)' }),
      referenceId: Type.String(), holder: Nullable(Holder),
      expiresAt: Nullable(Type.String()), createdAt: Type.String(),
    }), { description: 'The largest 100' }),
  }),
  supply: Type.Array(Type.Object({
    location: Type.String(), expectedOn: Type.String(), type: Type.String(), reference: Nullable(Type.String()),
    unpromised: Type.Integer(), presaleReserved: Type.Integer(),
  }), { description: 'Open incoming supply at active locations, by date' }),
  channel: Nullable(Type.Object({
    code: Type.String(), active: Type.Boolean(), presaleDays: Type.Integer(),
    quotaRule: Type.Union([Type.Null(), Type.Literal('sku'), Type.Literal('default')], { description: 'Which allocation rule gives the quota: the SKU\'s, the channel\'s default, or none (the channel sells from the pool only)' }),
    quotaUnits: Nullable(Type.Integer()), quotaPercent: Nullable(Type.Number()),
    quota: Type.Integer({ description: 'The channel\'s dedicated units (a percentage is of `sellable`)' }),
    usedInQuota: Type.Integer(), quotaLeft: Type.Integer(),
    reservedByChannel: Type.Integer({ description: 'Open reservations made for this channel (beyond its quota they use the pool)' }),
    otherQuotas: Type.Integer({ description: 'Units dedicated to other channels: not in the pool' }),
    pool: Type.Integer({ description: 'sellable − every channel\'s quota' }),
    poolUsed: Type.Integer({ description: 'Reserved units outside quotas (any channel, or none)' }),
    poolLeft: Type.Integer(),
    presale: Type.Integer({ description: 'Unpromised supply expected within the channel\'s presale window' }),
    available: Type.Integer({ description: 'min(free, quotaLeft + poolLeft) + presale; 0 for an inactive channel. Equals channel.available of GET /v1/availability' }),
  })),
  components: Nullable(Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer(), available: Type.Integer(), channelAvailable: Nullable(Type.Integer()) }), {
    description: 'For a bundle: its components (a bundle is available as the minimum over them of component ÷ quantity); the terms above are then empty',
  })),
});
type Explanation = Static<typeof Explanation>;

interface FullAvailability { sku: string; skuId: string; available: number; channel: { available: number } | null }

export function registerExplainAvailabilityRoutes(app: App, { db, holders }: InventoryDeps): void {
  app.get('/availability/explain', {
    config: { permission: 'inventory:read' },
    schema: {
      tags: ['inventory'],
      summary: 'Why a channel may sell what it may: every term of one SKU\'s availability (stock per location, who holds the reservations, quota, pool, supply)',
      querystring: Type.Object({ sku: Ref, channel: Type.Optional(Ref) }, { additionalProperties: false }),
      response: { 200: Explanation, 404: unknownRefResponse('SKU or channel') },
    },
  }, async (request): Promise<Explanation> => {
    const { sku, channel } = request.query;
    const refs = await resolveRefs(db, { sku: [sku], channel: channel === undefined ? [] : [channel] });
    const skuId = refs.sku(sku);
    const channelId = channel === undefined ? null : refs.channel(channel);
    const components = await bundleComponents(db, skuId);
    const skuIds = [skuId, ...components.map((c) => c.skuId)];
    const codes = [refs.code('sku', skuId), ...components.map((c) => c.code)];
    const [headline, terms] = await Promise.all([
      availabilityJson(db, { skuIds, skuCodes: codes, channel: channelId ? { id: channelId, code: refs.code('channel', channelId) } : undefined }),
      availabilityTerms(db, skuId, channelId),
    ]);
    const numbers = (JSON.parse(headline) as { data: FullAvailability[] }).data;
    const own = numbers[0]!;
    const active = terms.locations.filter((l) => l.active);
    const sum = (key: 'onHand' | 'reserved' | 'quarantined' | 'safetyStock') => active.reduce((s, l) => s + l[key], 0);
    const refsHeld = terms.reservations.filter((r) => r.referenceType === 'order_line');
    const named = holders && refsHeld.length > 0 ? await holders(refsHeld.map((r) => r.referenceId)) : new Map<string, { id: string; number: string }>();
    return {
      sku: own.sku,
      skuId,
      available: own.available,
      terms: {
        onHand: sum('onHand'), reserved: sum('reserved'), quarantined: sum('quarantined'), safetyStock: sum('safetyStock'),
        sellable: terms.base,
        pickupOnly: active.filter((l) => !l.ship && l.pickup).reduce((s, l) => s + Math.max(0, l.onHand - l.quarantined - l.safetyStock), 0),
        inactiveLocations: terms.locations.filter((l) => !l.active).reduce((s, l) => s + l.onHand, 0),
      },
      locations: terms.locations,
      reservations: {
        total: terms.reservationCount,
        shown: terms.reservations.map((r) => {
          const holder = r.referenceType === 'order_line' ? named.get(r.referenceId) : undefined;
          return { ...r, holder: holder ? { type: 'order' as const, ...holder } : null };
        }),
      },
      supply: terms.supply,
      channel: terms.channel ? { ...terms.channel, available: own.channel?.available ?? 0 } : null,
      components: components.length === 0 ? null : components.map((c, i) => ({
        sku: numbers[i + 1]!.sku, quantity: c.quantity, available: numbers[i + 1]!.available, channelAvailable: numbers[i + 1]!.channel?.available ?? null,
      })),
    };
  });
}

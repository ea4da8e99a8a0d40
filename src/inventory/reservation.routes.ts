import { Type } from 'typebox';
import type { App } from '../http/app.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Id, IdParams, ListQuery, Nullable, Page, Timestamp } from '../http/schemas.js';
import { invalidField, notFound } from '../shared/errors.js';
import { findChannel } from '../channel/index.js';
import { IsoDate, Quantity, Ref } from './inventory.js';
import { resolveRefs } from './refs.repository.js';
import { findReservations, listReservations, type ReservationRow } from './reservation.repository.js';
import { closeReservations, reserveStock } from './reserve-stock.js';
import { onHandReservations } from './reserve-on-hand.js';
import { claimKey } from '../db/command.js';
import { inTransaction } from '../db/database.js';
import type { InventoryDeps } from './routes.js';
import { actorOf } from './stock.routes.js';
import { unknownRefResponse } from '../http/openapi.js';

const tags = ['inventory'];

export const Reservation = Type.Object({
  id: Id,
  sku: Type.String(),
  skuId: Id,
  location: Type.String(),
  locationId: Id,
  channelId: Nullable(Id),
  quantity: Type.Integer({ description: 'Units still held' }),
  committed: Type.Integer(),
  released: Type.Integer(),
  status: Type.Union([Type.Literal('open'), Type.Literal('committed'), Type.Literal('released'), Type.Literal('expired')]),
  source: Type.Union([Type.Literal('on_hand'), Type.Literal('incoming')], { description: 'incoming: promised from supply not yet received (presale)' }),
  expectedOn: Nullable(IsoDate),
  referenceType: Type.String(),
  referenceId: Type.String(),
  expiresAt: Nullable(Timestamp),
  createdAt: Timestamp,
  closedAt: Nullable(Timestamp),
});

export const toReservation = (r: ReservationRow) => ({
  id: r.id, sku: r.skuCode, skuId: r.skuId, location: r.locationCode, locationId: r.locationId, channelId: r.channelId,
  quantity: r.quantity, committed: r.committed, released: r.released, status: r.status as 'open',
  source: r.supplyLineId ? ('incoming' as const) : ('on_hand' as const), expectedOn: r.expectedOn,
  referenceType: r.referenceType, referenceId: r.referenceId, expiresAt: r.expiresAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(), closedAt: r.closedAt?.toISOString() ?? null,
});

const Reference = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64, description: 'e.g. order_line' }),
  id: Type.String({ minLength: 1, maxLength: 128 }),
}, { additionalProperties: false });

export function registerReservationRoutes(app: App, { db, batchDb, run }: InventoryDeps): void {
  const reserveOnHand = onHandReservations(batchDb);
  app.post('/reservations', {
    config: { permission: 'inventory:reserve' },
    schema: {
      tags,
      summary: 'Reserve stock for a reference, all lines or none',
      description: 'Each line reserves a quantity of a SKU at a location. If any line cannot be met, nothing is reserved and the 409 `insufficient_stock` lists each short line. With a channel, its allocation (quota + shared pool) applies, and a channel with a presale window may promise incoming supply.',
      body: Type.Object({
        channel: Type.Optional(Ref),
        reference: Type.Optional(Reference),
        expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'Released automatically after this time' })),
        ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000, description: 'Alternative to expiresAt' })),
        lines: Type.Array(Type.Object({
          sku: Ref,
          location: Ref,
          quantity: Quantity,
          reference: Type.Optional(Reference),
        }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }),
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ reservations: Type.Array(Reservation) }), 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, async (db, ctx) => {
    const b = request.body;
    if (b.expiresAt && b.ttlSeconds) throw invalidField('/body/ttlSeconds', 'give expiresAt or ttlSeconds, not both');
    const refs = await resolveRefs(db, { sku: b.lines.map((l) => l.sku), location: b.lines.map((l) => l.location), channel: b.channel ? [b.channel] : [] });
    const channel = b.channel ? await findChannel(db, refs.channel(b.channel)) : undefined;
    const now = new Date();
    const expiresAt = b.expiresAt ? new Date(b.expiresAt) : b.ttlSeconds ? new Date(now.getTime() + b.ttlSeconds * 1000) : null;
    if (expiresAt && expiresAt <= now) throw invalidField('/body/expiresAt', 'is in the past');
    const lines = b.lines.map((l, i) => {
      const reference = l.reference ?? b.reference;
      if (!reference) throw invalidField(`/body/lines/${i}/reference`, `line ${i} has no reference; give one per line or one for the request`);
      return { skuId: refs.sku(l.sku), locationId: refs.location(l.location), quantity: l.quantity, referenceType: reference.type, referenceId: reference.id };
    });
    // Without a channel there are no quotas and no presale: the one-statement path.
    if (!channel) return reserveOnHand(lines, { expiresAt, refs, actor: actorOf(ctx), ctx });
    const trx = inTransaction(db);
    if (ctx.idempotency) await claimKey(trx, ctx.idempotency);
    const reserved = await reserveStock(trx, {
      lines, channel: { id: channel.id, presaleDays: channel.presale_days }, expiresAt,
      actor: actorOf(ctx), today: now.toISOString().slice(0, 10),
    });
    const rows = await findReservations(trx, reserved.map((r) => r.reservationId));
    return { created: true, value: { reservations: rows.map(toReservation) }, audit: { action: 'stock.reserved', entityType: 'reservation', entityId: rows[0]?.id ?? null, details: { lines: rows.length } } };
  }, { ownsIdempotency: true, autocommit: !request.body.channel }));

  app.get('/reservations', {
    config: { permission: 'inventory:read' },
    schema: {
      tags,
      summary: 'List reservations',
      querystring: Type.Object({
        ...ListQuery,
        sku: Type.Optional(Ref), location: Type.Optional(Ref), channel: Type.Optional(Ref),
        status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('committed'), Type.Literal('released'), Type.Literal('expired')])),
        referenceType: Type.Optional(Type.String({ maxLength: 64 })), referenceId: Type.Optional(Type.String({ maxLength: 128 })),
      }, { additionalProperties: false }),
      response: { 200: Page(Reservation), 404: unknownRefResponse() },
    },
  }, async (request) => {
    const { limit = 50, cursor, sku, location, channel, ...rest } = request.query;
    const refs = await resolveRefs(db, { sku: sku ? [sku] : [], location: location ? [location] : [], channel: channel ? [channel] : [] });
    const after = decodeCursor(cursor, ['uuid']);
    const rows = await listReservations(db, {
      ...rest, skuId: sku ? refs.sku(sku) : undefined, locationId: location ? refs.location(location) : undefined,
      channelId: channel ? refs.channel(channel) : undefined, afterId: after?.[0], limit: limit + 1,
    });
    return page(request, rows.map(toReservation), limit, (last) => [last.id]);
  });

  app.get('/reservations/:id', {
    config: { permission: 'inventory:read' },
    schema: { tags, summary: 'Get a reservation', params: IdParams, response: { 200: Reservation } },
  }, async (request) => {
    const [row] = await findReservations(db, [request.params.id]);
    if (!row) throw notFound('reservation', request.params.id);
    return toReservation(row);
  });

  for (const verb of ['release', 'commit'] as const) {
    app.post(`/reservations/:id/${verb}`, {
      config: { permission: 'inventory:reserve' },
      schema: {
        tags,
        summary: verb === 'release' ? 'Release a reservation (the units become available again)' : 'Commit a reservation at shipment (on hand and reserved both go down)',
        params: IdParams,
        body: Type.Object({ quantity: Type.Optional(Quantity) }, { additionalProperties: false }),
        response: { 200: Reservation },
      },
    }, (request, reply) => run(request, reply, async (trx, ctx) => {
      await closeReservations(trx, { ids: [request.params.id] }, verb, { quantity: request.body.quantity, actor: actorOf(ctx) });
      const [row] = await findReservations(trx, [request.params.id]);
      if (!row) throw notFound('reservation', request.params.id);
      return { created: false, value: toReservation(row), audit: { action: `reservation.${verb === 'release' ? 'released' : 'committed'}`, entityType: 'reservation', entityId: row.id } };
    }));
  }
}

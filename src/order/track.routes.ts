/**
 * GET /track/{token}: the customer's tracking page data, public (the unguessable token in the order's link is the
 * only key). It answers what a customer needs to follow a parcel and nothing personal: no name, address, email,
 * phone or prices, since anyone the link is forwarded to can read it.
 */
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import { Nullable, Timestamp } from '../http/schemas.js';
import { AppError } from '../shared/errors.js';
import { findTracking } from './track.repository.js';

const Tracking = Type.Object({
  number: Type.String({ description: 'The order number' }),
  status: Type.String(),
  placedAt: Timestamp,
  lines: Type.Array(Type.Object({
    sku: Type.String(),
    name: Type.String(),
    quantity: Type.Integer(),
    shipped: Type.Integer(),
    cancelled: Type.Integer(),
  })),
  shipments: Type.Array(Type.Object({
    carrier: Nullable(Type.String({ description: 'Carrier code' })),
    trackingNumber: Nullable(Type.String()),
    trackingUrl: Nullable(Type.String({ description: 'The carrier\'s tracking page, when the carrier has a URL template' })),
    status: Type.String({ description: 'shipped, in_transit, out_for_delivery, delivered, exception or returned_to_sender (as the carrier last reported)' }),
    parcels: Type.Integer({ description: 'Boxes in this shipment' }),
    shippedAt: Timestamp,
    deliveredAt: Nullable(Timestamp),
  })),
}, { additionalProperties: false });
export function registerTrackRoutes(app: App, db: Db): void {
  app.get('/track/:token', {
    config: { public: true },
    schema: {
      tags: ['tracking'],
      summary: 'Follow an order: its status, items and parcels (public; the token is in the order\'s tracking link)',
      params: Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      response: { 200: Tracking },
    },
  }, async (request, reply) => {
    const tracking = await findTracking(db, request.params.token);
    if (!tracking) throw new AppError('not_found', 'no order has this tracking link; check the link in your order confirmation');
    // The token is the key to this page: keep it out of shared caches and out of the Referer of links followed from it.
    reply.header('cache-control', 'private, no-cache').header('referrer-policy', 'no-referrer');
    return tracking;
  });
}

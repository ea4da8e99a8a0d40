/**
 * GET /track/{token}: the customer's tracking page data, public (the unguessable token in the order's link is the
 * only key). It answers what a customer needs to follow a parcel and nothing personal: no name, address, email,
 * phone or prices, since anyone the link is forwarded to can read it.
 */
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import { Nullable, Timestamp } from '../http/schemas.js';
import { AppError } from '../shared/errors.js';

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
    shippedAt: Timestamp,
    deliveredAt: Nullable(Timestamp),
  })),
}, { additionalProperties: false });
type Tracking = Static<typeof Tracking>;

interface TrackingRow {
  number: string;
  status: string;
  placed_at: Date;
  lines: { sku: string; name: string; quantity: number; shipped: number; cancelled: number }[];
  shipments: { carrier: string | null; trackingNumber: string | null; template: string | null; shippedAt: string; deliveredAt: string | null }[];
}

/** One statement: the order with its lines and shipments, each shipment with its carrier's URL template. */
export async function findTracking(db: Db, token: string): Promise<Tracking | null> {
  const result = await sql<TrackingRow>`
    SELECT o.number, o.status, o.placed_at,
      (SELECT coalesce(json_agg(json_build_object('sku', k.code, 'name', k.name, 'quantity', l.quantity, 'shipped', l.shipped,
                                                  'cancelled', l.cancelled) ORDER BY l.line_no), '[]')
         FROM order_lines l JOIN skus k ON k.id = l.sku_id WHERE l.order_id = o.id) AS lines,
      (SELECT coalesce(json_agg(json_build_object('carrier', s.carrier_code, 'trackingNumber', s.tracking_number,
                                                  'template', c.tracking_url_template, 'shippedAt', s.shipped_at,
                                                  'deliveredAt', s.delivered_at) ORDER BY s.shipped_at, s.id), '[]')
         FROM shipments s LEFT JOIN carriers c ON c.code = s.carrier_code WHERE s.order_id = o.id) AS shipments
    FROM orders o WHERE o.tracking_token = ${token}
  `.execute(db);
  const row = result.rows[0];
  if (!row) return null;
  return {
    number: row.number,
    status: row.status,
    placedAt: row.placed_at.toISOString(),
    lines: row.lines,
    shipments: row.shipments.map((s) => ({
      carrier: s.carrier,
      trackingNumber: s.trackingNumber,
      trackingUrl: s.template && s.trackingNumber ? s.template.replaceAll('{trackingNumber}', encodeURIComponent(s.trackingNumber)) : null,
      shippedAt: new Date(s.shippedAt).toISOString(),
      deliveredAt: s.deliveredAt ? new Date(s.deliveredAt).toISOString() : null,
    })),
  };
}

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

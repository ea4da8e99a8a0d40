/**
 * The SQL of the public tracking page (GET /track/{token}): what a customer needs to follow a parcel and nothing
 * personal (no name, address, email, phone or prices).
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** The tracking page's answer. */
export interface TrackingView {
  number: string;
  status: string;
  placedAt: string;
  lines: { sku: string; name: string; quantity: number; shipped: number; cancelled: number }[];
  shipments: { carrier: string | null; trackingNumber: string | null; trackingUrl: string | null; status: string; parcels: number; shippedAt: string; deliveredAt: string | null }[];
}

interface TrackingRow {
  number: string;
  status: string;
  placed_at: Date;
  lines: { sku: string; name: string; quantity: number; shipped: number; cancelled: number }[];
  shipments: { carrier: string | null; trackingNumber: string | null; template: string | null; status: string; parcels: number; shippedAt: string; deliveredAt: string | null }[];
}

/** One statement: the order with its lines and shipments, each shipment with its carrier's URL template. */
export async function findTracking(db: Db, token: string): Promise<TrackingView | null> {
  const result = await sql<TrackingRow>`
    SELECT o.number, o.status, o.placed_at,
      (SELECT coalesce(json_agg(json_build_object('sku', k.code, 'name', k.name, 'quantity', l.quantity, 'shipped', l.shipped,
                                                  'cancelled', l.cancelled) ORDER BY l.line_no), '[]')
         FROM order_lines l JOIN skus k ON k.id = l.sku_id WHERE l.order_id = o.id) AS lines,
      (SELECT coalesce(json_agg(json_build_object('carrier', s.carrier_code, 'trackingNumber', s.tracking_number,
                                                  'template', c.tracking_url_template, 'status', s.status, 'parcels', s.parcels, 'shippedAt', s.shipped_at,
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
      status: s.status,
      parcels: s.parcels,
      shippedAt: new Date(s.shippedAt).toISOString(),
      deliveredAt: s.deliveredAt ? new Date(s.deliveredAt).toISOString() : null,
    })),
  };
}

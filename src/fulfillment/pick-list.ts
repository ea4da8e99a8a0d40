/**
 * Pick lists: what a location's pickers fetch for many orders in one walk — open units of its fulfilment orders
 * (oldest first), grouped by SKU, with the quantity each order wants.
 */
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import type { DbOrTrx } from '../db/database.js';
import { codeOrId } from '../db/refs.js';
import { Id } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { FulfillmentStatusSchema } from './fulfillment-order.js';
import type { FulfillmentStatus } from './fulfillment-status.js';

export const PickListQuery = Type.Object({
  status: Type.Optional(Type.Array(FulfillmentStatusSchema, { maxItems: 5, description: 'Fulfilment order statuses to include; default requested, accepted and picking' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'At most this many fulfilment orders, oldest first' })),
}, { additionalProperties: false });

export const PickList = Type.Object({
  location: Type.String(),
  generatedAt: Type.String({ format: 'date-time' }),
  fulfillmentOrders: Type.Integer({ description: 'How many fulfilment orders the list covers' }),
  units: Type.Integer(),
  skus: Type.Array(Type.Object({
    sku: Type.String(),
    name: Type.String(),
    quantity: Type.Integer({ description: 'Total units to pick' }),
    orders: Type.Array(Type.Object({
      fulfillmentOrderId: Id, number: Type.String(), orderNumber: Type.String(), lineId: Id, quantity: Type.Integer(),
    })),
  })),
});
export type PickList = Static<typeof PickList>;

interface Row { sku: string; name: string; fulfillmentOrderId: string; number: string; orderNumber: string; lineId: string; quantity: number }

export async function pickList(db: DbOrTrx, locationRef: string, q: { status?: FulfillmentStatus[]; limit?: number }): Promise<PickList> {
  const location = await db.selectFrom('locations').select(['id', 'code']).where(codeOrId(locationRef)).executeTakeFirst();
  if (!location) throw notFound('location', locationRef);
  const statuses = q.status && q.status.length > 0 ? q.status : ['requested', 'accepted', 'picking'];
  const rows = await sql<Row>`
    WITH chosen AS (
      SELECT id, created_at FROM fulfillment_orders
      WHERE location_id = ${location.id} AND status = ANY(${statuses}::text[])
      ORDER BY created_at, id LIMIT ${q.limit ?? 100}
    )
    SELECT k.code AS sku, k.name, f.id AS "fulfillmentOrderId", f.number, o.number AS "orderNumber", x.line_id AS "lineId",
      x.quantity - x.shipped AS quantity
    FROM chosen c JOIN fulfillment_orders f ON f.id = c.id
    JOIN fulfillment_order_lines x ON x.fulfillment_order_id = f.id AND x.quantity > x.shipped
    JOIN order_lines ol ON ol.id = x.line_id JOIN skus k ON k.id = ol.sku_id JOIN orders o ON o.id = f.order_id
    ORDER BY k.code, c.created_at, f.id
  `.execute(db);
  const skus: PickList['skus'] = [];
  for (const r of rows.rows) {
    let entry = skus[skus.length - 1];
    if (!entry || entry.sku !== r.sku) {
      entry = { sku: r.sku, name: r.name, quantity: 0, orders: [] };
      skus.push(entry);
    }
    entry.quantity += r.quantity;
    entry.orders.push({ fulfillmentOrderId: r.fulfillmentOrderId, number: r.number, orderNumber: r.orderNumber, lineId: r.lineId, quantity: r.quantity });
  }
  return {
    location: location.code, generatedAt: new Date().toISOString(),
    fulfillmentOrders: new Set(rows.rows.map((r) => r.fulfillmentOrderId)).size,
    units: skus.reduce((a, s) => a + s.quantity, 0), skus,
  };
}

/** What the packing slip of one fulfilment order shows. */
export async function packingSlipFacts(db: DbOrTrx, id: string) {
  const r = await sql<{
    number: string; kind: 'ship' | 'pickup'; orderNumber: string; placedAt: Date; shipTo: unknown; buyerRemark: string | null; customerName: string;
    locName: string; locLines: (string | null)[];
  }>`
    SELECT f.number, f.kind, o.number AS "orderNumber", o.placed_at AS "placedAt", o.shipping_address AS "shipTo",
      o.buyer_remark AS "buyerRemark", c.name AS "customerName", l.name AS "locName",
      ARRAY[l.address_line1, l.address_line2, concat_ws(' ', l.postal_code, l.city, l.state), l.country] AS "locLines"
    FROM fulfillment_orders f JOIN orders o ON o.id = f.order_id JOIN customers c ON c.id = o.customer_id
    JOIN locations l ON l.id = f.location_id WHERE f.id = ${id}
  `.execute(db);
  return r.rows[0];
}

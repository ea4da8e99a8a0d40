/** SQL of shipments (parcels and pickup hand-overs) and their tracking events. */
import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';
import { notFound } from '../shared/errors.js';
import type { Shipment, ShipmentWithEvents, TrackingEvent } from './fulfillment-order.js';
import type { ShipmentStatus, TrackingEventType } from './fulfillment-status.js';

export interface NewShipment {
  id: string; orderId: string; fulfillmentOrderId: string | null; kind: 'parcel' | 'pickup'; carrier: string | null;
  service: string | null; trackingNumber: string | null; parcels: number; weightGrams: number | null;
  lines: readonly { lineId: string; quantity: number }[]; location: string | null;
  /** A pickup is delivered the moment it is handed over. */
  deliveredAt: Date | null;
}

/** Records a shipment and its `shipment.created` event in one statement. */
export async function insertShipment(trx: Trx, s: NewShipment): Promise<void> {
  const payload = {
    shipmentId: s.id, orderId: s.orderId, fulfillmentOrderId: s.fulfillmentOrderId, carrier: s.carrier, service: s.service,
    trackingNumber: s.trackingNumber, kind: s.kind, location: s.location, parcels: s.parcels, weightGrams: s.weightGrams, lines: s.lines,
  };
  await sql`
    WITH s AS (
      INSERT INTO shipments (id, order_id, fulfillment_order_id, kind, carrier_code, service_code, tracking_number, parcels,
        weight_grams, lines, status, delivered_at, status_at)
      VALUES (${s.id}, ${s.orderId}, ${s.fulfillmentOrderId}, ${s.kind}, ${s.carrier}, ${s.service}, ${s.trackingNumber}, ${s.parcels},
        ${s.weightGrams}, ${JSON.stringify(s.lines)}::jsonb, ${s.deliveredAt ? 'delivered' : 'shipped'}, ${s.deliveredAt}, ${s.deliveredAt})
      RETURNING id, version
    )
    INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
    SELECT 'shipment.created', 'shipment', s.id::text, s.version, ${JSON.stringify(payload)}::jsonb FROM s
  `.execute(trx);
}

interface ShipmentRow {
  id: string; order_id: string; fulfillment_order_id: string | null; kind: 'parcel' | 'pickup'; carrier_code: string | null;
  service_code: string | null; tracking_number: string | null; parcels: number; weight_grams: number | null; status: ShipmentStatus;
  lines: { lineId: string; quantity: number }[]; shipped_at: Date; delivered_at: Date | null; status_at: Date | null; version: number;
}

export const toShipment = (r: ShipmentRow): Shipment => ({
  id: r.id, orderId: r.order_id, fulfillmentOrderId: r.fulfillment_order_id, kind: r.kind, carrier: r.carrier_code,
  service: r.service_code, trackingNumber: r.tracking_number, parcels: r.parcels, weightGrams: r.weight_grams, status: r.status,
  lines: r.lines, shippedAt: r.shipped_at.toISOString(), deliveredAt: r.delivered_at?.toISOString() ?? null, version: r.version,
});

/** Locks a shipment; a 404 (`not_found`, entity shipment) when there is none. */
export async function lockShipment(trx: Trx, id: string): Promise<ShipmentRow> {
  const r = await sql<ShipmentRow>`SELECT * FROM shipments WHERE id = ${id} FOR UPDATE`.execute(trx);
  const row = r.rows[0];
  if (!row) throw notFound('shipment', id);
  return row;
}

export async function findShipment(db: DbOrTrx, id: string): Promise<ShipmentRow | undefined> {
  return (await sql<ShipmentRow>`SELECT * FROM shipments WHERE id = ${id}`.execute(db)).rows[0];
}

export async function loadShipment(db: DbOrTrx, id: string): Promise<ShipmentWithEvents> {
  const row = await findShipment(db, id);
  if (!row) throw notFound('shipment', id);
  return { ...toShipment(row), events: await trackingEvents(db, id) };
}

export async function listShipments(db: DbOrTrx, q: { orderId?: string; fulfillmentOrderId?: string; trackingNumber?: string; afterId?: string; limit: number }): Promise<Shipment[]> {
  const rows = await sql<ShipmentRow>`
    SELECT * FROM shipments
    WHERE (${q.orderId ?? null}::uuid IS NULL OR order_id = ${q.orderId ?? null})
      AND (${q.fulfillmentOrderId ?? null}::uuid IS NULL OR fulfillment_order_id = ${q.fulfillmentOrderId ?? null})
      AND (${q.trackingNumber ?? null}::text IS NULL OR tracking_number = ${q.trackingNumber ?? null})
      AND (${q.afterId ?? null}::uuid IS NULL OR id > ${q.afterId ?? null}::uuid)
    ORDER BY id LIMIT ${q.limit}
  `.execute(db);
  return rows.rows.map(toShipment);
}

interface EventRow { external_id: string; type: TrackingEventType; occurred_at: Date; location: string | null; description: string | null; applied: boolean; received_at: Date }
const toEvent = (e: EventRow): TrackingEvent => ({
  eventId: e.external_id, type: e.type, occurredAt: e.occurred_at.toISOString(), location: e.location, description: e.description,
  applied: e.applied, receivedAt: e.received_at.toISOString(),
});

export async function trackingEvents(db: DbOrTrx, shipmentId: string): Promise<TrackingEvent[]> {
  const rows = await sql<EventRow>`SELECT * FROM shipment_events WHERE shipment_id = ${shipmentId} ORDER BY occurred_at, id`.execute(db);
  return rows.rows.map(toEvent);
}

export async function findTrackingEvent(db: DbOrTrx, shipmentId: string, externalId: string): Promise<TrackingEvent | undefined> {
  const r = await sql<EventRow>`SELECT * FROM shipment_events WHERE shipment_id = ${shipmentId} AND external_id = ${externalId}`.execute(db);
  return r.rows[0] ? toEvent(r.rows[0]) : undefined;
}

/** The latest applied event's time: an event older than it is history, not news. */
export async function latestAppliedAt(trx: Trx, shipmentId: string): Promise<Date | null> {
  const r = await sql<{ at: Date | null }>`SELECT max(occurred_at) AS at FROM shipment_events WHERE shipment_id = ${shipmentId} AND applied`.execute(trx);
  return r.rows[0]?.at ?? null;
}

export async function insertTrackingEvent(trx: Trx, e: {
  shipmentId: string; externalId: string; type: TrackingEventType; occurredAt: Date; location: string | null; description: string | null; applied: boolean;
}): Promise<void> {
  await trx.insertInto('shipment_events').values({
    shipment_id: e.shipmentId, external_id: e.externalId, type: e.type, occurred_at: e.occurredAt, location: e.location,
    description: e.description, applied: e.applied,
  }).execute();
}

/** Moves a shipment to the status an event reports, with its `shipment.<status>` event, in one statement. */
export async function moveShipment(trx: Trx, id: string, to: TrackingEventType, at: Date, payload: Record<string, unknown>): Promise<void> {
  await sql`
    WITH moved AS (
      UPDATE shipments SET status = ${to}, status_at = ${at}, version = version + 1,
        delivered_at = CASE WHEN ${to} = 'delivered' THEN ${at}::timestamptz ELSE NULL END
      WHERE id = ${id} RETURNING id, version
    )
    INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
    SELECT ${`shipment.${to}`}, 'shipment', id::text, version, ${JSON.stringify(payload)}::jsonb FROM moved
  `.execute(trx);
}

/** Whether every parcel of the order is delivered (a pickup counts as delivered when handed over). */
export async function everyShipmentDelivered(trx: Trx, orderId: string): Promise<boolean> {
  const r = await sql<{ waiting: number }>`SELECT count(*)::int AS waiting FROM shipments WHERE order_id = ${orderId} AND status <> 'delivered'`.execute(trx);
  return (r.rows[0]?.waiting ?? 0) === 0;
}

/** When the order's last parcel was delivered (null: none was, or it has none). */
export async function lastDeliveredAt(trx: Trx, orderId: string): Promise<Date | null> {
  const r = await sql<{ at: Date | null }>`SELECT max(delivered_at) AS at FROM shipments WHERE order_id = ${orderId}`.execute(trx);
  return r.rows[0]?.at ?? null;
}

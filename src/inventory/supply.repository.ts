import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';

export interface SupplyLineRow {
  id: string;
  supplyOrderId: string;
  skuId: string;
  skuCode: string;
  locationId: string;
  quantity: number;
  received: number;
  reserved: number;
  expectedOn: string;
  open: boolean;
}

export interface SupplyOrderRow {
  id: string;
  type: string;
  reference: string | null;
  locationId: string;
  locationCode: string;
  sourceLocationId: string | null;
  sourceLocationCode: string | null;
  status: string;
  expectedOn: string;
  createdAt: Date;
  updatedAt: Date;
}

export async function insertSupplyOrder(
  trx: Trx,
  order: { id: string; type: string; reference: string | null; locationId: string; sourceLocationId: string | null; status: string; expectedOn: string },
  lines: readonly { id: string; skuId: string; quantity: number; expectedOn: string }[],
): Promise<void> {
  await trx.insertInto('supply_orders').values({
    id: order.id, type: order.type, reference: order.reference, location_id: order.locationId,
    source_location_id: order.sourceLocationId, status: order.status, expected_on: order.expectedOn,
  }).execute();
  await trx.insertInto('supply_lines').values(lines.map((l) => ({
    id: l.id, supply_order_id: order.id, sku_id: l.skuId, location_id: order.locationId, quantity: l.quantity, expected_on: l.expectedOn,
  }))).execute();
}

const orderSelect = sql`
  SELECT o.id, o.type, o.reference, o.location_id AS "locationId", l.code AS "locationCode",
         o.source_location_id AS "sourceLocationId", s.code AS "sourceLocationCode", o.status,
         o.expected_on AS "expectedOn", o.created_at AS "createdAt", o.updated_at AS "updatedAt"
  FROM supply_orders o JOIN locations l ON l.id = o.location_id LEFT JOIN locations s ON s.id = o.source_location_id`;

const lineSelect = sql`
  SELECT sl.id, sl.supply_order_id AS "supplyOrderId", sl.sku_id AS "skuId", k.code AS "skuCode",
         sl.location_id AS "locationId", sl.quantity, sl.received, sl.reserved, sl.expected_on AS "expectedOn", sl.open
  FROM supply_lines sl JOIN skus k ON k.id = sl.sku_id`;

export async function findSupplyOrder(db: DbOrTrx, id: string, opts: { lock?: boolean } = {}) {
  const order = (await sql<SupplyOrderRow>`${orderSelect} WHERE o.id = ${id} ${opts.lock ? sql`FOR UPDATE OF o` : sql``}`.execute(db)).rows[0];
  if (!order) return undefined;
  const lines = (await sql<SupplyLineRow>`${lineSelect} WHERE sl.supply_order_id = ${id} ORDER BY k.code ${opts.lock ? sql`FOR UPDATE OF sl` : sql``}`.execute(db)).rows;
  return { order, lines };
}

export async function listSupplyOrders(db: DbOrTrx, f: { status?: string; type?: string; locationId?: string; skuId?: string; afterId?: string; limit: number }) {
  const where = [sql`true`];
  if (f.status) where.push(sql`o.status = ${f.status}`);
  if (f.type) where.push(sql`o.type = ${f.type}`);
  if (f.locationId) where.push(sql`o.location_id = ${f.locationId}`);
  if (f.skuId) where.push(sql`EXISTS (SELECT 1 FROM supply_lines x WHERE x.supply_order_id = o.id AND x.sku_id = ${f.skuId})`);
  if (f.afterId) where.push(sql`o.id > ${f.afterId}`);
  const orders = (await sql<SupplyOrderRow>`${orderSelect} WHERE ${sql.join(where, sql` AND `)} ORDER BY o.id LIMIT ${f.limit}`.execute(db)).rows;
  const lines = orders.length === 0 ? [] : (await sql<SupplyLineRow>`${lineSelect} WHERE sl.supply_order_id = ANY(${orders.map((o) => o.id)}::uuid[]) ORDER BY k.code`.execute(db)).rows;
  return orders.map((order) => ({ order, lines: lines.filter((l) => l.supplyOrderId === order.id) }));
}

export async function updateSupplyLines(trx: Trx, changes: readonly { id: string; received: number; reserved: number }[]): Promise<void> {
  if (changes.length === 0) return;
  await sql`
    UPDATE supply_lines sl SET received = sl.received + c.received, reserved = sl.reserved - c.reserved,
      open = sl.received + c.received < sl.quantity
    FROM unnest(${changes.map((c) => c.id)}::uuid[], ${changes.map((c) => c.received)}::int[], ${changes.map((c) => c.reserved)}::int[])
      AS c(id, received, reserved)
    WHERE sl.id = c.id
  `.execute(trx);
}

export async function setSupplyStatus(trx: Trx, id: string, status: string): Promise<void> {
  await trx.updateTable('supply_orders').set({ status, updated_at: sql`now()` }).where('id', '=', id).execute();
}

export async function closeSupplyLines(trx: Trx, orderId: string): Promise<void> {
  await trx.updateTable('supply_lines').set({ open: false }).where('supply_order_id', '=', orderId).execute();
}

/** Open presale reservations of these supply lines, oldest first (the order in which arriving units are handed out). */
export async function incomingReservations(trx: Trx, supplyLineIds: readonly string[]) {
  if (supplyLineIds.length === 0) return [];
  const result = await sql<{ id: string; supplyLineId: string; skuId: string; locationId: string; quantity: number }>`
    SELECT id, supply_line_id AS "supplyLineId", sku_id AS "skuId", location_id AS "locationId", quantity
    FROM reservations WHERE supply_line_id = ANY(${supplyLineIds}::uuid[]) AND status = 'open'
    ORDER BY created_at, id FOR UPDATE
  `.execute(trx);
  return result.rows;
}

export async function moveReservationsOnHand(trx: Trx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.updateTable('reservations').set({ supply_line_id: null }).where('id', 'in', ids).execute();
}

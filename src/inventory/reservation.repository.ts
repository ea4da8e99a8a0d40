import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.js';

export interface ReservationRow {
  id: string;
  skuId: string;
  skuCode: string;
  locationId: string;
  locationCode: string;
  channelId: string | null;
  supplyLineId: string | null;
  expectedOn: string | null;
  quantity: number;
  committed: number;
  released: number;
  status: string;
  referenceType: string;
  referenceId: string;
  expiresAt: Date | null;
  createdAt: Date;
  closedAt: Date | null;
}

const select = sql`
  SELECT r.id, r.sku_id AS "skuId", k.code AS "skuCode", r.location_id AS "locationId", l.code AS "locationCode",
         r.channel_id AS "channelId", r.supply_line_id AS "supplyLineId", sl.expected_on AS "expectedOn",
         r.quantity, r.committed, r.released, r.status, r.reference_type AS "referenceType",
         r.reference_id AS "referenceId", r.expires_at AS "expiresAt", r.created_at AS "createdAt",
         r.closed_at AS "closedAt"
  FROM reservations r
  JOIN skus k ON k.id = r.sku_id
  JOIN locations l ON l.id = r.location_id
  LEFT JOIN supply_lines sl ON sl.id = r.supply_line_id`;

export async function findReservations(db: DbOrTrx, ids: readonly string[]): Promise<ReservationRow[]> {
  if (ids.length === 0) return [];
  return (await sql<ReservationRow>`${select} WHERE r.id = ANY(${ids}::uuid[]) ORDER BY r.created_at, r.id`.execute(db)).rows;
}

/** Locks open reservations, by id order (the lock order every path uses: reservations before stock rows). */
export async function lockOpenReservations(trx: Trx, where: { ids?: readonly string[]; referenceType?: string; referenceId?: string }) {
  const result = await sql<{ id: string; skuId: string; locationId: string; supplyLineId: string | null; quantity: number; status: string }>`
    SELECT id, sku_id AS "skuId", location_id AS "locationId", supply_line_id AS "supplyLineId", quantity, status
    FROM reservations
    WHERE (${where.ids ?? null}::uuid[] IS NULL OR id = ANY(${where.ids ?? null}::uuid[]))
      AND (${where.referenceType ?? null}::text IS NULL OR (reference_type = ${where.referenceType ?? null} AND reference_id = ${where.referenceId ?? null}))
    ORDER BY id
    FOR UPDATE
  `.execute(trx);
  return result.rows;
}

/** Open reservations past their expiry, locked; rows another worker holds are skipped. */
export async function lockExpiredReservations(trx: Trx, now: Date, limit: number) {
  const result = await sql<{ id: string }>`
    SELECT id FROM reservations
    WHERE status = 'open' AND expires_at IS NOT NULL AND expires_at <= ${now}
    ORDER BY id LIMIT ${limit}
    FOR UPDATE SKIP LOCKED
  `.execute(trx);
  return result.rows.map((r) => r.id);
}

/** Takes `quantity` out of each open reservation (released or committed); a reservation at 0 is closed. */
export async function closeReservationQuantities(
  trx: Trx,
  changes: readonly { id: string; quantity: number }[],
  as: 'released' | 'committed' | 'expired',
): Promise<void> {
  if (changes.length === 0) return;
  const column = as === 'committed' ? sql`committed` : sql`released`;
  await sql`
    UPDATE reservations r SET
      quantity = r.quantity - c.quantity,
      ${column} = r.${column} + c.quantity,
      status = CASE WHEN r.quantity - c.quantity > 0 THEN 'open' ELSE ${as} END,
      closed_at = CASE WHEN r.quantity - c.quantity > 0 THEN NULL ELSE now() END
    FROM unnest(${changes.map((c) => c.id)}::uuid[], ${changes.map((c) => c.quantity)}::int[]) AS c(id, quantity)
    WHERE r.id = c.id
  `.execute(trx);
}

/** Promises `quantity` of the earliest open supply line with room, expected by `latest`; undefined when none has room. */
export async function reserveIncoming(trx: Trx, skuId: string, locationId: string, quantity: number, latest: string) {
  const result = await sql<{ id: string; expectedOn: string }>`
    UPDATE supply_lines SET reserved = reserved + ${quantity}
    WHERE id = (
        SELECT id FROM supply_lines
        WHERE sku_id = ${skuId} AND location_id = ${locationId} AND open AND expected_on <= ${latest}::date
          AND quantity - received - reserved >= ${quantity}
        ORDER BY expected_on, id LIMIT 1)
      AND quantity - received - reserved >= ${quantity}
    RETURNING id, expected_on AS "expectedOn"
  `.execute(trx);
  return result.rows[0];
}

export async function releaseIncoming(trx: Trx, changes: readonly { supplyLineId: string; quantity: number }[]): Promise<void> {
  if (changes.length === 0) return;
  await sql`
    UPDATE supply_lines s SET reserved = s.reserved - c.quantity
    FROM (SELECT id, sum(quantity)::int AS quantity
          FROM unnest(${changes.map((c) => c.supplyLineId)}::uuid[], ${changes.map((c) => c.quantity)}::int[]) AS x(id, quantity)
          GROUP BY id) c
    WHERE s.id = c.id
  `.execute(trx);
}

export async function insertIncomingReservations(
  trx: Trx,
  rows: readonly { id: string; skuId: string; locationId: string; channelId: string | null; supplyLineId: string; quantity: number; referenceType: string; referenceId: string; expiresAt: Date | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('reservations')
    .values(rows.map((r) => ({
      id: r.id, sku_id: r.skuId, location_id: r.locationId, channel_id: r.channelId, supply_line_id: r.supplyLineId,
      quantity: r.quantity, status: 'open', reference_type: r.referenceType, reference_id: r.referenceId, expires_at: r.expiresAt,
    })))
    .execute();
}

/** Serialises channel reservations of SKUs that have allocation rules, so quotas and the shared pool hold under concurrency. */
export async function lockAllocatedSkus(trx: Trx, skuIds: readonly string[]): Promise<string[]> {
  const result = await sql<{ skuId: string }>`
    SELECT sku_id AS "skuId", pg_advisory_xact_lock(hashtextextended('ordo.allocation:' || sku_id::text, 0))
    FROM (
      SELECT DISTINCT u.sku_id FROM unnest(${skuIds}::uuid[]) AS u(sku_id)
      WHERE EXISTS (SELECT 1 FROM channel_allocations a WHERE a.sku_id = u.sku_id OR a.sku_id IS NULL)
      ORDER BY u.sku_id
    ) s
  `.execute(trx);
  return result.rows.map((r) => r.skuId);
}

export interface ReservationFilter {
  skuId?: string;
  locationId?: string;
  channelId?: string;
  status?: string;
  referenceType?: string;
  referenceId?: string;
  afterId?: string;
  limit: number;
}

export async function listReservations(db: DbOrTrx, f: ReservationFilter): Promise<ReservationRow[]> {
  const conditions = [sql`true`];
  if (f.skuId) conditions.push(sql`r.sku_id = ${f.skuId}`);
  if (f.locationId) conditions.push(sql`r.location_id = ${f.locationId}`);
  if (f.channelId) conditions.push(sql`r.channel_id = ${f.channelId}`);
  if (f.status) conditions.push(sql`r.status = ${f.status}`);
  if (f.referenceType) conditions.push(sql`r.reference_type = ${f.referenceType}`);
  if (f.referenceId) conditions.push(sql`r.reference_id = ${f.referenceId}`);
  if (f.afterId) conditions.push(sql`r.id > ${f.afterId}`);
  return (await sql<ReservationRow>`${select} WHERE ${sql.join(conditions, sql` AND `)} ORDER BY r.id LIMIT ${f.limit}`.execute(db)).rows;
}

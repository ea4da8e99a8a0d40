/**
 * "Why may this channel sell what it may?" — the terms of one SKU's availability, each from the same counters and
 * rules that availabilityJson and ordo_channel_atp read (see availability.repository.ts for the definitions):
 *
 *   per active location: on hand − reserved − quarantined − safety stock = free;
 *   base (what channels may sell) = Σ max(0, on hand − quarantined − safety stock);
 *   the channel's quota (its SKU rule, else its default rule) and what its reservations use of it;
 *   the pool = base − every channel's quota, less what is reserved outside quotas;
 *   the channel's number = min(free, quota left + pool left) + presale supply within its window.
 *
 * The open reservations are listed by what holds them (the caller names order lines as orders), largest first.
 */
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { freeSql } from './stock.repository.js';

export interface LocationTerms {
  location: string;
  type: string;
  ship: boolean;
  pickup: boolean;
  active: boolean;
  onHand: number;
  reserved: number;
  quarantined: number;
  safetyStock: number;
  free: number;
}

export interface ReservationTerm {
  location: string;
  channel: string | null;
  quantity: number;
  referenceType: string;
  referenceId: string;
  expiresAt: string | null;
  createdAt: string;
}

export interface SupplyTerm {
  location: string;
  expectedOn: string;
  type: string;
  reference: string | null;
  unpromised: number;
  presaleReserved: number;
}

export interface ChannelTerms {
  code: string;
  active: boolean;
  presaleDays: number;
  quotaRule: 'sku' | 'default' | null;
  quotaUnits: number | null;
  quotaPercent: number | null;
  quota: number;
  usedInQuota: number;
  quotaLeft: number;
  reservedByChannel: number;
  otherQuotas: number;
  pool: number;
  poolUsed: number;
  poolLeft: number;
  presale: number;
}

export interface AvailabilityTerms {
  locations: LocationTerms[];
  reservations: ReservationTerm[];
  reservationCount: number;
  supply: SupplyTerm[];
  base: number;
  free: number;
  channel: ChannelTerms | null;
}

const MAX_RESERVATIONS = 100;

export async function availabilityTerms(db: DbOrTrx, skuId: string, channelId: string | null): Promise<AvailabilityTerms> {
  const [locations, reservations, supply, channel] = await Promise.all([
    sql<LocationTerms>`
      SELECT l.code AS location, l.type, l.can_ship AS ship, l.can_pickup AS pickup, l.active,
        s.on_hand AS "onHand", s.reserved, s.quarantined, s.safety_stock AS "safetyStock", greatest(0, ${freeSql('s')})::int AS free
      FROM stock_levels s JOIN locations l ON l.id = s.location_id
      WHERE s.sku_id = ${skuId}::uuid AND (s.on_hand > 0 OR s.reserved > 0)
      ORDER BY l.active DESC, s.on_hand DESC, l.code`.execute(db),
    sql<ReservationTerm & { total: number }>`
      SELECT l.code AS location, ch.code AS channel, r.quantity, r.reference_type AS "referenceType", r.reference_id AS "referenceId",
        to_char(r.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "expiresAt",
        to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt",
        count(*) OVER ()::int AS total
      FROM reservations r JOIN locations l ON l.id = r.location_id LEFT JOIN channels ch ON ch.id = r.channel_id
      WHERE r.sku_id = ${skuId}::uuid AND r.status = 'open' AND r.supply_line_id IS NULL
      ORDER BY r.quantity DESC, r.created_at, r.id LIMIT ${MAX_RESERVATIONS}`.execute(db),
    sql<SupplyTerm>`
      SELECT l.code AS location, to_char(sl.expected_on, 'YYYY-MM-DD') AS "expectedOn", so.type, so.reference,
        (sl.quantity - sl.received - sl.reserved) AS unpromised, sl.reserved AS "presaleReserved"
      FROM supply_lines sl JOIN supply_orders so ON so.id = sl.supply_order_id JOIN locations l ON l.id = sl.location_id
      WHERE sl.sku_id = ${skuId}::uuid AND sl.open AND l.active
      ORDER BY sl.expected_on, l.code`.execute(db),
    sql<Omit<ChannelTerms, 'quotaLeft' | 'pool' | 'poolLeft'> & { base: number; free: number; baseReserved: number; insideQuotas: number; quotas: number }>`
      WITH lvl AS (
        SELECT coalesce(sum(greatest(0, s.on_hand - s.quarantined - s.safety_stock)), 0)::bigint AS base,
          coalesce(sum(greatest(0, ${freeSql('s')})), 0)::bigint AS free,
          coalesce(sum(least(s.reserved, greatest(0, s.on_hand - s.quarantined - s.safety_stock))), 0)::bigint AS base_reserved
        FROM stock_levels s JOIN locations l ON l.id = s.location_id WHERE s.sku_id = ${skuId}::uuid AND l.active
      ),
      quota AS (
        SELECT ch.id AS channel_id, CASE WHEN r.id IS NOT NULL THEN 'sku' ELSE 'default' END AS rule,
          coalesce(r.quota_units, d.quota_units) AS units,
          CASE WHEN r.id IS NOT NULL THEN r.quota_percent ELSE d.quota_percent END AS percent,
          coalesce(CASE WHEN r.id IS NOT NULL THEN coalesce(r.quota_units::bigint, floor(r.quota_percent * lvl.base / 100)::bigint) END,
                   coalesce(d.quota_units::bigint, floor(d.quota_percent * lvl.base / 100)::bigint)) AS q
        FROM channels ch CROSS JOIN lvl
        LEFT JOIN channel_allocations r ON r.channel_id = ch.id AND r.sku_id = ${skuId}::uuid
        LEFT JOIN channel_allocations d ON d.channel_id = ch.id AND d.sku_id IS NULL
        WHERE ch.active AND (r.id IS NOT NULL OR d.id IS NOT NULL)
      ),
      used AS (
        SELECT v.channel_id, sum(v.quantity)::bigint AS u FROM reservations v
        WHERE v.status = 'open' AND v.sku_id = ${skuId}::uuid AND v.supply_line_id IS NULL AND v.channel_id IS NOT NULL
        GROUP BY v.channel_id
      ),
      qu AS (SELECT q.*, coalesce(u.u, 0) AS u FROM quota q LEFT JOIN used u ON u.channel_id = q.channel_id)
      SELECT ch.code, ch.active, ch.presale_days AS "presaleDays",
        mine.rule AS "quotaRule", mine.units AS "quotaUnits", mine.percent::float8 AS "quotaPercent",
        coalesce(mine.q, 0)::bigint AS quota, least(coalesce(mine.u, 0), coalesce(mine.q, 0))::bigint AS "usedInQuota",
        coalesce((SELECT u FROM used WHERE channel_id = ch.id), 0)::bigint AS "reservedByChannel",
        coalesce((SELECT sum(q) FROM qu WHERE channel_id <> ch.id), 0)::bigint AS "otherQuotas",
        coalesce((SELECT sum(q) FROM qu), 0)::bigint AS quotas,
        coalesce((SELECT sum(least(u, q)) FROM qu), 0)::bigint AS "insideQuotas",
        (SELECT coalesce(sum(sl.quantity - sl.received - sl.reserved), 0) FROM supply_lines sl JOIN locations l ON l.id = sl.location_id
         WHERE sl.sku_id = ${skuId}::uuid AND sl.open AND l.active AND ch.presale_days > 0
           AND sl.expected_on <= current_date + ch.presale_days)::bigint AS presale,
        lvl.base, lvl.free, lvl.base_reserved AS "baseReserved"
      FROM channels ch CROSS JOIN lvl LEFT JOIN qu mine ON mine.channel_id = ch.id
      WHERE ch.id = ${channelId}::uuid`.execute(db),
  ]);
  const c = channel.rows[0];
  const base = c ? Number(c.base) : locations.rows.filter((l) => l.active).reduce((sum, l) => sum + Math.max(0, l.onHand - l.quarantined - l.safetyStock), 0);
  const free = c ? Number(c.free) : locations.rows.filter((l) => l.active).reduce((sum, l) => sum + l.free, 0);
  let channelTerms: ChannelTerms | null = null;
  if (c) {
    const quota = Number(c.quota);
    const pool = Math.max(0, base - Number(c.quotas));
    const poolUsed = Number(c.baseReserved) - Number(c.insideQuotas);
    channelTerms = {
      code: c.code, active: c.active, presaleDays: c.presaleDays, quotaRule: c.quotaRule, quotaUnits: c.quotaUnits, quotaPercent: c.quotaPercent,
      quota, usedInQuota: Number(c.usedInQuota), quotaLeft: Math.max(0, quota - Number(c.usedInQuota)),
      reservedByChannel: Number(c.reservedByChannel), otherQuotas: Number(c.otherQuotas),
      pool, poolUsed, poolLeft: Math.max(0, pool - poolUsed), presale: c.presaleDays > 0 ? Number(c.presale) : 0,
    };
  }
  return {
    locations: locations.rows,
    reservations: reservations.rows.map(({ total: _total, ...r }) => r),
    reservationCount: reservations.rows[0]?.total ?? 0,
    supply: supply.rows,
    base,
    free,
    channel: channelTerms,
  };
}

/** A bundle's components with their codes (none for a SKU that is not a bundle). */
export async function bundleComponents(db: DbOrTrx, skuId: string): Promise<{ skuId: string; code: string; quantity: number }[]> {
  return (await sql<{ skuId: string; code: string; quantity: number }>`
    SELECT c.component_sku_id AS "skuId", k.code, c.quantity FROM sku_components c JOIN skus k ON k.id = c.component_sku_id
    WHERE c.bundle_sku_id = ${skuId}::uuid ORDER BY k.code`.execute(db)).rows;
}

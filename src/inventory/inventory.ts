/** Inventory types and request/response schemas shared by the inventory use cases and routes. */
import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from '../http/schemas.js';

export const movementReasons = [
  'receipt', 'adjustment', 'count', 'reservation', 'release', 'shipment', 'return_restock', 'transfer_out',
  'transfer_in', 'quarantine', 'quarantine_release', 'write_off', 'external_sync',
] as const;
export type MovementReason = (typeof movementReasons)[number];

/** A SKU or location named by its id or its code. */
export const Ref = Type.String({ minLength: 1, maxLength: 64, description: 'Id or code' });
/** A positive whole number of units. */
/**
 * The most units one stock row may hold of a counter, and the largest quantity of one request line. Rows are int
 * (32-bit): a row at the limit plus one more line stays below 2^31, and sums over rows are computed as bigint.
 * Migration 0013 holds it in the schema; a change past it answers 409 quantity_limit_exceeded.
 */
export const MAX_UNITS = 1_000_000_000;
export const Quantity = Type.Integer({ minimum: 1, maximum: MAX_UNITS });
export const Note = Type.String({ maxLength: 500 });
export const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' });

export const StockLevel = Type.Object({
  sku: Type.String({ description: 'SKU code' }),
  skuId: Id,
  location: Type.String({ description: 'Location code' }),
  locationId: Id,
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  quarantined: Type.Integer(),
  safetyStock: Type.Integer(),
  available: Type.Integer({ description: 'on hand - reserved - quarantined - safety stock (never below 0)' }),
  safetyRule: Nullable(Type.Object({ weeksOfSupply: Type.Number(), lookbackWeeks: Type.Integer() })),
  reorderPoint: Nullable(Type.Integer()),
  version: Type.Integer(),
  updatedAt: Timestamp,
});
export type StockLevel = Static<typeof StockLevel>;

export function toStockLevel(row: {
  skuId: string; skuCode: string; locationId: string; locationCode: string; onHand: number; reserved: number;
  quarantined: number; safetyStock: number; safetyWeeks: number | null; safetyLookbackWeeks: number | null;
  reorderPoint: number | null; version: number; updatedAt: Date;
}): StockLevel {
  return {
    sku: row.skuCode,
    skuId: row.skuId,
    location: row.locationCode,
    locationId: row.locationId,
    onHand: row.onHand,
    reserved: row.reserved,
    quarantined: row.quarantined,
    safetyStock: row.safetyStock,
    available: Math.max(0, freeUnits(row)),
    safetyRule: row.safetyWeeks === null || row.safetyLookbackWeeks === null ? null
      : { weeksOfSupply: row.safetyWeeks, lookbackWeeks: row.safetyLookbackWeeks },
    reorderPoint: row.reorderPoint,
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The numbers of one (sku, location) after a change, as use cases return them. */
export const LevelAfter = Type.Object({
  skuId: Id,
  locationId: Id,
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  quarantined: Type.Integer(),
  available: Type.Integer(),
});
export const toLevelAfter = (l: { skuId: string; locationId: string; onHand: number; reserved: number; quarantined: number; safetyStock: number }) => ({
  skuId: l.skuId,
  locationId: l.locationId,
  onHand: l.onHand,
  reserved: l.reserved,
  quarantined: l.quarantined,
  available: Math.max(0, freeUnits(l)),
});

/** Units free to reserve: on hand less reserved, quarantined and safety stock (`freeSql` is the same in SQL). */
export const freeUnits = (l: { onHand: number; reserved: number; quarantined: number; safetyStock: number }): number =>
  l.onHand - l.reserved - l.quarantined - l.safetyStock;

/**
 * ERP/WMS sync: a source (an ERP, a WMS) reports absolute on-hand quantities per SKU x location, each stamped with
 * its own version. This file holds the request/response schemas and the pure decision per reported row; the use
 * cases in sync-stock.ts load the numbers, call `decideSyncRow` and persist what it says.
 */
import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from '../http/schemas.js';
import { Ref } from './inventory.js';

export const MAX_SYNC_ROWS = 5000;

export const SyncRow = Type.Object({
  sku: Ref,
  location: Ref,
  onHand: Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Absolute quantity on hand at the source' }),
  version: Type.Number({ minimum: 0, description: 'The source\'s version of this number, or a timestamp in ms; larger is newer' }),
}, { additionalProperties: false });

export const HoldThreshold = Type.Object({
  units: Type.Optional(Type.Integer({ minimum: 0, description: 'Hold a change of at least this many units (0 = never)' })),
  percent: Type.Optional(Type.Number({ minimum: 0, description: 'Hold a change of at least this percent of Ordo\'s on hand (0 = never)' })),
}, { additionalProperties: false });
export type HoldThreshold = Static<typeof HoldThreshold>;

export const SyncRequest = Type.Object({
  source: Type.String({ minLength: 1, maxLength: 64, description: 'Who reports, e.g. "sap"; versions are compared per source' }),
  rows: Type.Array(SyncRow, { minItems: 1, maxItems: MAX_SYNC_ROWS }),
  holdThreshold: Type.Optional(HoldThreshold),
}, { additionalProperties: false });
export type SyncRequest = Static<typeof SyncRequest>;

export const syncOutcomes = ['applied', 'unchanged', 'held', 'ignored'] as const;
export type SyncOutcome = (typeof syncOutcomes)[number];

export const holdReasons = ['over_threshold', 'below_reserved'] as const;
export type HoldReason = (typeof holdReasons)[number];

export const SyncResult = Type.Object({
  applied: Type.Integer(),
  unchanged: Type.Integer(),
  held: Type.Integer(),
  ignored: Type.Integer(),
  rows: Type.Array(Type.Object({
    index: Type.Integer({ description: 'Position of the row in the request' }),
    sku: Type.String({ description: 'As sent' }),
    location: Type.String({ description: 'As sent' }),
    outcome: Type.Enum(syncOutcomes),
    reason: Type.Optional(Type.String({ description: 'Why a row was held or ignored' })),
    ordoOnHand: Type.Integer({ description: 'Ordo\'s on hand before this request' }),
    onHand: Type.Integer({ description: 'The source\'s number' }),
    discrepancyId: Type.Optional(Id),
  })),
});
export type SyncResult = Static<typeof SyncResult>;

export const discrepancyStatuses = ['pending', 'approved', 'rejected', 'superseded'] as const;
export type DiscrepancyStatus = (typeof discrepancyStatuses)[number];

export const Discrepancy = Type.Object({
  id: Id,
  source: Type.String(),
  sku: Type.String({ description: 'SKU code' }),
  skuId: Id,
  location: Type.String({ description: 'Location code' }),
  locationId: Id,
  version: Type.Number(),
  ordoOnHand: Type.Integer({ description: 'Ordo\'s on hand when the source\'s number arrived' }),
  sourceOnHand: Type.Integer(),
  status: Type.Enum(discrepancyStatuses),
  reason: Type.String(),
  createdAt: Timestamp,
  decidedAt: Nullable(Timestamp),
  decidedBy: Nullable(Type.String()),
});
export type Discrepancy = Static<typeof Discrepancy>;

export const ReconciliationRow = Type.Object({
  sku: Type.String(),
  skuId: Id,
  location: Type.String(),
  locationId: Id,
  ordoOnHand: Type.Integer({ description: 'Ordo\'s on hand now' }),
  sourceOnHand: Type.Integer({ description: 'The source\'s last reported on hand' }),
  difference: Type.Integer({ description: 'sourceOnHand - ordoOnHand' }),
  version: Type.Number(),
  reportedAt: Timestamp,
  pendingDiscrepancyId: Nullable(Id),
});
export type ReconciliationRow = Static<typeof ReconciliationRow>;

/** Ordo's counters of one SKU x location (all zero when it has no row). */
export interface OrdoLevel {
  onHand: number;
  reserved: number;
  quarantined: number;
}

export interface Thresholds {
  units: number;
  percent: number;
}

export type SyncDecision =
  | { outcome: 'ignored'; reason: 'stale' | 'newer_in_request' }
  | { outcome: 'unchanged' }
  | { outcome: 'held'; reason: HoldReason }
  | { outcome: 'applied'; onHandDelta: number };

/** The request's thresholds, field by field, over the configured defaults. */
export function effectiveThresholds(defaults: Thresholds, given: HoldThreshold | undefined): Thresholds {
  return { units: given?.units ?? defaults.units, percent: given?.percent ?? defaults.percent };
}

/**
 * What to do with one reported row.
 * - Messages from a source can arrive out of order (queues, retries): a version not newer than the last one stored
 *   for (source, sku, location) is old news and changes nothing.
 * - A number Ordo already has is not a change; it still advances the stored version.
 * - Ordo cannot go below what it has promised (reserved) or set aside (quarantined): such a report needs a person.
 * - A large jump is more likely a wrong feed than real stock; it waits for approval rather than moving ATP.
 */
export function decideSyncRow(
  row: { onHand: number; version: number },
  storedVersion: number | null,
  level: OrdoLevel,
  thresholds: Thresholds,
): SyncDecision {
  if (storedVersion !== null && row.version <= storedVersion) return { outcome: 'ignored', reason: 'stale' };
  if (row.onHand === level.onHand) return { outcome: 'unchanged' };
  if (row.onHand < level.reserved + level.quarantined) return { outcome: 'held', reason: 'below_reserved' };
  const change = Math.abs(row.onHand - level.onHand);
  const overUnits = thresholds.units > 0 && change >= thresholds.units;
  // Compared as change * 100 >= percent * onHand, so no division and no rounding at the boundary.
  const overPercent = thresholds.percent > 0 && level.onHand > 0 && change * 100 >= thresholds.percent * level.onHand;
  if (overUnits || overPercent) return { outcome: 'held', reason: 'over_threshold' };
  return { outcome: 'applied', onHandDelta: row.onHand - level.onHand };
}

/**
 * Rows of one request that name the same SKU x location: the one with the highest version wins, as if the rows had
 * arrived one after another (so of two equal versions the first wins, the later one being "not newer"). Returns the
 * index of the winning row per key.
 */
export function newestPerKey(rows: readonly { key: string; version: number }[]): Map<string, number> {
  const winners = new Map<string, number>();
  rows.forEach((row, index) => {
    const current = winners.get(row.key);
    if (current === undefined || row.version > (rows[current]?.version ?? -Infinity)) winners.set(row.key, index);
  });
  return winners;
}

/** Counts of each outcome, for the answer and the audit entry. */
export function tally(outcomes: readonly SyncOutcome[]): Record<SyncOutcome, number> {
  const counts = { applied: 0, unchanged: 0, held: 0, ignored: 0 } satisfies Record<SyncOutcome, number>;
  for (const o of outcomes) counts[o] += 1;
  return counts;
}

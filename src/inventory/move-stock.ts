/**
 * Physical stock operations: receipts, adjustments, quarantine and its release, and the out/in legs of transfers.
 * Each is a batch of movements applied by one conditional statement; a movement the counters cannot take is a 409
 * naming the numbers, and nothing of the batch is written.
 */
import type { CommandContext } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import type { toLevelAfter } from './inventory.js';
import { applyMovements, findLevels, type LevelRow, type Movement } from './stock.repository.js';

/** How a command's caller appears as the actor of the movements it writes. */
export const actorOf = (ctx: CommandContext) => `${ctx.actorName} (${ctx.actorId})`;

/** The answer of a physical stock operation: the numbers of each touched row after it. */
export interface LevelsAfter { levels: ReturnType<typeof toLevelAfter>[] }

/** Applies movements that must keep the stock invariants, or throws a 409 that names each refused row's numbers. */
export async function moveStock(trx: Trx, movements: readonly Movement[], actor: string, what: string): Promise<LevelRow[]> {
  const { levels, refused } = await applyMovements(trx, movements, { guard: 'stock', actor });
  if (refused.length > 0) {
    const current = await findLevels(trx, refused);
    const problems = current.map((level) => {
      const delta = movements.filter((m) => m.skuId === level.skuId && m.locationId === level.locationId)
        .reduce((acc, m) => ({ onHand: acc.onHand + (m.onHand ?? 0), quarantined: acc.quarantined + (m.quarantined ?? 0) }), { onHand: 0, quarantined: 0 });
      return {
        skuId: level.skuId,
        locationId: level.locationId,
        onHand: level.onHand,
        reserved: level.reserved,
        quarantined: level.quarantined,
        onHandAfter: level.onHand + delta.onHand,
        quarantinedAfter: level.quarantined + delta.quarantined,
      };
    });
    const text = problems.map((p) =>
      `on hand would be ${p.onHandAfter} but ${p.reserved} are reserved and ${p.quarantinedAfter} quarantined (now: on hand ${p.onHand})`).join('; ');
    throw new AppError('stock_conflict', `${what} refused: ${text}; nothing was changed`, { rows: problems });
  }
  return levels;
}

export interface ReceiptLine { skuId: string; locationId: string; quantity: number }

export function receiptMovements(lines: readonly ReceiptLine[], ref: { type: string; id: string; note?: string | null }): Movement[] {
  return lines.map((l) => ({ skuId: l.skuId, locationId: l.locationId, onHand: l.quantity, reason: 'receipt', referenceType: ref.type, referenceId: ref.id, note: ref.note ?? null }));
}

export function adjustmentMovement(a: { skuId: string; locationId: string; delta: number; reasonCode: string; note?: string | null }, ref: string): Movement {
  return {
    skuId: a.skuId, locationId: a.locationId, onHand: a.delta, reason: 'adjustment', referenceType: 'adjustment',
    referenceId: ref, note: [a.reasonCode, a.note].filter(Boolean).join(': '),
  };
}

/** Damaged or held units: still on hand, no longer available. */
export function quarantineMovement(q: { skuId: string; locationId: string; quantity: number; note?: string | null }, ref: string): Movement {
  return { skuId: q.skuId, locationId: q.locationId, quarantined: q.quantity, reason: 'quarantine', referenceType: 'quarantine', referenceId: ref, note: q.note ?? null };
}

/** Out of quarantine: back to available (`restock`), or off the books (`write_off`: on hand goes down too). */
export function quarantineReleaseMovement(
  q: { skuId: string; locationId: string; quantity: number; disposition: 'restock' | 'write_off'; note?: string | null },
  ref: string,
): Movement {
  return q.disposition === 'restock'
    ? { skuId: q.skuId, locationId: q.locationId, quarantined: -q.quantity, reason: 'quarantine_release', referenceType: 'quarantine', referenceId: ref, note: q.note ?? null }
    : { skuId: q.skuId, locationId: q.locationId, quarantined: -q.quantity, onHand: -q.quantity, reason: 'write_off', referenceType: 'quarantine', referenceId: ref, note: q.note ?? null };
}

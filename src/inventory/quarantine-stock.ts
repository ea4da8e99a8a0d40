/** Quarantine: holding damaged or suspect units (still on hand, no longer available), and releasing them again. */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { newId } from '../shared/ids.js';
import { toLevelAfter } from './inventory.js';
import { actorOf, moveStock, quarantineMovement, quarantineReleaseMovement, type LevelsAfter } from './move-stock.js';
import { resolveRefs } from './refs.repository.js';

export interface QuarantineStockInput {
  lines: readonly { sku: string; location: string; quantity: number; note?: string }[];
}

export interface ReleaseQuarantineInput {
  lines: readonly { sku: string; location: string; quantity: number; disposition: 'restock' | 'write_off'; note?: string }[];
}

/** Moves each line's units into quarantine; all lines share one new quarantine id. */
export async function quarantineStock(trx: Trx, input: QuarantineStockInput, ctx: CommandContext): Promise<CommandResult<LevelsAfter>> {
  const lines = input.lines;
  const refs = await resolveRefs(trx, { sku: lines.map((l) => l.sku), location: lines.map((l) => l.location) });
  const ref = newId();
  const levels = await moveStock(trx, lines.map((l) => quarantineMovement({ skuId: refs.sku(l.sku), locationId: refs.location(l.location), quantity: l.quantity, note: l.note }, ref)), actorOf(ctx), 'quarantine');
  return { created: true, value: { levels: levels.map(toLevelAfter) }, audit: { action: 'stock.quarantined', entityType: 'quarantine', entityId: ref } };
}

/** Releases quarantined units: back to available (restock) or off the books (write_off); one new quarantine id. */
export async function releaseQuarantine(trx: Trx, input: ReleaseQuarantineInput, ctx: CommandContext): Promise<CommandResult<LevelsAfter>> {
  const lines = input.lines;
  const refs = await resolveRefs(trx, { sku: lines.map((l) => l.sku), location: lines.map((l) => l.location) });
  const ref = newId();
  const levels = await moveStock(trx, lines.map((l) => quarantineReleaseMovement({ ...l, skuId: refs.sku(l.sku), locationId: refs.location(l.location) }, ref)), actorOf(ctx), 'quarantine release');
  return { created: true, value: { levels: levels.map(toLevelAfter) }, audit: { action: 'stock.quarantine_released', entityType: 'quarantine', entityId: ref } };
}

/** Correcting on-hand quantities up or down with a reason (damaged, lost, found, correction): all lines or none. */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { newId } from '../shared/ids.js';
import { toLevelAfter } from './inventory.js';
import { actorOf, adjustmentMovement, moveStock, type LevelsAfter } from './move-stock.js';
import { resolveRefs } from './refs.repository.js';

export interface AdjustStockInput {
  lines: readonly { sku: string; location: string; delta: number; reason: string; note?: string }[];
}

/** Applies each line's delta to on hand as an 'adjustment' movement; all lines share one new adjustment id. */
export async function adjustStock(trx: Trx, input: AdjustStockInput, ctx: CommandContext): Promise<CommandResult<LevelsAfter>> {
  const lines = input.lines;
  const refs = await resolveRefs(trx, { sku: lines.map((l) => l.sku), location: lines.map((l) => l.location) });
  const ref = newId();
  const levels = await moveStock(
    trx,
    lines.map((l) => adjustmentMovement({ skuId: refs.sku(l.sku), locationId: refs.location(l.location), delta: l.delta, reasonCode: l.reason, note: l.note }, ref)),
    actorOf(ctx),
    'adjustment',
  );
  return { created: true, value: { levels: levels.map(toLevelAfter) }, audit: { action: 'stock.adjusted', entityType: 'adjustment', entityId: ref, details: { lines: lines.length } } };
}

/** Receiving stock at a location without a purchase order (supply orders receive through receive-supply). */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { newId } from '../shared/ids.js';
import { toLevelAfter } from './inventory.js';
import { actorOf, moveStock, receiptMovements, type LevelsAfter } from './move-stock.js';
import { resolveRefs } from './refs.repository.js';

export interface ReceiveStockInput {
  location: string;
  reference?: string;
  note?: string;
  lines: readonly { sku: string; quantity: number }[];
}

/** Adds the received units to on hand, one 'receipt' movement per line, referenced by the delivery note (or a new id). */
export async function receiveStock(trx: Trx, input: ReceiveStockInput, ctx: CommandContext): Promise<CommandResult<LevelsAfter>> {
  const refs = await resolveRefs(trx, { sku: input.lines.map((l) => l.sku), location: [input.location] });
  const id = input.reference ?? newId();
  const levels = await moveStock(
    trx,
    receiptMovements(input.lines.map((l) => ({ skuId: refs.sku(l.sku), locationId: refs.location(input.location), quantity: l.quantity })), { type: 'receipt', id, note: input.note }),
    actorOf(ctx),
    'receipt',
  );
  return { created: true, value: { levels: levels.map(toLevelAfter) }, audit: { action: 'stock.received', entityType: 'location', entityId: refs.location(input.location), details: { reference: id, lines: input.lines.length } } };
}

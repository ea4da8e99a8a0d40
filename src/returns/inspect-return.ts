/**
 * Inspecting what came back, every received unit exactly once, at the location it arrived: back to sellable stock
 * (the ledger's `return_restock`), to quarantine (damaged: `return_restock` then `quarantine`, on hand but not
 * available), or written off (`return_restock` then `write_off`: the ledger shows it came back and why it is gone).
 * One batch of movements through the inventory module; a movement the counters refuse writes nothing.
 */
import type { CommandContext, CommandResult } from '../db/command.js';
import type { Trx } from '../db/database.js';
import { moveStock, type Movement } from '../inventory/index.js';
import { addTimeline } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { lockForMove } from './decide-return.js';
import type { InspectReturn, Return } from './returns.js';
import { loadReturn, returnLinesOf, setReturnStatus, writeReturnLines } from './return.repository.js';

export async function inspectReturn(trx: Trx, returnId: string, input: InspectReturn, ctx: CommandContext): Promise<CommandResult<Return>> {
  const { order, r } = await lockForMove(trx, returnId, 'inspected');
  const lines = await returnLinesOf(trx, r.id);
  const given = new Map(input.lines.map((u) => [u.lineId, u]));
  const problems: { lineId: string; received: number; inspected: number }[] = [];
  for (const u of input.lines) if (!lines.some((l) => l.lineId === u.lineId)) problems.push({ lineId: u.lineId, received: 0, inspected: (u.restock ?? 0) + (u.quarantine ?? 0) + (u.writeOff ?? 0) });
  const inspected = lines.map((l) => {
    const u = given.get(l.lineId);
    const next = { ...l, restocked: u?.restock ?? 0, quarantined: u?.quarantine ?? 0, writtenOff: u?.writeOff ?? 0, note: u?.note ?? null };
    const total = next.restocked + next.quarantined + next.writtenOff;
    if (total !== l.received) problems.push({ lineId: l.lineId, received: l.received, inspected: total });
    return next;
  });
  if (problems.length > 0) {
    throw new AppError('validation_failed', `inspect every received unit exactly once (restock + quarantine + writeOff = received): ${problems.map((p) => `line ${p.lineId}: received ${p.received}, inspected ${p.inspected}`).join('; ')}`, {
      errors: problems.map((p) => ({ path: '/body/lines', message: `line ${p.lineId}: received ${p.received}, inspected ${p.inspected}` })), lines: problems,
    });
  }
  const locationId = r.locationId!;
  const ref = { referenceType: 'return', referenceId: r.id };
  const movements: Movement[] = inspected.flatMap((l) => {
    const base = { skuId: l.skuId, locationId, ...ref, note: l.note };
    const back = l.restocked + l.quarantined + l.writtenOff;
    return [
      ...(back > 0 ? [{ ...base, onHand: back, reason: 'return_restock' as const }] : []),
      ...(l.quarantined > 0 ? [{ ...base, quarantined: l.quarantined, reason: 'quarantine' as const }] : []),
      ...(l.writtenOff > 0 ? [{ ...base, onHand: -l.writtenOff, reason: 'write_off' as const }] : []),
    ];
  });
  await moveStock(trx, movements, `${ctx.actorName} (${ctx.actorId})`, `inspection of return ${r.number}`);
  await writeReturnLines(trx, inspected);
  await setReturnStatus(trx, r.id, 'inspected');
  const sum = (k: 'restocked' | 'quarantined' | 'writtenOff') => inspected.reduce((a, l) => a + l[k], 0);
  const counts = { restocked: sum('restocked'), quarantined: sum('quarantined'), writtenOff: sum('writtenOff') };
  await addTimeline(trx, order.id, ctx.actorName, [{
    type: 'return_inspected', message: `Return ${r.number} inspected: ${counts.restocked} back to stock, ${counts.quarantined} quarantined, ${counts.writtenOff} written off`,
    details: { returnId: r.id, number: r.number, ...counts }, event: 'order.return_inspected',
  }]);
  return { created: false, value: await loadReturn(trx, r.id), audit: { action: 'return.inspected', entityType: 'return', entityId: r.id, details: counts } };
}

/**
 * Moving open units of lines into new lines of another order — what a split and a merge share: each moved unit takes
 * its share of the line's discounts and tax (largest remainder, so nothing is lost or made up), and reserved units take
 * their reservation along (released from the old line, reserved again at the same location for the new one, in one
 * transaction, so they never become free for anyone else).
 */
import type { Trx } from '../db/database.js';
import { newId } from '../shared/ids.js';
import { byStockRow, releaseLineUnits, reserveLineUnits } from './line-stock.js';
import { activeUnits, scaleLineMoney, takeUnits, type LineState, type OrderState } from './order-state.js';

export interface UnitMove {
  from: LineState;
  quantity: number;
}

/**
 * Moves open units of lines into new lines of `target` (numbered from `firstLineNo`), with their share of discount
 * and tax and their reservations. Returns the source lines as they are left and the new lines. `leave` says what
 * becomes of the moved units on the source line: `reduce` lowers its quantity (a split), `cancel` counts them as
 * cancelled (a merge, whose source order is cancelled). Pure where it can be; the only writes are the reservations.
 */
export async function moveUnits(
  trx: Trx,
  moves: readonly UnitMove[],
  target: Pick<OrderState, 'id' | 'channelId' | 'presaleDays'>,
  firstLineNo: number,
  leave: 'reduce' | 'cancel',
  actor: string,
): Promise<{ sources: LineState[]; created: LineState[] }> {
  const sources: LineState[] = [];
  const created: LineState[] = [];
  for (const [i, { from, quantity }] of moves.entries()) {
    const taken = takeUnits(from, quantity);
    // The line's discounts and tax belong to its units that are not cancelled; the moved ones take their share.
    const active = activeUnits(from);
    const kept = scaleLineMoney(from, active, active - quantity);
    sources.push({
      ...from, allocated: from.allocated - taken.allocated, backordered: from.backordered - taken.backordered, ...kept,
      ...(leave === 'reduce' ? { quantity: from.quantity - quantity } : { cancelled: from.cancelled + quantity }),
    });
    created.push({
      id: newId(), orderId: target.id, lineNo: firstLineNo + i, skuId: from.skuId, sku: from.sku,
      // Units only waiting for stock have no location yet, as at capture.
      locationId: taken.allocated > 0 ? from.locationId : null,
      quantity, allocated: taken.allocated, shipped: 0, cancelled: 0, returned: 0, backordered: taken.backordered,
      unitPriceMinor: from.unitPriceMinor, discountMinor: from.discountMinor - kept.discountMinor,
      orderDiscountMinor: from.orderDiscountMinor - kept.orderDiscountMinor, taxMinor: from.taxMinor - kept.taxMinor,
    });
  }
  const releases = moves.map(({ from }, i) => ({ from, units: created[i]?.allocated ?? 0 })).sort((a, b) => byStockRow(a.from, b.from));
  for (const { from, units } of releases) await releaseLineUnits(trx, from.orderId, from.id, units, actor);
  // Released above and reserved here in one transaction: the units never become free for anyone else to take.
  await reserveLineUnits(trx, target, created.filter((l) => l.allocated > 0).map((l) => ({
    lineId: l.id, skuId: l.skuId, locationId: l.locationId as string, quantity: l.allocated,
  })), actor);
  return { sources, created };
}

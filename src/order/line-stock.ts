/**
 * The order's door to stock: reserving units for lines and moving a line's reserved units (released back to
 * available, or committed when they ship). The reservations reference ('order_line', line id); for each line the open
 * ones add up to its `allocated` counter — every command keeps that true in its one transaction.
 */
import type { Trx } from '../db/database.js';
import { closeReservations, lockOpenReservations, reserveStock } from '../inventory/index.js';
import type { LineState, OrderState } from './order-state.js';

/**
 * Releases (back to available) or commits (shipped out: on hand and reserved both go down) `quantity` units of a
 * line's reservations, or all of them when `quantity` is undefined. A line usually has one reservation; when it has
 * several (an edit moved some units), they are used oldest first. The ledger rows point at `ref` (the shipment, or
 * the order for a cancellation) so the ledger says why stock moved.
 */
export async function moveLineStock(
  trx: Trx,
  lineId: string,
  mode: 'release' | 'commit',
  quantity: number | undefined,
  opts: { actor: string; ref: { type: string; id: string } },
): Promise<void> {
  if (quantity === 0) return;
  const open = (await lockOpenReservations(trx, { referenceType: 'order_line', referenceId: lineId })).filter((r) => r.status === 'open');
  let left = quantity ?? Number.POSITIVE_INFINITY;
  for (const r of open) {
    if (left <= 0) break;
    const take = Math.min(left, r.quantity);
    await closeReservations(trx, { ids: [r.id] }, mode, { quantity: take, actor: opts.actor, referenceType: opts.ref.type, referenceId: opts.ref.id });
    left -= take;
  }
  // The line's `allocated` counter and its reservations move together; a gap means they drifted apart.
  if (quantity !== undefined && left > 0) {
    throw new Error(`order line ${lineId}: ${quantity} units allocated but only ${quantity - left} reserved; run ordo check`);
  }
}

/**
 * The order stock rows are locked in (SKU, then location): releasing several lines' units in it keeps the chance of
 * a deadlock with other multi-line changes small.
 */
export const byStockRow = (a: Pick<LineState, 'skuId' | 'locationId'>, b: Pick<LineState, 'skuId' | 'locationId'>): number =>
  a.skuId.localeCompare(b.skuId) || (a.locationId ?? '').localeCompare(b.locationId ?? '');

/** Gives back `units` of a line's reserved stock; the ledger rows point at the order that changed. */
export const releaseLineUnits = (trx: Trx, orderId: string, lineId: string, units: number, actor: string): Promise<void> =>
  moveLineStock(trx, lineId, 'release', units, { actor, ref: { type: 'order', id: orderId } });

/** Reserves units for lines at their locations (all or nothing, 409 insufficient_stock), under the order's channel. */
export async function reserveLineUnits(
  trx: Trx, order: Pick<OrderState, 'channelId' | 'presaleDays'>,
  lines: readonly { lineId: string; skuId: string; locationId: string; quantity: number }[], actor: string, now: Date = new Date(),
): Promise<void> {
  if (lines.length === 0) return;
  await reserveStock(trx, {
    lines: lines.map((l) => ({ skuId: l.skuId, locationId: l.locationId, quantity: l.quantity, referenceType: 'order_line', referenceId: l.lineId })),
    channel: { id: order.channelId, presaleDays: order.presaleDays }, actor, today: now.toISOString().slice(0, 10),
  });
}

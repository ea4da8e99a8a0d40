/**
 * What every order command after capture starts with: lock the order row (so two commands on one order run one after
 * the other), read its lines' unit counters, and refuse with a 409 when the status does not allow the command.
 * Also the one place that moves a line's reserved stock (release or ship), so cancel, reject and ship agree on it.
 *
 * Lock order, the same on every path: the order row, then its reservations, then stock rows (inside the inventory
 * module). Capture takes them in that order too, so order commands never deadlock with each other or with capture.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import { closeReservations } from '../inventory/reserve-stock.js';
import { lockOpenReservations } from '../inventory/reservation.repository.js';
import { AppError, notFound } from '../shared/errors.js';
import { transitions, type OrderStatus } from './order-status.js';

export interface LockedLine {
  id: string;
  lineNo: number;
  quantity: number;
  allocated: number;
  shipped: number;
  cancelled: number;
  backordered: number;
}

export interface LockedOrder {
  id: string;
  status: OrderStatus;
  lines: LockedLine[];
}

/**
 * Locks the order (FOR UPDATE) and returns its status and lines. Two statements on purpose: under READ COMMITTED a
 * statement that waited for the lock still reads other tables as of its start, so lines read in the locking statement
 * could predate the command we waited for. The second statement sees everything committed before the lock was ours.
 */
export async function lockOrder(trx: Trx, orderId: string): Promise<LockedOrder> {
  const order = await trx.selectFrom('orders').select('status').where('id', '=', orderId).forUpdate().executeTakeFirst();
  if (!order) throw notFound('order', orderId);
  const lines = await trx.selectFrom('order_lines')
    .select(['id', 'line_no as lineNo', 'quantity', 'allocated', 'shipped', 'cancelled', 'backordered'])
    .where('order_id', '=', orderId).orderBy('line_no').execute();
  return { id: orderId, status: order.status, lines };
}

/** The 409 for a command the order's status does not allow, in the same shape `transitionOrder` answers. */
export function wrongStatus(status: OrderStatus, what: string, allowedFrom: readonly OrderStatus[]): AppError {
  return new AppError('invalid_state', `the order is ${status}; ${what} only when it is ${allowedFrom.join(' or ')}`, {
    currentStatus: status, allowed: transitions[status],
  });
}

export function requireStatus(order: LockedOrder, what: string, allowedFrom: readonly OrderStatus[]): void {
  if (!allowedFrom.includes(order.status)) throw wrongStatus(order.status, what, allowedFrom);
}

/** Units of a line not yet shipped nor cancelled: what can still be cancelled. */
export const openUnits = (l: LockedLine): number => l.quantity - l.shipped - l.cancelled;

/**
 * Finds lines of the order by id; an id not on this order is a 404 naming it. Repeating a line is a 400: the caller
 * means one quantity per line, and adding them up silently could ship or cancel more than intended.
 */
export function pickLines(order: LockedOrder, wanted: readonly { lineId: string; quantity: number }[]): { line: LockedLine; quantity: number; index: number }[] {
  const byId = new Map(order.lines.map((l) => [l.id, l]));
  const seen = new Set<string>();
  return wanted.map((w, index) => {
    const line = byId.get(w.lineId);
    if (!line) throw new AppError('not_found', `line ${w.lineId} is not a line of order ${order.id}`, { entity: 'order_line', id: w.lineId });
    if (seen.has(w.lineId)) {
      throw new AppError('validation_failed', `line ${w.lineId} is listed twice; give each line once with its total quantity`, {
        errors: [{ path: `/body/lines/${index}/lineId`, message: 'repeated line' }],
      });
    }
    seen.add(w.lineId);
    return { line, quantity: w.quantity, index };
  });
}

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

export interface LineDelta {
  id: string;
  allocated?: number;
  shipped?: number;
  cancelled?: number;
  backordered?: number;
}

/**
 * Changes lines' unit counters by deltas in one statement. Deltas rather than new values: the row lock on the order
 * already serialises order commands, and adding in SQL keeps that true even for a writer that forgot the lock; the
 * table's CHECKs refuse any result that breaks "every unit is in exactly one state".
 */
export async function changeLineCounters(trx: Trx, deltas: readonly LineDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const rows = deltas.map((d) => ({ id: d.id, allocated: d.allocated ?? 0, shipped: d.shipped ?? 0, cancelled: d.cancelled ?? 0, backordered: d.backordered ?? 0 }));
  await sql`
    UPDATE order_lines l SET allocated = l.allocated + x.allocated, shipped = l.shipped + x.shipped,
      cancelled = l.cancelled + x.cancelled, backordered = l.backordered + x.backordered
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(id uuid, allocated int, shipped int, cancelled int, backordered int)
    WHERE l.id = x.id
  `.execute(trx);
}

/** Bumps the order's version and updated_at for changes that are not a status change (those go through transitionOrder). */
export async function touchOrder(trx: Trx, orderId: string): Promise<void> {
  await sql`UPDATE orders SET version = version + 1, updated_at = now() WHERE id = ${orderId}`.execute(trx);
}

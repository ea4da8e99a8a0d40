/**
 * Holds: a person's decision on an order the review rules (or a colleague) stopped. Releasing the last open hold lets
 * the order go on (confirmed, and allocated when every unit is reserved); rejecting one cancels the order. A hold can
 * also be put on by hand while the order has not gone to the warehouse.
 */
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandOutcome } from '../http/command.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { cancelWholeOrder } from './cancel-order.js';
import { lockOrder, requireStatus, type LockedOrder } from './lock-order.js';
import type { Order } from './order.js';
import { addTimeline, loadOrder, transitionOrder } from './order.repository.js';

export const HoldDecision = Type.Object({
  note: Type.Optional(Type.String({ maxLength: 2000, description: 'Why; shown in the timeline' })),
}, { additionalProperties: false });
export type HoldDecision = Static<typeof HoldDecision>;

export const PlaceHold = Type.Object({
  reasonCode: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'snake_case, e.g. address_check; what the review queue filters on' }),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false });
export type PlaceHold = Static<typeof PlaceHold>;

/**
 * Marks an open hold of the order released or rejected. Answers the hold's reason and how many other holds are still
 * open (counted in the same statement, before this one closes, hence `id <>`).
 */
async function decideHold(trx: Trx, orderId: string, holdId: string, decision: 'released' | 'rejected', actor: string) {
  const result = await sql<{ reason_code: string | null; current: string | null; open_left: number }>`
    WITH h AS (
      UPDATE order_holds SET status = ${decision}, decided_at = now(), decided_by = ${actor}
      WHERE id = ${holdId} AND order_id = ${orderId} AND status = 'open'
      RETURNING reason_code
    )
    SELECT (SELECT reason_code FROM h) AS reason_code,
           (SELECT status FROM order_holds WHERE id = ${holdId} AND order_id = ${orderId}) AS current,
           (SELECT count(*)::int FROM order_holds WHERE order_id = ${orderId} AND status = 'open' AND id <> ${holdId}) AS open_left
  `.execute(trx);
  const row = result.rows[0];
  if (!row?.current) throw notFound('hold', holdId);
  if (!row.reason_code) {
    throw new AppError('invalid_state', `the hold is already ${row.current}; only an open hold can be released or rejected`, {
      entity: 'hold', currentStatus: row.current, allowed: ['open'],
    });
  }
  return { reasonCode: row.reason_code, openLeft: row.open_left };
}

const withNote = (text: string, note: string | undefined) => (note ? `${text}: ${note}` : text);

/** Every open unit reserved: nothing backordered, nothing waiting for a location. */
const fullyAllocated = (order: LockedOrder) =>
  order.lines.every((l) => l.allocated + l.shipped + l.cancelled === l.quantity) && order.lines.some((l) => l.allocated > 0);

export async function releaseHold(trx: Trx, orderId: string, holdId: string, input: HoldDecision, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const order = await lockOrder(trx, orderId);
  requireStatus(order, 'its holds can be decided', ['on_hold']);
  const hold = await decideHold(trx, orderId, holdId, 'released', ctx.actorName);
  const details = { holdId, reasonCode: hold.reasonCode, note: input.note ?? null };
  await addTimeline(trx, orderId, ctx.actorName, [{
    type: 'hold_released', message: withNote(`Hold ${hold.reasonCode} released`, input.note), details, event: 'order.hold_released',
  }]);
  if (hold.openLeft === 0) {
    await transitionOrder(trx, orderId, 'confirmed', ctx.actorName, { type: 'status_changed', message: 'Every hold released', details });
    // Reservations were kept while the order waited, so it usually has everything it needs to go straight on.
    if (fullyAllocated(order)) {
      await transitionOrder(trx, orderId, 'allocated', ctx.actorName, { type: 'status_changed', message: 'Every line reserved' });
    }
  }
  return {
    status: 200,
    body: await loadOrder(trx, orderId),
    audit: { action: 'order.hold_released', entityType: 'order', entityId: orderId, details },
  };
}

export async function rejectHold(trx: Trx, orderId: string, holdId: string, input: HoldDecision, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const order = await lockOrder(trx, orderId);
  requireStatus(order, 'its holds can be decided', ['on_hold']);
  const hold = await decideHold(trx, orderId, holdId, 'rejected', ctx.actorName);
  const details = { holdId, reasonCode: hold.reasonCode, note: input.note ?? null };
  await addTimeline(trx, orderId, ctx.actorName, [{
    type: 'hold_rejected', message: withNote(`Hold ${hold.reasonCode} rejected`, input.note), details, event: 'order.hold_rejected',
  }]);
  await cancelWholeOrder(trx, order, ctx.actorName, withNote(`hold ${hold.reasonCode} rejected`, input.note), details);
  return {
    status: 200,
    body: await loadOrder(trx, orderId),
    audit: { action: 'order.hold_rejected', entityType: 'order', entityId: orderId, details },
  };
}

export async function placeHold(trx: Trx, orderId: string, input: PlaceHold, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const order = await lockOrder(trx, orderId);
  const holdId = newId();
  const inserted = await sql<{ id: string }>`
    INSERT INTO order_holds (id, order_id, reason_code, note)
    SELECT ${holdId}, ${orderId}, ${input.reasonCode}, ${input.note ?? null}
    WHERE NOT EXISTS (SELECT 1 FROM order_holds WHERE order_id = ${orderId} AND reason_code = ${input.reasonCode} AND status = 'open')
    RETURNING id
  `.execute(trx);
  if (inserted.rows.length === 0) {
    throw new AppError('already_exists', `the order already has an open hold for ${input.reasonCode}; add your note when you decide it`);
  }
  const entry = {
    type: 'hold_placed',
    message: withNote(`Held by hand: ${input.reasonCode}`, input.note),
    details: { holdId, reasonCode: input.reasonCode, note: input.note ?? null },
  };
  // A held order may get another reason to wait (a second hold); that is not a status change, just a timeline row.
  if (order.status === 'on_hold') await addTimeline(trx, orderId, ctx.actorName, [{ ...entry, event: 'order.hold_placed' }]);
  else await transitionOrder(trx, orderId, 'on_hold', ctx.actorName, entry);
  return {
    status: 201,
    body: await loadOrder(trx, orderId),
    audit: { action: 'order.hold_placed', entityType: 'order', entityId: orderId, details: entry.details },
  };
}

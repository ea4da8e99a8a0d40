/** SQL for an order's holds (a person's decision pending) and flags (a rule's remark, no decision needed). */
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import { notFound, AppError } from '../shared/errors.js';

/**
 * Marks an open hold of the order released or rejected. Answers the hold's reason and how many other holds are still
 * open (counted in the same statement, before this one closes, hence `id <>`).
 */
export async function decideHold(trx: Trx, orderId: string, holdId: string, decision: 'released' | 'rejected', actor: string): Promise<{ reasonCode: string; openLeft: number }> {
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

/** An order's open holds (of one reason, if given), oldest first. */
export async function listOpenHolds(trx: Trx, orderId: string, reasonCode?: string): Promise<{ id: string; reasonCode: string }[]> {
  let q = trx.selectFrom('order_holds').select(['id', 'reason_code as reasonCode'])
    .where('order_id', '=', orderId).where('status', '=', 'open');
  if (reasonCode !== undefined) q = q.where('reason_code', '=', reasonCode);
  return q.orderBy('created_at').orderBy('id').execute();
}

/** Adds an open hold unless one with the same reason is open already; false then. */
export async function insertHold(trx: Trx, hold: { id: string; orderId: string; reasonCode: string; note: string | null }): Promise<boolean> {
  const inserted = await sql<{ id: string }>`
    INSERT INTO order_holds (id, order_id, reason_code, note)
    SELECT ${hold.id}, ${hold.orderId}, ${hold.reasonCode}, ${hold.note}
    WHERE NOT EXISTS (SELECT 1 FROM order_holds WHERE order_id = ${hold.orderId} AND reason_code = ${hold.reasonCode} AND status = 'open')
    RETURNING id
  `.execute(trx);
  return inserted.rows.length > 0;
}

/** Closes the order's open holds as rejected (a cancelled order waits for nobody); returns the closed ones. */
export async function rejectOpenHolds(trx: Trx, orderId: string, actor: string): Promise<{ id: string; reason_code: string }[]> {
  const closed = await sql<{ id: string; reason_code: string }>`
    UPDATE order_holds SET status = 'rejected', decided_at = now(), decided_by = ${actor}
    WHERE order_id = ${orderId} AND status = 'open' RETURNING id, reason_code
  `.execute(trx);
  return closed.rows;
}

/** Copies held orders' open holds (and their flags) to another order, so a split or merge cannot skip review. */
export async function copyHoldsAndFlags(trx: Trx, fromIds: readonly string[], toId: string): Promise<number> {
  const holds = await sql`
    INSERT INTO order_holds (id, order_id, reason_code, rule_id, note)
    SELECT gen_random_uuid(), ${toId}, reason_code, rule_id, note FROM order_holds
    WHERE order_id = ANY(${fromIds}::uuid[]) AND status = 'open'
      AND reason_code NOT IN (SELECT reason_code FROM order_holds WHERE order_id = ${toId} AND status = 'open')
  `.execute(trx);
  await sql`
    INSERT INTO order_flags (order_id, reason_code, rule_id)
    SELECT DISTINCT ON (reason_code) ${toId}::uuid, reason_code, rule_id FROM order_flags WHERE order_id = ANY(${fromIds}::uuid[])
    ON CONFLICT DO NOTHING
  `.execute(trx);
  return Number(holds.numAffectedRows ?? 0);
}

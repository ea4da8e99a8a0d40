/**
 * Units coming back from the customer (a return received, src/returns/): the lines count them in `returned`, a subset
 * of `shipped` (the table's CHECK refuses more), and the order's timeline says so. The order's status does not change:
 * a return is after-sales, not a way back through fulfilment.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import { addTimeline } from './order.repository.js';

export async function recordReturnedUnits(
  trx: Trx,
  orderId: string,
  units: readonly { lineId: string; quantity: number }[],
  actor: string,
  entry: { message: string; details: Record<string, unknown> },
): Promise<void> {
  await sql`
    UPDATE order_lines l SET returned = l.returned + u.quantity
    FROM jsonb_to_recordset(${JSON.stringify(units)}::jsonb) AS u("lineId" uuid, quantity int)
    WHERE l.id = u."lineId" AND l.order_id = ${orderId}`.execute(trx);
  await sql`UPDATE orders SET version = version + 1, updated_at = now() WHERE id = ${orderId}`.execute(trx);
  await addTimeline(trx, orderId, actor, [{ type: 'return_received', message: entry.message, details: entry.details, event: 'order.return_received' }]);
}

/**
 * The fulfilment module's scheduled work (src/jobs/jobs.ts runs it on pg-boss): pickup orders not collected in time
 * are cancelled and their stock released, and delivered orders complete by themselves after a while.
 */
import type { CommandContext } from '../db/command.js';
import type { Db } from '../db/database.js';
import { completeOrder, findOrdersDeliveredBefore } from '../order/index.js';
import { cancelFulfillmentOrder } from './cancel-fulfillment-order.js';
import type { FulfillmentSettings } from './fulfillment-order.routes.js';

export const FULFILLMENT_ACTOR = 'system:fulfillment';
const systemContext = (): CommandContext => ({ requestId: 'job', actorId: FULFILLMENT_ACTOR, actorName: FULFILLMENT_ACTOR, attempt: 1, idempotency: null });

/** Cancels pickup orders ready for longer than the setting; each in its own transaction. */
export async function expireUncollectedPickups(db: Db, settings: Pick<FulfillmentSettings, 'pickupExpiryDays'>, now = new Date()): Promise<{ expired: number; failed: number }> {
  const cutoff = new Date(now.getTime() - settings.pickupExpiryDays * 86_400_000);
  const due = await db.selectFrom('fulfillment_orders').select('id')
    .where('status', '=', 'ready_for_pickup').where('ready_at', '<', cutoff).orderBy('ready_at').limit(500).execute();
  let expired = 0;
  let failed = 0;
  for (const { id } of due) {
    try {
      await db.transaction().execute((trx) => cancelFulfillmentOrder(trx, id, { reason: `not collected within ${settings.pickupExpiryDays} days` }, systemContext()));
      expired++;
    } catch {
      // Collected or cancelled meanwhile: the next run sees it no more.
      failed++;
    }
  }
  return { expired, failed };
}

/** Completes orders delivered longer than the setting ago. */
export async function completeDeliveredOrders(db: Db, settings: Pick<FulfillmentSettings, 'completeAfterDays'>, now = new Date()): Promise<{ completed: number; failed: number }> {
  const ids = await findOrdersDeliveredBefore(db, new Date(now.getTime() - settings.completeAfterDays * 86_400_000), 1000);
  let completed = 0;
  let failed = 0;
  for (const id of ids) {
    try {
      await db.transaction().execute((trx) => completeOrder(trx, id, systemContext()));
      completed++;
    } catch {
      failed++;
    }
  }
  return { completed, failed };
}

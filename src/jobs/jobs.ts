/**
 * Background work on pg-boss (a Postgres-backed job queue): schedules and their handlers. Every server runs the
 * workers; pg-boss hands each job to one of them, so several servers do not repeat the work.
 */
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { expireReservations } from '../inventory/index.js';
import { publishPendingSignals, republishAvailability } from '../inventory/index.js';
import { recomputeSafetyStock } from '../inventory/index.js';
import { deleteExpiredIdempotencyKeys } from '../http/idempotency.repository.js';
import { fillBackorders, findFillableOrders, rebuildOrderVolume, type CaptureBatched } from '../order/index.js';
import { familiesToMove, followOrder, ordersToFollow, recoverPayments } from '../payment/index.js';
import { returnRefundSettled } from '../returns/index.js';
import { cleanupEvents } from '../integration/index.js';
import { completeDeliveredOrders, defaultFulfillmentSettings, expireUncollectedPickups, fulfillmentFillHooks } from '../fulfillment/index.js';
import { pullDueConnectors } from '../connector/index.js';
import { refreshDemand } from '../sourcing/index.js';

export const schedules = {
  /** pg-boss's finest cron step is a minute, so a reservation outlives its expiry by at most that. */
  'reservations.expire': '* * * * *',
  'idempotency-keys.cleanup': '17 * * * *',
  /** Weeks-of-supply safety stock and presale windows move with the calendar. */
  'inventory.daily': '5 3 * * *',
  /** Backordered lines take units that became free; besides this, nudged within seconds (startJobs). */
  'orders.fill-backorders': '* * * * *',
  /** Money follows the orders: pending movements finished, excess voided or refunded, capture by policy (docs/payments.md). */
  'payments.follow': '* * * * *',
  /** Relayed events and settled deliveries past their retention leave the outbox, which stays small. */
  'events.cleanup': '*/10 * * * *',
  /** Pickup orders not collected within PICKUP_EXPIRY_DAYS are cancelled and restocked (docs/fulfillment.md). */
  'fulfillment.expire-pickups': '23 * * * *',
  /** Delivered orders complete by themselves after ORDER_COMPLETE_AFTER_DAYS. */
  'orders.complete-delivered': '41 * * * *',
  /** Recent demand per SKU and location, for the stock_balance sourcing rule (weeks of supply; docs/sourcing.md). */
  'sourcing.refresh-demand': '11 * * * *',
  /** Channels' order feeds are asked for new orders (connectors with settings.pull; docs/connectors.md). */
  'connectors.pull': '* * * * *',
  /** The dashboard's 30-day chart reads quarter-hour totals rebuilt here; newer orders it counts live (docs/admin-ui.md). */
  'orders.volume': '*/10 * * * *',
} as const;
export type JobName = keyof typeof schedules;

export interface JobsDeps {
  db: Db;
  /** The server's capture pipeline: pulled pages of orders join its batches (without it, one transaction an order). */
  captureBatched?: CaptureBatched;
  databaseUrl: string;
  logger: Logger;
  idempotencyTtlHours: number;
  /** How long relayed events and the delivery log are kept (default a week). */
  eventRetentionHours?: number;
  /** The key connector secrets are sealed with (a feed's pull token). */
  connectorSecretKey?: Buffer | null;
  /** How often each server looks for waiting lines whose stock became free (default 5 s). */
  backorderNudgeMs?: number;
  pickupExpiryDays?: number;
  orderCompleteAfterDays?: number;
}

/** The work behind each job, callable directly (tests, `ordo` commands) as well as from the queue. */
export function jobHandlers(deps: Pick<JobsDeps, 'db' | 'captureBatched' | 'idempotencyTtlHours' | 'eventRetentionHours' | 'pickupExpiryDays' | 'orderCompleteAfterDays' | 'connectorSecretKey'>): Record<JobName, () => Promise<Record<string, number>>> {
  return {
    'reservations.expire': async () => {
      let expired = 0;
      for (;;) {
        const n = await deps.db.transaction().execute((trx) => expireReservations(trx, new Date()));
        expired += n;
        if (n === 0) return { expired };
      }
    },
    'idempotency-keys.cleanup': async () => ({ deleted: await deleteExpiredIdempotencyKeys(deps.db, deps.idempotencyTtlHours) }),
    'inventory.daily': async () => deps.db.transaction().execute(async (trx) => ({
      safetyStockRows: await recomputeSafetyStock(trx),
      republished: await republishAvailability(trx),
    })),
    // A partly shipped order's rest filled goes to the warehouse at once (a new fulfilment order where it was reserved).
    'orders.fill-backorders': () => fillBackorders(deps.db, 100, fulfillmentFillHooks),
    'payments.follow': async () => {
      const hooks = { refundSettled: returnRefundSettled };
      const recovered = await recoverPayments(deps.db, hooks, { olderThanMs: 60_000 });
      let moved = 0;
      const orders = [...new Set([...await familiesToMove(deps.db, 200), ...await ordersToFollow(deps.db, 200)])];
      for (const id of orders) moved += (await followOrder(deps.db, id, hooks)).moved.length;
      return { recovered: recovered.settled.length, stillPending: recovered.stillPending, orders: orders.length, moved };
    },
    'events.cleanup': () => cleanupEvents(deps.db, new Date(Date.now() - (deps.eventRetentionHours ?? 24 * 7) * 3_600_000)),
    'fulfillment.expire-pickups': () => expireUncollectedPickups(deps.db, { pickupExpiryDays: deps.pickupExpiryDays ?? defaultFulfillmentSettings.pickupExpiryDays }),
    'sourcing.refresh-demand': () => refreshDemand(deps.db),
    'orders.complete-delivered': () => completeDeliveredOrders(deps.db, { completeAfterDays: deps.orderCompleteAfterDays ?? defaultFulfillmentSettings.completeAfterDays }),
    'connectors.pull': async () => ({ ...await pullDueConnectors(deps.db, { secretKey: deps.connectorSecretKey ?? null, captureBatched: deps.captureBatched }) }),
    'orders.volume': async () => ({ buckets: (await rebuildOrderVolume(deps.db)).buckets }),
  };
}

export async function startJobs(deps: JobsDeps): Promise<{ boss: PgBoss; stop(): Promise<void> }> {
  const boss = new PgBoss({ connectionString: deps.databaseUrl, schema: 'pgboss', max: 4, application_name: 'ordo-jobs' });
  boss.on('error', (err) => deps.logger.error({ err }, 'job queue error'));
  await boss.start();
  const handlers = jobHandlers(deps);
  for (const [name, cron] of Object.entries(schedules) as [JobName, string][]) {
    // The fill is one run at a time across servers (oldest order first stays true) with at most one more queued,
    // so nudges and the schedule never pile up.
    await boss.createQueue(name, name === 'orders.fill-backorders' ? { name, policy: 'stately' } : undefined);
    await boss.schedule(name, cron, {}, { tz: 'UTC' });
    await boss.work(name, async () => {
      const result = await handlers[name]();
      deps.logger.info({ job: name, ...result }, 'job done');
    });
  }
  // The nudge: stock becomes free on many paths (receipts, transfers, sync, counts, releases, expiry, cancels), and
  // none of them should pay for backorders. Instead every few seconds one indexed read of the waiting lines (a
  // partial index, the size of the backlog) asks whether any of them has free stock it may take; if so a fill is
  // queued. An idle shop pays one small query per interval; a receipt pays nothing.
  // The same beat publishes stock signals a capture batch deferred and could not publish itself (its server stopped
  // between the write and the publish; ADR 0013). Normally there are none: one indexed read.
  let nudging = false;
  const nudge = setInterval(() => {
    if (nudging) return;
    nudging = true;
    publishPendingSignals(deps.db)
      .catch((err: unknown) => deps.logger.error({ err }, 'publishing deferred stock signals failed'))
      .then(() => findFillableOrders(deps.db, 1))
      .then(async (found) => { if (found.length > 0) await boss.send('orders.fill-backorders', {}); })
      .catch((err: unknown) => deps.logger.error({ err }, 'backorder nudge failed'))
      .finally(() => { nudging = false; });
  }, deps.backorderNudgeMs ?? 5_000);
  nudge.unref();
  return {
    boss,
    stop: async () => {
      clearInterval(nudge);
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

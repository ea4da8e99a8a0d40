/**
 * Finishing what a crash or a timeout left pending: for each pending row older than a moment (and than twice its
 * provider's timeout: a call may still be on its way), ask its provider what
 * became of the row's idempotency key. It saw it: settle the row as the provider says (with everything that follows,
 * settle-effects.ts). It never did: nothing moved, so the row fails ("never reached the provider") and the request
 * may be made again. It does not answer: leave the row pending for the next run.
 */
import type { Db } from '../db/database.js';
import { recordOutcome } from './move-money.js';
import type { Payment } from './payment.js';
import { findProvider, pendingPayments, toPayment } from './payment.repository.js';
import { ProviderUnavailable } from './provider.js';
import { providerFor } from './providers.js';
import type { SettleHooks } from './settle-effects.js';

export interface RecoveryReport { settled: Payment[]; stillPending: number }

export const RECOVERY_ACTOR = { requestId: 'payment-recovery', actorId: '00000000-0000-0000-0000-000000000000', actorName: 'payment recovery' };

export async function recoverPayments(db: Db, hooks: SettleHooks, opts: { olderThanMs?: number; limit?: number; actor?: typeof RECOVERY_ACTOR } = {}): Promise<RecoveryReport> {
  const rows = await pendingPayments(db, new Date(Date.now() - (opts.olderThanMs ?? 60_000)), opts.limit ?? 500);
  const settled: Payment[] = [];
  let stillPending = 0;
  for (const row of rows) {
    // A call may still be on its way to the provider for up to its timeout: asking before then could find nothing,
    // fail the row, and let the call charge after all. Twice the timeout is the least age recovery touches.
    const config = await findProvider(db, row.provider);
    if (Date.now() - row.created_at.getTime() < 2 * (config?.timeoutMs ?? 0)) {
      stillPending++;
      continue;
    }
    const provider = await providerFor(db, row.provider);
    try {
      const answer = (await provider.lookup(row.provider_key)) ?? { outcome: 'failed' as const, reason: 'never reached the provider; nothing was moved' };
      settled.push(toPayment(await recordOutcome(db, opts.actor ?? RECOVERY_ACTOR, row, answer, hooks)));
    } catch (e) {
      if (!(e instanceof ProviderUnavailable)) throw e;
      stillPending++;
    }
  }
  return { settled, stillPending };
}

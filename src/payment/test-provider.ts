/**
 * The built-in test provider (kind `test`): a provider that answers as its settings say, so a staging setup or a
 * test can see every path of a money movement without a real provider — approve; decline with a reason; time out
 * (it never answers and never moves money: recovery finds nothing under the key and fails the row); answer late (it
 * moves the money but answers after `delayMs`: past the provider's timeout Ordo stops waiting, the row stays pending,
 * and recovery's look-up finds it succeeded).
 *
 * Its side of the conversation — what it did with each idempotency key — is kept in `payment_test_operations`, as a
 * real provider keeps it at its end: a repeated key answers the same, and a look-up works after a restart and from
 * any server. It is never a default: only a provider created explicitly with kind `test` behaves so. A capture may
 * tell it how to answer that one movement (`test` in its body, refused for any other kind of provider).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { TestSettings } from './payment.js';
import { ProviderUnavailable, type PaymentProvider, type ProviderAnswer, type ProviderRequest } from './provider.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface OperationRow { status: string; reference: string | null; reason: string | null }

const answerOf = (row: OperationRow): ProviderAnswer => (row.status === 'succeeded'
  ? { outcome: 'succeeded', reference: row.reference }
  : { outcome: 'failed', reason: row.reason ?? 'declined' });

export function testProvider(db: DbOrTrx, code: string, settings: TestSettings, timeoutMs: number): PaymentProvider {
  async function find(key: string): Promise<OperationRow | undefined> {
    return db.selectFrom('payment_test_operations').select(['status', 'reference', 'reason']).where('provider_key', '=', key).executeTakeFirst();
  }
  async function remember(request: ProviderRequest, answer: ProviderAnswer, delayMs: number): Promise<ProviderAnswer> {
    await db.insertInto('payment_test_operations').values({
      provider_key: request.idempotencyKey, provider: code, operation: request.operation, amount_minor: request.amountMinor,
      status: answer.outcome, reference: answer.outcome === 'succeeded' ? answer.reference : null,
      reason: answer.outcome === 'failed' ? answer.reason : null, answer_at: sql<Date>`now() + make_interval(secs => ${delayMs / 1000})`,
    }).onConflict((oc) => oc.column('provider_key').doNothing()).execute();
    // A concurrent call with the same key may have been first: the key's first answer is the answer.
    const row = await find(request.idempotencyKey);
    return row ? answerOf(row) : answer;
  }
  return {
    code,
    async call(request) {
      const prior = await find(request.idempotencyKey);
      if (prior) return answerOf(prior);
      // The movement's own instruction (a capture's `test`) wins over the provider's settings.
      const told = request.test ?? settings;
      switch (told.outcome) {
        case 'approve':
          return remember(request, { outcome: 'succeeded', reference: `test_${randomUUID()}` }, 0);
        case 'decline':
          return remember(request, { outcome: 'failed', reason: told.reason ?? 'card_declined' }, 0);
        case 'timeout':
          await sleep(timeoutMs);
          throw new ProviderUnavailable(code, `no answer within ${timeoutMs} ms (test provider set to time out)`);
        case 'late': {
          const delayMs = told.delayMs ?? 2 * timeoutMs;
          const answer = await remember(request, { outcome: 'succeeded', reference: `test_${randomUUID()}` }, delayMs);
          if (delayMs >= timeoutMs) {
            await sleep(timeoutMs);
            throw new ProviderUnavailable(code, `no answer within ${timeoutMs} ms (test provider set to answer after ${delayMs} ms)`);
          }
          await sleep(delayMs);
          return answer;
        }
      }
    },
    async lookup(idempotencyKey) {
      const row = await find(idempotencyKey);
      return row ? answerOf(row) : null;
    },
  };
}

/**
 * Runs one mutating request as one transaction: the Idempotency-Key claim, the use case's writes, the audit row
 * and the stored response all commit together or not at all.
 *
 * Idempotency: the key row is inserted first, inside the transaction. A second request with the same key blocks on
 * the unique index until the first commits (then replays its stored response) or rolls back (then does the work
 * itself), so concurrent retries do the work exactly once. Failed requests store nothing and may be retried.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { writeAudit } from '../access/audit.repository.js';
import type { Db, Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { AppError } from '../shared/errors.js';

export interface CommandOutcome<T> {
  status: number;
  body: T;
  audit: { action: string; entityType: string; entityId: string | null; details?: Record<string, unknown> } | null;
}

export interface CommandContext {
  requestId: string;
  actorId: string;
  actorName: string;
  /** 1 on the first run; higher when the runner retries after a deadlock or a RetryCommand. */
  attempt: number;
}

/** Thrown out of the transaction (rolling back the no-op claim) to answer with the stored response. */
class Replay extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super('idempotent replay');
  }
}

/**
 * Thrown when a command lost a race it can win by running again from the start (e.g. a row it meant to create was
 * created meanwhile). The runner retries it like a deadlock; callers never see it.
 */
export class RetryCommand extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RetryCommand';
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const RETRIES = 3;

export type RunCommand = <T>(
  request: FastifyRequest,
  reply: FastifyReply,
  work: (trx: Trx, ctx: CommandContext) => Promise<CommandOutcome<T>>,
) => Promise<T>;

export function commandRunner(db: Db): RunCommand {
  return async function runCommand<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (trx: Trx, ctx: CommandContext) => Promise<CommandOutcome<T>>,
  ): Promise<T> {
    const key = idempotencyKey(request);
    const requestHash = key ? hashRequest(request) : '';
    for (let attempt = 1; ; attempt++) {
      const ctx: CommandContext = { requestId: request.id, actorId: request.principal.id, actorName: request.principal.name, attempt };
      try {
        const outcome = await db.transaction().execute(async (trx) => {
          if (key) await claimKey(trx, ctx.actorId, key, request, requestHash);
          const result = await work(trx, ctx);
          if (result.audit) {
            await writeAudit(trx, { actorId: ctx.actorId, actorName: ctx.actorName, ...result.audit, requestId: ctx.requestId });
          }
          if (key) {
            await trx
              .updateTable('idempotency_keys')
              .set({ response_status: result.status, response_body: JSON.stringify(result.body) })
              .where('principal_id', '=', ctx.actorId)
              .where('key', '=', key)
              .execute();
          }
          return result;
        });
        reply.code(outcome.status);
        return outcome.body;
      } catch (e) {
        if (e instanceof Replay) {
          reply.code(e.status).header('idempotent-replayed', 'true');
          return e.body as T;
        }
        // Deadlocks and serialization failures are the database asking for a retry; the caller never sees them.
        const retryable = e instanceof RetryCommand
          || (isPgError(e) && (e.code === pgCode.deadlockDetected || e.code === pgCode.serializationFailure));
        if (retryable && attempt < RETRIES) continue;
        throw e;
      }
    }
  };
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !KEY_PATTERN.test(raw)) {
    throw new AppError('invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 printable ASCII characters (a UUID is a good choice)');
  }
  return raw;
}

function hashRequest(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

async function claimKey(trx: Trx, principalId: string, key: string, request: FastifyRequest, requestHash: string) {
  const claimed = await trx
    .insertInto('idempotency_keys')
    .values({ principal_id: principalId, key, method: request.method, path: request.url, request_hash: requestHash })
    .onConflict((oc) => oc.columns(['principal_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (claimed) return;
  const first = await trx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response_status', 'response_body', 'method', 'path'])
    .where('principal_id', '=', principalId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  if (first.request_hash !== requestHash) {
    throw new AppError(
      'idempotency_key_reused',
      `this Idempotency-Key was already used for another request (${first.method} ${first.path}); use a new key for a new request`,
    );
  }
  throw new Replay(first.response_status ?? 200, first.response_body);
}

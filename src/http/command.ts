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
import type { Db, DbOrTrx, Trx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import {
  claimKey, isRetryable, MAX_ATTEMPTS, persistOutcome, Replay,
  type CommandContext, type CommandResult, type IdempotencyClaim,
} from '../db/command.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** A use case run in a transaction of its own. */
export type TransactionalWork<T> = (trx: Trx, ctx: CommandContext) => Promise<CommandResult<T>>;
/** A use case that may run without a transaction: it is given the pool on the attempts that run in autocommit. */
export type AutocommitWork<T> = (db: DbOrTrx, ctx: CommandContext) => Promise<CommandResult<T>>;

export interface RunOptions<T = unknown> {
  /** The use case claims the Idempotency-Key itself (ctx.idempotency). */
  ownsIdempotency?: boolean;
  /**
   * The HTTP status of a result. The default is the REST one: 201 when the command created something, else 200.
   * A use case that stores its answer itself (`persisted`) is told the created status through its claim.
   */
  status?: (result: CommandResult<T>) => number;
}

export interface AutocommitOptions<T = unknown> extends RunOptions<T> {
  /**
   * No transaction on these attempts: the use case writes in single statements of its own (claim, change, audit) and
   * answers `persisted`. A function decides per attempt; the others run in a transaction.
   */
  autocommit: boolean | ((attempt: number) => boolean);
}

export interface RunCommand {
  <T>(request: FastifyRequest, reply: FastifyReply, work: AutocommitWork<T>, opts: AutocommitOptions<T>): Promise<T>;
  <T>(request: FastifyRequest, reply: FastifyReply, work: TransactionalWork<T>, opts?: RunOptions<T>): Promise<T>;
}

const restStatus = (result: CommandResult<unknown>): number => (result.created ? 201 : 200);

export function commandRunner(db: Db): RunCommand {
  return async function runCommand<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    work: TransactionalWork<T> | AutocommitWork<T>,
    opts: Partial<AutocommitOptions<T>> = {},
  ): Promise<T> {
    const statusOf = opts.status ?? restStatus;
    const key = idempotencyKey(request);
    const requestHash = key ? hashRequest(request) : '';
    const claim = key ? {
      principalId: request.principal.id, key, method: request.method, path: request.url, requestHash,
      createdStatus: statusOf({ created: true, value: undefined as T, audit: null }),
    } : null;
    const actor = { requestId: request.id, actorId: request.principal.id, actorName: request.principal.name };
    try {
      const result = await executeCommand(db, actor, claim, work, statusOf, opts);
      reply.code(statusOf(result));
      return result.value;
    } catch (e) {
      if (!(e instanceof Replay)) throw e;
      reply.code(e.status).header('idempotent-replayed', 'true');
      return e.body as T;
    }
  };
}

/**
 * Runs a command with its retries: each attempt in a transaction of its own (or autocommit), the key claimed and the
 * outcome stored unless the use case does it. Throws `Replay` for a key answered before.
 */
async function executeCommand<T>(
  db: Db,
  actor: Pick<CommandContext, 'requestId' | 'actorId' | 'actorName'>,
  claim: IdempotencyClaim | null,
  work: TransactionalWork<T> | AutocommitWork<T>,
  statusOf: (result: CommandResult<T>) => number,
  opts: Partial<AutocommitOptions<T>>,
): Promise<CommandResult<T>> {
  for (let attempt = 1; ; attempt++) {
    const ctx: CommandContext = { ...actor, attempt, idempotency: opts.ownsIdempotency ? claim : null };
    try {
      const autocommit = typeof opts.autocommit === 'function' ? opts.autocommit(attempt) : opts.autocommit;
      return autocommit
        // A use case that does all its writing in ONE statement (claim, change, audit) needs no BEGIN/COMMIT: the
        // statement is atomic by itself, and the row locks it takes are held for that statement only. (It may read
        // first, as batched captures do: the write statement checks again what it depends on.)
        // Only AutocommitWork may ask for it (RunCommand's overloads).
        ? await runAutocommit(db, ctx, work as AutocommitWork<T>)
        : await db.transaction().execute(async (trx) => {
          if (claim && !opts.ownsIdempotency) await claimKey(trx, claim);
          const result = await work(trx, ctx);
          if (!result.persisted) await persistOutcome(trx, ctx, claim, result, statusOf(result));
          return result;
        });
    } catch (e) {
      if (isRetryable(e) && attempt < MAX_ATTEMPTS) continue;
      throw e;
    }
  }
}

/** The request's Idempotency-Key, if it sent one; a malformed key is the client's error. */
export function idempotencyKey(request: FastifyRequest): string | undefined {
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

async function runAutocommit<T>(db: Db, ctx: CommandContext, work: AutocommitWork<T>): Promise<CommandResult<T>> {
  // The work gets the pool: it must write in a single statement and answer `persisted` (audit and answer written by
  // that statement). A step that needs a transaction asks for one with `inTransaction`, and fails loudly here.
  const result = await work(db, ctx);
  if (!result.persisted) throw new Error('an autocommit command must write its audit row and answer itself');
  return result;
}

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
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { AppError } from '../shared/errors.js';

export interface AuditOf {
  action: string;
  entityType: string;
  entityId: string | null;
  details?: Record<string, unknown>;
}

export interface CommandOutcome<T> {
  status: number;
  body: T;
  audit: AuditOf | null;
  /** The use case already wrote the audit row and stored the idempotent response in its own statements. */
  persisted?: boolean;
}

/** What a use case needs to claim an Idempotency-Key itself (routes run with `ownsIdempotency`). */
export interface IdempotencyClaim {
  principalId: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
}

export interface CommandContext {
  requestId: string;
  actorId: string;
  actorName: string;
  /** 1 on the first run; higher when the runner retries after a deadlock or a RetryCommand. */
  attempt: number;
  /** Set when the route lets the use case claim the key in its own first statement (hot paths, fewer round trips). */
  idempotency: IdempotencyClaim | null;
}

/** Thrown out of the transaction (rolling back the no-op claim) to answer with the stored response. */
export class Replay extends Error {
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

/**
 * A command that lost a race it can win by running again: a RetryCommand, or the database asking for a retry (a
 * deadlock, a serialization failure). The caller never sees these.
 */
export const isRetryable = (e: unknown): boolean =>
  e instanceof RetryCommand || (isPgError(e) && (e.code === pgCode.deadlockDetected || e.code === pgCode.serializationFailure));

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const RETRIES = 3;

export type RunCommand = <T>(
  request: FastifyRequest,
  reply: FastifyReply,
  work: (trx: Trx, ctx: CommandContext) => Promise<CommandOutcome<T>>,
  opts?: RunOptions,
) => Promise<T>;

export interface RunOptions {
  /** The use case claims the Idempotency-Key itself (ctx.idempotency). */
  ownsIdempotency?: boolean;
  /** No transaction: the use case writes in single statements of its own. A function decides per attempt. */
  autocommit?: boolean | ((attempt: number) => boolean);
}

export function commandRunner(db: Db): RunCommand {
  return async function runCommand<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (trx: Trx, ctx: CommandContext) => Promise<CommandOutcome<T>>,
    opts: RunOptions = {},
  ): Promise<T> {
    const key = idempotencyKey(request);
    const requestHash = key ? hashRequest(request) : '';
    const claim = key ? { principalId: request.principal.id, key, method: request.method, path: request.url, requestHash } : null;
    const actor = { requestId: request.id, actorId: request.principal.id, actorName: request.principal.name };
    try {
      const outcome = await executeCommand(db, actor, claim, work, opts);
      reply.code(outcome.status);
      return outcome.body;
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
  work: (trx: Trx, ctx: CommandContext) => Promise<CommandOutcome<T>>,
  opts: RunOptions = {},
): Promise<CommandOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    const ctx: CommandContext = { ...actor, attempt, idempotency: opts.ownsIdempotency ? claim : null };
    try {
      const autocommit = typeof opts.autocommit === 'function' ? opts.autocommit(attempt) : opts.autocommit;
      return autocommit
        // A use case that does all its writing in ONE statement (claim, change, audit) needs no BEGIN/COMMIT: the
        // statement is atomic by itself, and the row locks it takes are held for that statement only. (It may read
        // first, as batched captures do: the write statement checks again what it depends on.)
        ? await runAutocommit(db, ctx, work)
        : await db.transaction().execute(async (trx) => {
          if (claim && !opts.ownsIdempotency) await claimKey(trx, claim);
          const result = await work(trx, ctx);
          if (!result.persisted) await persistOutcome(trx, ctx, claim, result);
          return result;
        });
    } catch (e) {
      if (isRetryable(e) && attempt < RETRIES) continue;
      throw e;
    }
  }
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

async function runAutocommit<T>(db: Db, ctx: CommandContext, work: (trx: Trx, ctx: CommandContext) => Promise<CommandOutcome<T>>) {
  // The work receives the pool-level handle typed as a transaction: it must write in a single statement and
  // return `persisted: true` (audit and answer written by that statement).
  const result = await work(db as unknown as Trx, ctx);
  if (!result.persisted) throw new Error('an autocommit command must write its audit row and answer itself');
  return result;
}

/** The audit row and the stored response, in one statement. */
async function persistOutcome<T>(trx: Trx, ctx: CommandContext, claim: IdempotencyClaim | null, result: CommandOutcome<T>): Promise<void> {
  const audit = result.audit;
  if (!audit && !claim) return;
  await sql`
    WITH audit AS (
      INSERT INTO audit_log (actor_id, actor_name, action, entity_type, entity_id, request_id, details)
      SELECT ${ctx.actorId}::uuid, ${ctx.actorName}, ${audit?.action ?? ''}, ${audit?.entityType ?? ''}, ${audit?.entityId ?? null},
             ${ctx.requestId}, ${JSON.stringify(audit?.details ?? {})}::jsonb
      WHERE ${audit !== null}
    )
    UPDATE idempotency_keys SET response_status = ${result.status}, response_body = ${JSON.stringify(result.body)}::jsonb
    WHERE principal_id = ${claim?.principalId ?? null} AND key = ${claim?.key ?? null}`.execute(trx);
}

/**
 * The claim as a CTE plus two output columns, for a use case's first statement: `claimed` (this request owns the key)
 * and `prior` (the first request's row). Interpret the row with `checkClaim`.
 */
export function claimSql(claim: IdempotencyClaim | null, answer?: { status: number; body: unknown }) {
  if (!claim) return { cte: sql`claim AS (SELECT NULL::text AS key WHERE false)`, columns: sql`true AS claimed, NULL::json AS prior` };
  // A use case that knows its answer before writing stores it with the claim: a sibling CTE could not update a row
  // this statement inserts. If the work then fails, the transaction rolls the claim back with it.
  return {
    cte: sql`claim AS (
      INSERT INTO idempotency_keys (principal_id, key, method, path, request_hash, response_status, response_body)
      VALUES (${claim.principalId}, ${claim.key}, ${claim.method}, ${claim.path}, ${claim.requestHash},
              ${answer?.status ?? null}, ${answer ? JSON.stringify(answer.body) : null}::jsonb)
      ON CONFLICT (principal_id, key) DO NOTHING RETURNING key)`,
    columns: sql`EXISTS (SELECT 1 FROM claim) AS claimed,
      (SELECT row_to_json(k) FROM (SELECT request_hash, response_status, response_body, method, path FROM idempotency_keys
        WHERE principal_id = ${claim.principalId} AND key = ${claim.key}) k) AS prior`,
  };
}

interface PriorRequest {
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
  method: string;
  path: string;
}

/** Continues when this request owns the key; otherwise replays the first answer, or refuses a different request. */
export function checkClaim(claim: IdempotencyClaim | null, row: { claimed: boolean; prior: PriorRequest | null }): void {
  if (!claim || row.claimed) return;
  // The first request committed while this statement waited on the key: its row is newer than this statement's
  // snapshot. Run again; the next statement sees it.
  if (!row.prior) throw new RetryCommand('idempotency key committed concurrently');
  if (row.prior.request_hash !== claim.requestHash) {
    throw new AppError(
      'idempotency_key_reused',
      `this Idempotency-Key was already used for another request (${row.prior.method} ${row.prior.path}); use a new key for a new request`,
    );
  }
  throw new Replay(row.prior.response_status ?? 200, row.prior.response_body);
}

/** Claims the key in a statement of its own (the runner does this unless the use case owns idempotency). */
export async function claimKey(trx: Trx, claim: IdempotencyClaim): Promise<void> {
  const { cte, columns } = claimSql(claim);
  const result = await sql<{ claimed: boolean; prior: PriorRequest | null }>`WITH ${cte} SELECT ${columns}`.execute(trx);
  checkClaim(claim, result.rows[0] as { claimed: boolean; prior: PriorRequest | null });
}

/**
 * A command as a use case sees it, independent of HTTP: what it is given (`CommandContext`), what it returns
 * (`CommandResult`: what it produced and whether it created it; the route decides the HTTP status), the races it may ask to run again (`RetryCommand`), and the Idempotency-Key claim in SQL for use
 * cases that claim the key in their own first statement. The HTTP runner (src/http/command.ts) drives these; a
 * repository or use case imports this file, never the transport layer.
 */
import { sql } from 'kysely';
import { AppError } from '../shared/errors.js';
import type { Trx } from './database.js';
import { isPgError, pgCode } from './pg-errors.js';

/** How often a command runs at most: the first try and its retries after a deadlock, a serialization failure or a RetryCommand. */
export const MAX_ATTEMPTS = 3;

export interface AuditOf {
  action: string;
  entityType: string;
  entityId: string | null;
  details?: Record<string, unknown>;
}

/** What a use case answers: its value, whether it created something new, and what the audit log records. */
export interface CommandResult<T> {
  /** True when the command made something that did not exist (an order, a shipment, a hold, a movement); false when it changed or found one. */
  created: boolean;
  value: T;
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
  /**
   * The status the route answers when the command creates what it was asked to: a use case that stores its answer
   * with the key in its own statement (`persisted`) stores this one.
   */
  createdStatus: number;
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

/** The audit row and the stored response (the status the route chose for the result), in one statement. */
export async function persistOutcome<T>(trx: Trx, ctx: CommandContext, claim: IdempotencyClaim | null, result: CommandResult<T>, status: number): Promise<void> {
  const audit = result.audit;
  if (!audit && !claim) return;
  // Without a key the answer is not stored: it is not written out either (a sync answer of 5,000 rows is 0.5 MB).
  await sql`
    WITH audit AS (
      INSERT INTO audit_log (actor_id, actor_name, action, entity_type, entity_id, request_id, details)
      SELECT ${ctx.actorId}::uuid, ${ctx.actorName}, ${audit?.action ?? ''}, ${audit?.entityType ?? ''}, ${audit?.entityId ?? null},
             ${ctx.requestId}, ${JSON.stringify(audit?.details ?? {})}::jsonb
      WHERE ${audit !== null}
    )
    UPDATE idempotency_keys SET response_status = ${status}, response_body = ${claim ? JSON.stringify(result.value) : null}::jsonb
    WHERE principal_id = ${claim?.principalId ?? null} AND key = ${claim?.key ?? null}`.execute(trx);
}

/**
 * The claim as a CTE plus two output columns, for a use case's first statement: `claimed` (this request owns the key)
 * and `prior` (the first request's row). Interpret the row with `checkClaim`.
 */
export function claimSql(claim: IdempotencyClaim | null) {
  if (!claim) return { cte: sql`claim AS (SELECT NULL::text AS key WHERE false)`, columns: sql`true AS claimed, NULL::json AS prior` };
  // The answer is stored later in the same transaction (persistOutcome, or the use case's write statement); if the
  // work fails, the transaction rolls the claim back with it.
  return {
    cte: sql`claim AS (
      INSERT INTO idempotency_keys (principal_id, key, method, path, request_hash, response_status, response_body)
      VALUES (${claim.principalId}, ${claim.key}, ${claim.method}, ${claim.path}, ${claim.requestHash}, NULL, NULL)
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

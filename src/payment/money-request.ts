/**
 * The HTTP side of a money movement: every one needs an Idempotency-Key (a 428 without one) — the key finds the
 * ledger row of a repeated request, so a retry after a timeout never pays twice — and the answer's status comes from
 * the row (201 settled, 202 pending; a decline is a 402 thrown by the use case).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandResult } from '../db/command.js';
import { idempotencyKey } from '../http/command.js';
import { AppError } from '../shared/errors.js';
import { fingerprintOf, type MoneyRequest } from './move-money.js';
import type { Payment } from './payment.js';

export function moneyRequest(request: FastifyRequest): MoneyRequest {
  // Checked as every command's key is (http/command.ts); here a missing one is refused too.
  const raw = idempotencyKey(request);
  if (raw === undefined) {
    throw new AppError('idempotency_key_required', 'money movements need an Idempotency-Key header (a UUID is a good choice): a retry with the same key never moves money twice');
  }
  return {
    ctx: { requestId: request.id, actorId: request.principal.id, actorName: request.principal.name },
    key: raw,
    fingerprint: fingerprintOf({ method: request.method, url: request.url, body: request.body ?? null }),
  };
}

/** The status of a money movement's answer: 201 settled, 202 still pending at the provider. */
export function answer(reply: FastifyReply, result: CommandResult<Payment>): Payment {
  reply.code(result.value.status === 'pending' ? 202 : 201);
  return result.value;
}

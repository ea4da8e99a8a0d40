/**
 * The one error handler: every failure leaves as application/problem+json (RFC 9457) with a stable `code`, a
 * `detail` that says what to fix, and the request id. Client mistakes are 4xx; only Ordo's own faults are 5xx.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { AppError, errorStatus, type ErrorCode, type FieldError } from '../shared/errors.js';

const titles: Record<ErrorCode, string> = {
  validation_failed: 'The request is not valid',
  malformed_json: 'The body is not valid JSON',
  invalid_cursor: 'Unknown cursor',
  invalid_idempotency_key: 'Invalid Idempotency-Key',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  route_not_found: 'No such route',
  method_not_allowed: 'Method not allowed',
  not_acceptable: 'Not acceptable',
  payload_too_large: 'The body is too large',
  unsupported_media_type: 'Unsupported content type',
  bulk_rejected: 'Some items are not valid; nothing was written',
  conflict: 'Conflict with the current state',
  already_exists: 'Already exists',
  idempotency_key_reused: 'Idempotency-Key reused with another request',
  version_conflict: 'The resource changed meanwhile',
  insufficient_stock: 'Not enough stock',
  stock_conflict: 'The stock change conflicts with the current numbers',
  quantity_limit_exceeded: 'A quantity would pass its limit',
  invalid_state: 'Not allowed in the current state',
  internal_error: 'Internal error',
  not_ready: 'Not ready',
};

export function problemBody(code: ErrorCode, detail: string, requestId: string, extra: Record<string, unknown> = {}) {
  // The standard members come last so that no extra can overwrite them.
  return {
    ...extra,
    type: `urn:ordo:problem:${code}`,
    title: titles[code],
    status: errorStatus[code],
    code,
    detail,
    requestId,
  };
}

export function sendProblem(reply: FastifyReply, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
  return reply
    .code(errorStatus[code])
    .type('application/problem+json')
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send(problemBody(code, detail, reply.request.id, extra));
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldErrors(all: AjvError[], context: string): FieldError[] {
  // A nullable field (`null` or an object) that is wrong inside reports "must be null" and "must match a schema in
  // anyOf" besides the real problem: keep only the real one when there is one.
  const noise = (e: AjvError) => e.keyword === 'anyOf' || (e.keyword === 'type' && e.params.type === 'null');
  const specific = all.filter((e) => !noise(e));
  const errors = specific.length > 0 ? specific : all;
  return errors.map((e) => {
    const base = `/${context}${e.instancePath}`;
    switch (e.keyword) {
      case 'additionalProperties':
        return { path: `${base}/${String(e.params.additionalProperty)}`, message: 'unknown field; remove it' };
      case 'required':
        return { path: `${base}/${String(e.params.missingProperty)}`, message: 'required field is missing' };
      default:
        return { path: base, message: e.message ?? e.keyword };
    }
  });
}

/** Fastify's own client-error codes, mapped to Ordo's. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
};

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    if (errorStatus[error.code] >= 500) request.log.error({ err: error }, error.message);
    return sendProblem(reply, error.code, error.detail, error.extra);
  }
  if (error.validation) {
    const errors = fieldErrors(error.validation, error.validationContext ?? 'body');
    const first = errors[0];
    const detail = first ? `${first.path}: ${first.message}` + (errors.length > 1 ? ` (and ${errors.length - 1} more)` : '') : error.message;
    return sendProblem(reply, 'validation_failed', detail, { errors });
  }
  const mapped = error.code ? fastifyCodes[error.code] : undefined;
  if (mapped) return sendProblem(reply, mapped, error.message);
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return sendProblem(reply, 'malformed_json', `the body is not valid JSON: ${error.message}`);
  }
  const cause: unknown = error;
  if (isPgError(cause)) {
    // A constraint the schema holds caught something the code's checks let through: the client's request clashed
    // with the current data (a concurrent change, a duplicate). Not a server fault, but worth a warning.
    if (cause.code === pgCode.uniqueViolation) {
      request.log.warn({ err: cause }, 'unique violation reached the error handler');
      return sendProblem(reply, 'already_exists', `a record with the same ${cause.constraint ?? 'key'} already exists`);
    }
    if (cause.code === pgCode.checkViolation && cause.constraint?.endsWith('_limit')) {
      // A quantity limit of migration 0013 (at most MAX_UNITS per row), reached by a writer other than the movement
      // statement (which refuses such a change itself).
      return sendProblem(reply, 'quantity_limit_exceeded', `a quantity would pass its limit of 1,000,000,000 units (${cause.constraint})`, { limit: 1_000_000_000 });
    }
    if (cause.code === pgCode.checkViolation || cause.code === pgCode.foreignKeyViolation) {
      request.log.warn({ err: cause }, 'constraint violation reached the error handler');
      return sendProblem(reply, 'conflict', `the change conflicts with the current data (${cause.constraint ?? cause.code})`);
    }
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    const code: ErrorCode =
      error.statusCode === 404 ? 'route_not_found' : error.statusCode === 413 ? 'payload_too_large'
        : error.statusCode === 415 ? 'unsupported_media_type' : error.statusCode === 405 ? 'method_not_allowed'
          : error.statusCode === 406 ? 'not_acceptable' : 'validation_failed';
    return sendProblem(reply, code, error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, 'internal_error', 'something went wrong on our side; the request id helps us find it');
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(reply, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}; see /docs`);
}

/**
 * The one error handler: every failure leaves as application/problem+json (RFC 9457) with a stable `code`, a
 * `detail` that says what to fix, and the request id. Client mistakes are 4xx; only Ordo's own faults are 5xx.
 */
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { isOverloaded, isPgError, pgCode } from '../db/pg-errors.js';
import { AppError, errorStatus, type ErrorCode, type FieldError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';

const titles: Record<ErrorCode, string> = {
  validation_failed: 'The request is not valid',
  malformed_json: 'The body is not valid JSON',
  malformed_url: 'The URL is not valid',
  malformed_request: 'The request is not valid HTTP',
  invalid_cursor: 'Unknown cursor',
  invalid_idempotency_key: 'Invalid Idempotency-Key',
  idempotency_key_required: 'An Idempotency-Key is required',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  route_not_found: 'No such route',
  method_not_allowed: 'Method not allowed',
  not_acceptable: 'Not acceptable',
  request_timeout: 'The request took too long to arrive',
  payload_too_large: 'The body is too large',
  rate_limited: 'Too many requests',
  uri_too_long: 'A part of the URL is too long',
  unsupported_media_type: 'Unsupported content type',
  headers_too_large: 'The headers are too large',
  bulk_rejected: 'Some items are not valid; nothing was written',
  conflict: 'Conflict with the current state',
  already_exists: 'Already exists',
  idempotency_key_reused: 'Idempotency-Key reused with another request',
  version_conflict: 'The resource changed meanwhile',
  insufficient_stock: 'Not enough stock',
  stock_conflict: 'The stock change conflicts with the current numbers',
  quantity_limit_exceeded: 'A quantity would pass its limit',
  invalid_state: 'Not allowed in the current state',
  currency_mismatch: 'Not the order\'s currency',
  capture_exceeds_authorized: 'More than is authorised',
  refund_exceeds_captured: 'More than was captured',
  return_exceeds_shipped: 'More than was shipped',
  return_window_closed: 'The return window is closed',
  not_returnable: 'Not returnable',
  payment_declined: 'The payment provider declined',
  fx_rate_missing: 'No exchange rate for the day',
  ship_exceeds_open: 'More than the fulfilment order still holds',
  tracking_out_of_order: 'The tracking event does not fit the parcel\'s history',
  pickup_code_mismatch: 'The pickup code does not match',
  internal_error: 'Internal error',
  not_ready: 'Not ready',
  unavailable: 'Temporarily unavailable',
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

/** One item's error in a bulk that answers per item: the problem body a request of that item alone would have got. */
export function itemProblem(error: unknown, log: FastifyBaseLogger, requestId: string) {
  const problem = problemOf(error, log);
  const { code, detail, ...extra } = problemBody(problem.code, problem.detail, requestId, problem.extra);
  return { ...extra, code, detail };
}

export function sendProblem(reply: FastifyReply, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
  if (code === 'unavailable') reply.header('retry-after', '1');
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
  // A choice of constants (a union of literals) fails once per branch: say it once, naming what is allowed.
  const allowed = new Map<string, unknown[]>();
  for (const e of errors) {
    if (e.keyword === 'const') allowed.set(e.instancePath, [...(allowed.get(e.instancePath) ?? []), e.params.allowedValue]);
  }
  const reported = new Set<string>();
  const result: FieldError[] = [];
  for (const e of errors) {
    const base = `/${context}${e.instancePath}`;
    if (e.keyword === 'const' || e.keyword === 'enum') {
      const values = e.keyword === 'enum' ? (e.params.allowedValues as unknown[]) : (allowed.get(e.instancePath) ?? []);
      if (reported.has(base)) continue;
      reported.add(base);
      result.push({ path: base, message: values.length === 1 ? `must be ${JSON.stringify(values[0])}` : `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
      continue;
    }
    switch (e.keyword) {
      case 'additionalProperties':
        result.push({ path: `${base}/${String(e.params.additionalProperty)}`, message: 'unknown field; remove it' });
        break;
      case 'required':
        result.push({ path: `${base}/${String(e.params.missingProperty)}`, message: 'required field is missing' });
        break;
      default:
        result.push({ path: base, message: e.message ?? e.keyword });
    }
  }
  return result;
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
    return sendProblem(reply, error.code, error.detail, withFieldErrors(error, request));
  }
  if (error.validation) {
    const errors = fieldErrors(error.validation, error.validationContext ?? 'body');
    const first = errors[0];
    const detail = first ? `${first.path}: ${first.message}` + (errors.length > 1 ? ` (and ${errors.length - 1} more)` : '') : error.message;
    return sendProblem(reply, 'validation_failed', detail, { errors });
  }
  const mapped = error.code ? fastifyCodes[error.code] : undefined;
  if (mapped === 'unsupported_media_type') return sendProblem(reply, mapped, unsupportedType(request));
  if (mapped) return sendProblem(reply, mapped, error.message);
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return sendProblem(reply, 'malformed_json', `the body is not valid JSON: ${error.message}`);
  }
  const cause: unknown = error;
  if (!isPgError(cause) && error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    const code: ErrorCode =
      error.statusCode === 404 ? 'route_not_found' : error.statusCode === 413 ? 'payload_too_large'
        : error.statusCode === 415 ? 'unsupported_media_type' : error.statusCode === 405 ? 'method_not_allowed'
          : error.statusCode === 406 ? 'not_acceptable' : 'validation_failed';
    return sendProblem(reply, code, code === 'unsupported_media_type' ? unsupportedType(request) : error.message);
  }
  const problem = problemOf(error, request.log);
  return sendProblem(reply, problem.code, problem.detail, problem.extra);
}

/**
 * What an error that is not the client's request itself means for the client, for the error handler and for a bulk
 * that answers per item. Unique, check and foreign-key violations: the request clashed with the current data (a
 * concurrent change, a duplicate) that a constraint caught after the code's checks let it through; not a server fault,
 * but worth a warning. Anything else is Ordo's fault: a 500, logged with its stack.
 */
export function problemOf(error: unknown, log: FastifyBaseLogger): AppError {
  if (error instanceof AppError) return error;
  if (isPgError(error)) {
    if (error.code === pgCode.uniqueViolation) {
      log.warn({ err: error }, 'unique violation reached the error handler');
      return new AppError('already_exists', `a record with the same ${error.constraint ?? 'key'} already exists`);
    }
    if (error.code === pgCode.checkViolation && error.constraint?.endsWith('_limit')) {
      // A quantity limit of migration 0013 (at most MAX_UNITS per row), reached by a writer other than the movement
      // statement (which refuses such a change itself).
      return new AppError('quantity_limit_exceeded', `a quantity would pass its limit of 1,000,000,000 units (${error.constraint})`, { limit: 1_000_000_000 });
    }
    if (error.code === pgCode.checkViolation || error.code === pgCode.foreignKeyViolation) {
      log.warn({ err: error }, 'constraint violation reached the error handler');
      return new AppError('conflict', `the change conflicts with the current data (${error.constraint ?? error.code})`);
    }
    if (isOverloaded(error.code)) {
      // The database refused a connection (too many clients, starting up or shutting down): nothing was done, and
      // the same request a moment later may pass. Not the client's fault, and no bug of Ordo's either.
      log.warn({ err: error }, 'the database refused a connection');
      return new AppError('unavailable', 'the database is busy or restarting; nothing was done: send the same request again in a moment (with the same Idempotency-Key)');
    }
  }
  log.error({ err: error }, 'unhandled error');
  return new AppError('internal_error', 'something went wrong on our side; the request id helps us find it');
}

/** Every validation_failed names the field at fault in `errors[]`; one thrown without says the request part. */
function withFieldErrors(error: AppError, request: FastifyRequest): AppError['extra'] {
  if (error.code !== 'validation_failed' || error.extra.errors) return error.extra;
  return { ...error.extra, errors: [{ path: request.body === undefined ? '/querystring' : '/body', message: error.detail }] };
}

const unsupportedType = (request: FastifyRequest) =>
  `send the body as JSON with the header Content-Type: application/json (this request sent ${request.headers['content-type'] ? `Content-Type: ${request.headers['content-type']}` : 'no Content-Type'})`;

/**
 * Errors Fastify meets before routing (the `frameworkErrors` option): a path that is not valid percent-encoded UTF-8,
 * a path parameter past `maxParamLength`. They leave as problem+json like every other error, with the request id.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return sendProblem(reply, 'malformed_url', 'the path is not valid percent-encoded UTF-8; encode text as UTF-8 before percent-encoding it');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return sendProblem(reply, 'uri_too_long', 'a path parameter is longer than any id or code Ordo gives out');
    default: {
      const problem = problemOf(error, request.log);
      return sendProblem(reply, problem.code, problem.detail, problem.extra);
    }
  }
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a control character in a header, a malformed request
 * line, headers past the size limit, a request that never finishes arriving): the answer is written to the socket
 * directly, still as problem+json with a code and a request id, and the connection is closed.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail]: [ErrorCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? ['request_timeout', 'the request did not arrive in time; send it again']
      : error.code === 'HPE_HEADER_OVERFLOW' ? ['headers_too_large', 'the request headers are too large; send fewer or shorter headers']
        : ['malformed_request', `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'}): check the request line and the headers (no control characters in a header value)`];
  const requestId = newId();
  this.log.debug({ err: error, requestId }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(problemBody(code, detail, requestId));
    const status = errorStatus[code];
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/problem+json\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(reply, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}; see /docs`);
}

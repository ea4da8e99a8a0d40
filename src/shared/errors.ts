/**
 * Errors carry a stable machine-readable code, never an HTTP status. The one table below maps every code to a
 * status; `satisfies` makes a code without a status a compile error.
 */
export const errorStatus = {
  // the request itself
  validation_failed: 400,
  malformed_json: 400,
  malformed_url: 400,
  malformed_request: 400,
  invalid_cursor: 400,
  invalid_idempotency_key: 400,
  idempotency_key_required: 428,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  request_timeout: 408,
  payload_too_large: 413,
  rate_limited: 429,
  uri_too_long: 414,
  unsupported_media_type: 415,
  headers_too_large: 431,
  bulk_rejected: 422,
  // conflicts with the current state
  conflict: 409,
  already_exists: 409,
  idempotency_key_reused: 409,
  version_conflict: 409,
  insufficient_stock: 409,
  stock_conflict: 409,
  quantity_limit_exceeded: 409,
  invalid_state: 409,
  // money and returns (docs/payments.md): each names the numbers involved
  currency_mismatch: 409,
  capture_exceeds_authorized: 409,
  refund_exceeds_captured: 409,
  return_exceeds_shipped: 409,
  return_window_closed: 409,
  not_returnable: 409,
  payment_declined: 402,
  fx_rate_missing: 409,
  // fulfilment (docs/fulfillment.md): each names the numbers involved
  ship_exceeds_open: 409,
  tracking_out_of_order: 409,
  pickup_code_mismatch: 409,
  // the server's side
  internal_error: 500,
  not_ready: 503,
  unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldError {
  /** JSON pointer into the request, e.g. `/body/items/3/price/amountMinor`. */
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** What went wrong and what to do about it, for a person. */
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    // A client's mistake (below 500) is answered and never logged with a stack, so none is captured: about 8 µs each,
    // 3-7 % of the server's thread while a flash sale answers thousands of 409s a second (docs/benchmarks.md).
    const limit = Error.stackTraceLimit;
    if (errorStatus[code] < 500) Error.stackTraceLimit = 0;
    super(detail);
    Error.stackTraceLimit = limit;
    this.name = 'AppError';
  }
}

/** A 400 for one field a schema cannot check, reported like the schema's own errors (`errors[]` with the path). */
export const invalidField = (path: string, message: string): AppError =>
  new AppError('validation_failed', `${path}: ${message}`, { errors: [{ path, message }] });

export const notFound = (entity: string, id: string): AppError =>
  new AppError('not_found', `${entity} ${JSON.stringify(id)} does not exist`, { entity, id });

/**
 * The 409 for a change made against a version that is no longer current (If-Match): names the current version so the
 * caller can reload and apply the change again. `expected` is quoted as the caller sent it.
 */
export const versionConflict = (entity: string, currentVersion: number, expected: number | string | undefined): AppError =>
  new AppError('version_conflict', `the ${entity} is at version ${currentVersion}, not ${String(expected)}; reload it and apply your change again`, {
    currentVersion,
  });

/** After a versioned UPDATE changed no row: a 404 when the row is gone, else the version conflict. */
export function missingOrConflict(entity: string, id: string, current: { version: number } | undefined, expected: number | string | undefined): AppError {
  return current ? versionConflict(entity, current.version, expected) : notFound(entity, id);
}

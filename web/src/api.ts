/**
 * The public /v1 API, with the session cookie. Writes send the session's CSRF token; a 401 means the session ended
 * and the UI shows the sign-in form again.
 */
export interface Session {
  user: { id: string; email: string; name: string; role: string };
  permissions: string[];
  personalData: 'full' | 'shipping' | 'masked';
  csrfToken: string;
  expiresAt: string;
}

/** A refusal of the API: its status, stable code, message (`detail`) and, for a 400, each field at fault. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly errors: { path: string; message: string }[] = []) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => undefined;

export const setSession = (s: Session | null): void => { csrfToken = s?.csrfToken ?? ''; };
export const whenSignedOut = (f: () => void): void => { onSignedOut = f; };

/**
 * `idempotent`: send a fresh Idempotency-Key (routes that move money require one; a retry of the same click would
 * reuse it, a new click makes a new one).
 */
export async function api<T>(method: string, path: string, body?: unknown, opts: { idempotent?: boolean; headers?: Record<string, string> } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.idempotent) headers['idempotency-key'] = crypto.randomUUID();
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/v1${path}`, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = (text ? JSON.parse(text) : null) as (T & { code?: string; detail?: string; errors?: { path: string; message: string }[] }) | null;
  if (!res.ok) {
    if (res.status === 401 && path !== '/session') onSignedOut();
    throw new ApiError(res.status, json?.code ?? 'error', json?.detail ?? res.statusText, json?.errors ?? []);
  }
  return json as T;
}

/** A query string from a filter object: empty values left out, arrays repeated. */
export function query(params: Record<string, string | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of [v ?? []].flat()) if (one !== '') q.append(k, one);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Minor units in the currency's own decimals (JPY has none, EUR two). */
export function money(minor: number, currency: string, lang: string): string {
  const format = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en', { style: 'currency', currency });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

export const when = (iso: string, lang: string): string =>
  new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { dateStyle: 'medium', timeStyle: 'short' });

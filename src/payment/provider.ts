/**
 * Payment providers: the one true external boundary of the money side. Ordo asks a provider to capture, void or
 * refund an amount, always with an idempotency key of its own (the ledger row's `provider_key`), so asking twice —
 * after a timeout, after a crash between intent and outcome — never moves money twice; and it can ask what became of
 * a key (`lookup`), which is how a restart finishes what was pending.
 *
 * Two built-ins: `offline` (cash on delivery, bank transfer, B2B invoice: nothing to call — a person or a bank file
 * says the money came, so the movement succeeds as recorded) and `http`, a provider reached over HTTP with the small
 * JSON protocol of docs/payments.md (tests play one with a local server: approve, decline, time out, answer late).
 */
export type ProviderOperation = 'capture' | 'void' | 'refund';

export interface ProviderRequest {
  operation: ProviderOperation;
  /** The provider's idempotency key: the same key is the same movement, however often it is sent. */
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
  orderId: string;
  /** The provider's reference of the authorisation or capture this movement acts on, when it has one. */
  reference: string | null;
  /** For the test provider only: how to answer this movement (the capture's `test`), instead of its settings. */
  test?: { outcome: 'approve' | 'decline' | 'timeout' | 'late'; reason?: string; delayMs?: number };
}

export type ProviderAnswer =
  | { outcome: 'succeeded'; reference: string | null }
  | { outcome: 'failed'; reason: string };

export interface PaymentProvider {
  readonly code: string;
  call(request: ProviderRequest): Promise<ProviderAnswer>;
  /** What became of a key sent before; null when the provider never saw it. */
  lookup(idempotencyKey: string): Promise<ProviderAnswer | null>;
}

/** The provider did not answer in time (or not at all): the outcome is unknown, the row stays pending. */
export class ProviderUnavailable extends Error {
  constructor(readonly provider: string, reason: string) {
    super(`payment provider ${provider} did not answer: ${reason}`);
    this.name = 'ProviderUnavailable';
  }
}

/** Money that moves outside Ordo: the movement is what a person or a bank file recorded, so it succeeds. */
export const offlineProvider = (code: string): PaymentProvider => ({
  code,
  call: (request) => Promise.resolve({ outcome: 'succeeded', reference: request.reference }),
  // An offline movement is settled in the transaction that records it, so there is never one to look up.
  lookup: () => Promise.resolve(null),
});

interface HttpAnswer { status?: unknown; reference?: unknown; reason?: unknown }

function interpret(code: string, status: number, body: HttpAnswer): ProviderAnswer {
  if (status >= 200 && status < 300 && body.status === 'succeeded') {
    return { outcome: 'succeeded', reference: typeof body.reference === 'string' ? body.reference : null };
  }
  if (status >= 400 && status < 500 && body.status === 'failed') {
    return { outcome: 'failed', reason: typeof body.reason === 'string' && body.reason !== '' ? body.reason : 'declined' };
  }
  // A 5xx or an answer we cannot read says nothing about the money: treat it like no answer.
  throw new ProviderUnavailable(code, `unexpected answer HTTP ${status}`);
}

/**
 * A provider over HTTP: POST {baseUrl}/{operation} with the request as JSON and the `Idempotency-Key` header;
 * GET {baseUrl}/operations/{key} to look one up (404: never seen).
 */
export function httpProvider(code: string, baseUrl: string, timeoutMs: number): PaymentProvider {
  const base = baseUrl.replace(/\/+$/, '');
  async function send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new ProviderUnavailable(code, e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
  }
  async function readJson(res: Response): Promise<HttpAnswer> {
    try {
      return (await res.json()) as HttpAnswer;
    } catch {
      return {};
    }
  }
  return {
    code,
    async call(request) {
      const res = await send(`${base}/${request.operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey },
        body: JSON.stringify(request),
      });
      return interpret(code, res.status, await readJson(res));
    },
    async lookup(idempotencyKey) {
      const res = await send(`${base}/operations/${encodeURIComponent(idempotencyKey)}`, { method: 'GET' });
      if (res.status === 404) return null;
      return interpret(code, res.status, await readJson(res));
    },
  };
}

/**
 * Payments and returns end to end: the ledger per order, a payment provider played by a local HTTP server (approve,
 * decline, time out, answer late, a crash between intent and outcome), returns from request to refund with every
 * number explained to the cent, and the bad input each refused with its code and numbers.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { paymentChecks } from '../src/payment/index.js';
import { toBaseMinor } from '../src/payment/fx-rates.js';
import { returnChecks } from '../src/returns/index.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

// ---- a payment provider, played by a local HTTP server ---------------------------------------------------------------
type Mode = 'approve' | 'decline' | 'late' | 'down';
const provider = {
  mode: 'approve' as Mode,
  calls: [] as { operation: string; key: string; amountMinor: number }[],
  seen: new Map<string, { status: 'succeeded' | 'failed'; reference?: string; reason?: string }>(),
};
let server: Server;
let baseUrl = '';

const body = async (req: IncomingMessage) => {
  let raw = '';
  for await (const chunk of req) raw += String(chunk);
  return raw ? JSON.parse(raw) as Record<string, unknown> : {};
};

beforeAll(async () => {
  server = createServer((req, res) => void (async () => {
    const send = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    const lookup = /^\/operations\/(.+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && lookup) {
      const known = provider.seen.get(decodeURIComponent(lookup[1]!));
      return known ? send(known.status === 'succeeded' ? 200 : 402, known) : send(404, { status: 'unknown' });
    }
    const b = await body(req);
    const key = String(req.headers['idempotency-key']);
    provider.calls.push({ operation: (req.url ?? '').slice(1), key, amountMinor: Number(b.amountMinor) });
    const prior = provider.seen.get(key);
    if (prior) return send(prior.status === 'succeeded' ? 200 : 402, prior);
    if (provider.mode === 'down') return send(503, { error: 'maintenance' });
    if (provider.mode === 'decline') {
      provider.seen.set(key, { status: 'failed', reason: 'insufficient_funds' });
      return send(402, provider.seen.get(key));
    }
    const outcome = { status: 'succeeded' as const, reference: `psp_${provider.calls.length}` };
    provider.seen.set(key, outcome);
    if (provider.mode === 'late') await new Promise((r) => setTimeout(r, 600));
    return send(200, outcome);
  })());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await seedOrderWorld(t);
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-A', quantity: 500 }] } });
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH2', lines: [{ sku: 'ORD-C', quantity: 500 }] } });
  for (const code of ['PAY', 'SHIPCAP']) {
    expect((await t.http('POST', '/v1/channels', { body: { code, name: code, type: 'web', currency: 'EUR' } })).status).toBe(201);
  }
  expect((await t.http('PUT', '/v1/payment-providers/testpay', { body: { kind: 'http', baseUrl, timeoutMs: 300 } })).status).toBe(201);
  expect((await t.http('PUT', '/v1/channels/PAY/payment-policy', { body: { provider: 'testpay', capture: 'at_order' } })).status).toBe(200);
  expect((await t.http('PUT', '/v1/channels/SHIPCAP/payment-policy', { body: { provider: 'testpay', capture: 'at_shipment' } })).status).toBe(200);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

// ---- helpers ---------------------------------------------------------------------------------------------------------
const key = () => ({ 'idempotency-key': randomUUID() });
const post = (url: string, b: unknown = {}, opts: { key?: string; headers?: Record<string, string> } = {}) =>
  t.http('POST', url, { body: b, key: opts.key, headers: opts.headers ?? key() });

/**
 * Line A: 2 × 100.00, tax 18.00; line C: 1 × 50.00, tax 4.50; order discount 30.00 (stored shares 24.00 and 6.00 by
 * the lines' value); shipping 4.95: total 247.45, authorised in full.
 */
async function anOrderWithDiscount(channel = 'WEB', over: Record<string, unknown> = {}) {
  const lines = [{ sku: 'ORD-A', quantity: 2, unitPriceMinor: 10_000, taxMinor: 1800 }, { sku: 'ORD-C', quantity: 1, unitPriceMinor: 5000, taxMinor: 450 }];
  const res = await t.http('POST', '/v1/orders', {
    body: anOrder({
      channel, lines, orderDiscountMinor: 3000, shippingMinor: 495,
      totals: { subtotalMinor: 25_000, discountMinor: 3000, shippingMinor: 495, taxMinor: 2250, totalMinor: 24_745 },
      payment: { method: 'card', authorizedMinor: 24_745 }, ...over,
    }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; status: string; lines: { id: string; sku: string }[] };
}

async function shipAll(order: { id: string; lines: { id: string }[] }, quantities: number[]) {
  expect((await t.http('POST', `/v1/orders/${order.id}/release`, { body: {} })).status).toBe(200);
  const res = await t.http('POST', `/v1/orders/${order.id}/ship`, {
    body: { lines: order.lines.map((l, i) => ({ lineId: l.id, quantity: quantities[i] ?? 0 })).filter((l) => l.quantity > 0) },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

const money = async (orderId: string) => (await t.http('GET', `/v1/orders/${orderId}/payments`)).body;
const stock = async (sku: string, location: string) =>
  (await t.http('GET', `/v1/stock?sku=${sku}&location=${location}`)).body.data[0] as { onHand: number; quarantined: number };

async function returned(order: { id: string; lines: { id: string }[] }, units: [number, number][], location = 'OWH1') {
  const req = await post('/v1/returns', { order: order.id, reasonCode: 'wrong_size', lines: units.map(([i, quantity]) => ({ lineId: order.lines[i]!.id, quantity })) });
  expect(req.status, JSON.stringify(req.body)).toBe(201);
  const id = req.body.id as string;
  expect((await post(`/v1/returns/${id}/approve`)).status).toBe(200);
  const rec = await post(`/v1/returns/${id}/receive`, { location, lines: units.map(([i, quantity]) => ({ lineId: order.lines[i]!.id, quantity })) });
  expect(rec.status, JSON.stringify(rec.body)).toBe(200);
  const ins = await post(`/v1/returns/${id}/inspect`, { lines: units.map(([i, quantity]) => ({ lineId: order.lines[i]!.id, restock: quantity })) });
  expect(ins.status, JSON.stringify(ins.body)).toBe(200);
  return id;
}

// ---- the ledger ------------------------------------------------------------------------------------------------------
describe('the payment ledger per order', () => {
  it('starts with the authorisation the capture statement wrote, and shows paid, refunded and balance due', async () => {
    const order = await anOrderWithDiscount();
    const before = await money(order.id);
    expect(before).toMatchObject({ state: 'authorized', authorizedMinor: 24_745, capturedMinor: 0, balanceDueMinor: 24_745, provider: 'offline', capturePolicy: 'at_order' });
    expect(before.payments).toHaveLength(1);
    expect(before.payments[0]).toMatchObject({ kind: 'authorization', status: 'succeeded', provider: 'channel', method: 'card', amountMinor: 24_745 });

    const cap = await post(`/v1/orders/${order.id}/payments/capture`, { reference: 'bank transfer 4711' });
    expect(cap.status, JSON.stringify(cap.body)).toBe(201);
    expect(cap.body).toMatchObject({ kind: 'capture', status: 'succeeded', amountMinor: 24_745, provider: 'offline' });
    expect(await money(order.id)).toMatchObject({ state: 'paid', capturedMinor: 24_745, balanceDueMinor: 0, refundableMinor: 24_745 });
    const timeline = (await t.http('GET', `/v1/orders/${order.id}/timeline`)).body.data as { type: string; message: string }[];
    expect(timeline.find((e) => e.type === 'payment_capture')?.message).toBe('Captured 247.45 EUR (offline, bank transfer 4711)');
  });

  it('needs an Idempotency-Key for every money movement, and a repeat moves nothing twice', async () => {
    const order = await anOrderWithDiscount('PAY');
    const none = await t.http('POST', `/v1/orders/${order.id}/payments/capture`, { body: { amountMinor: 100 } });
    expect(none.status).toBe(428);
    expect(none.body.code).toBe('idempotency_key_required');

    provider.mode = 'approve';
    const headers = key();
    const first = await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 10_000 }, { headers });
    expect(first.status).toBe(201);
    const calls = provider.calls.length;
    const again = await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 10_000 }, { headers });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(provider.calls.length).toBe(calls);
    expect((await money(order.id)).capturedMinor).toBe(10_000);
    const other = await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 5000 }, { headers });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_key_reused');
  });

  it('refuses a capture above what is authorised, and a currency that is not the order\'s, with the numbers', async () => {
    const order = await anOrderWithDiscount('PAY');
    const over = await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 24_746 });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: 'capture_exceeds_authorized', amountMinor: 24_746, authorizedMinor: 24_745, capturedMinor: 0, capturableMinor: 24_745 });
    const usd = await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 100, currency: 'USD' });
    expect(usd.status).toBe(409);
    expect(usd.body).toMatchObject({ code: 'currency_mismatch', orderCurrency: 'EUR', requestedCurrency: 'USD' });
    expect((await money(order.id)).payments).toHaveLength(1);
  });

  it('voids what is left authorised after a partial capture', async () => {
    const order = await anOrderWithDiscount('PAY');
    provider.mode = 'approve';
    expect((await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 20_000 })).status).toBe(201);
    const v = await post(`/v1/orders/${order.id}/payments/void`, {});
    expect(v.status, JSON.stringify(v.body)).toBe(201);
    expect(v.body).toMatchObject({ kind: 'void', amountMinor: 4745 });
    expect(await money(order.id)).toMatchObject({ capturableMinor: 0, state: 'partially_paid', balanceDueMinor: 4745 });
    expect((await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 1 })).body.code).toBe('capture_exceeds_authorized');
  });
});

describe('a provider that declines, times out, or loses the answer', () => {
  it('a decline is a 402 with the provider\'s reason, and the order is held for a person', async () => {
    const order = await anOrderWithDiscount('PAY');
    provider.mode = 'decline';
    const res = await post(`/v1/orders/${order.id}/payments/capture`, {});
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ code: 'payment_declined', reason: 'insufficient_funds', amountMinor: 24_745 });
    expect(res.body.payment).toMatchObject({ status: 'failed', failureReason: 'insufficient_funds' });
    const o = (await t.http('GET', `/v1/orders/${order.id}`)).body;
    expect(o.status).toBe('on_hold');
    expect(o.holds.find((h: { reasonCode: string }) => h.reasonCode === 'payment_capture_failed')).toMatchObject({ status: 'open', note: 'insufficient_funds' });
    expect((await money(order.id)).capturedMinor).toBe(0);
  });

  it('a timeout leaves the capture pending (it still counts against the limit), and recovery finishes it', async () => {
    const order = await anOrderWithDiscount('PAY');
    provider.mode = 'late';
    const res = await post(`/v1/orders/${order.id}/payments/capture`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.status).toBe('pending');
    // While its outcome is unknown, nothing more can be captured: it might have been.
    const more = await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 1 });
    expect(more.body).toMatchObject({ code: 'capture_exceeds_authorized', pendingCaptureMinor: 24_745, capturableMinor: 0 });
    await new Promise((r) => setTimeout(r, 700));
    provider.mode = 'approve';
    const rec = await post('/v1/payments/recover', { olderThanSeconds: 0 });
    expect(rec.status).toBe(200);
    expect(rec.body.settled.find((p: { id: string }) => p.id === res.body.id)).toMatchObject({ status: 'succeeded' });
    expect(await money(order.id)).toMatchObject({ capturedMinor: 24_745, pendingMinor: 0, state: 'paid' });
  });

  it('a crash between intent and outcome: recovery asks the provider — settled as it says, or failed if it never saw it', async () => {
    const seen = await anOrderWithDiscount('PAY');
    const unseen = await anOrderWithDiscount('PAY');
    // What a process that died right after committing the intent leaves behind: a pending row.
    const pending = (orderId: string) => {
      const id = randomUUID();
      return { id, order_id: orderId, kind: 'capture', status: 'pending', amount_minor: 24_745, currency: 'EUR', provider: 'testpay', provider_key: `capture:${id}`, actor: 'test',
        created_at: new Date(Date.now() - 120_000) };
    };
    const a = pending(seen.id);
    const b = pending(unseen.id);
    await t.db.insertInto('payments').values([a, b]).execute();
    provider.seen.set(a.provider_key, { status: 'succeeded', reference: 'psp_before_crash' });
    const calls = provider.calls.length;
    // A row younger than twice the provider's timeout is left alone: its call may still be on its way.
    const young = pending(unseen.id);
    await t.db.insertInto('payments').values({ ...young, amount_minor: 1, created_at: new Date() }).execute();
    const rec = await post('/v1/payments/recover', { olderThanSeconds: 0 });
    expect(rec.status).toBe(200);
    expect(rec.body.stillPending).toBeGreaterThanOrEqual(1);
    expect(provider.calls.length).toBe(calls); // looked up, never charged again
    expect(await money(seen.id)).toMatchObject({ capturedMinor: 24_745, state: 'paid' });
    const row = async (orderId: string, id: string) => (await money(orderId)).payments.find((p: { id: string }) => p.id === id);
    expect(await row(seen.id, a.id)).toMatchObject({ status: 'succeeded', providerReference: 'psp_before_crash' });
    expect(await row(unseen.id, b.id)).toMatchObject({ status: 'failed', failureReason: 'never reached the provider; nothing was moved' });
    expect((await money(unseen.id)).capturedMinor).toBe(0);
    expect(await row(unseen.id, young.id)).toMatchObject({ status: 'pending' });
    await t.db.updateTable('payments').set({ status: 'failed', failure_reason: 'test: cleaned up', settled_at: new Date() }).where('id', '=', young.id).execute();
  });

  it('a provider that is down: the capture stays pending, nothing is captured twice when it comes back', async () => {
    const order = await anOrderWithDiscount('PAY');
    provider.mode = 'down';
    const headers = key();
    expect((await post(`/v1/orders/${order.id}/payments/capture`, {}, { headers })).status).toBe(202);
    provider.mode = 'approve';
    const again = await post(`/v1/orders/${order.id}/payments/capture`, {}, { headers });
    expect(again.status).toBe(201);
    expect(await money(order.id)).toMatchObject({ capturedMinor: 24_745, pendingMinor: 0 });
    expect((await money(order.id)).payments.filter((p: { kind: string }) => p.kind === 'capture')).toHaveLength(1);
  });
});

describe('capture at shipment', () => {
  it('captures the value of what has shipped, for a partial shipment', async () => {
    const order = await anOrderWithDiscount('SHIPCAP');
    provider.mode = 'approve';
    const early = await post(`/v1/orders/${order.id}/payments/capture`, {});
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'invalid_state', shippedValueMinor: 0, capturePolicy: 'at_shipment' });
    // One of the two A units: 100.00 − 12.00 (its order discount share) + 9.00 tax, plus shipping 4.95 = 101.95.
    await shipAll(order, [1, 0]);
    const cap = await post(`/v1/orders/${order.id}/payments/capture`, {});
    expect(cap.status, JSON.stringify(cap.body)).toBe(201);
    expect(cap.body.amountMinor).toBe(10_195);
    const rest = await t.http('POST', `/v1/orders/${order.id}/ship`, { body: { lines: [{ lineId: order.lines[0]!.id, quantity: 1 }, { lineId: order.lines[1]!.id, quantity: 1 }] } });
    expect(rest.status).toBe(201);
    const second = await post(`/v1/orders/${order.id}/payments/capture`, {});
    expect(second.body.amountMinor).toBe(24_745 - 10_195);
    expect(await money(order.id)).toMatchObject({ state: 'paid', capturedMinor: 24_745 });
  });
});

describe('money follows the order (cancel, capture policy)', () => {
  const follow = async (id: string) => {
    const res = await post(`/v1/orders/${id}/payments/follow`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { moved: { kind: string; amountMinor: number; explanation: { cancellation: { amountMinor: number; rule: string } } | null }[]; left: string | null };
  };

  it('captures by the policy, then refunds exactly what a partial cancel before shipment took off the order', async () => {
    provider.mode = 'approve';
    const order = await anOrderWithDiscount('PAY');
    const captured = await follow(order.id);
    expect(captured.moved.map((p) => [p.kind, p.amountMinor])).toEqual([['capture', 24_745]]);
    expect((await follow(order.id)).moved).toEqual([]);
    // Line C (50.00 − its 6.00 order discount share + 4.50 tax = 48.50) is cancelled before it ships.
    const cancel = await t.http('POST', `/v1/orders/${order.id}/cancel`, { body: { reason: 'out of stock', lines: [{ lineId: order.lines[1]!.id, quantity: 1 }] } });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(cancel.body.totals.totalMinor).toBe(24_745 - 4850);
    expect((await money(order.id)).overpaidMinor).toBe(4850);
    const refunded = await follow(order.id);
    expect(refunded.moved.map((p) => [p.kind, p.amountMinor])).toEqual([['refund', 4850]]);
    expect(refunded.moved[0]!.explanation!.cancellation.amountMinor).toBe(4850);
    expect(await money(order.id)).toMatchObject({ capturedMinor: 24_745, refundedMinor: 4850, overpaidMinor: 0, balanceDueMinor: 0 });
    expect((await follow(order.id)).moved).toEqual([]);
  });

  it('voids the authorisation of an order cancelled before capture', async () => {
    const order = await anOrderWithDiscount('PAY');
    expect((await t.http('POST', `/v1/orders/${order.id}/cancel`, { body: { reason: 'customer changed their mind' } })).status).toBe(200);
    const res = await follow(order.id);
    expect(res.moved.map((p) => [p.kind, p.amountMinor])).toEqual([['void', 24_745]]);
    expect(await money(order.id)).toMatchObject({ capturableMinor: 0, capturedMinor: 0 });
  });

  it('a split takes its units\' money with it: captured money first, then authorised', async () => {
    provider.mode = 'approve';
    const paid = await anOrderWithDiscount('PAY');
    await follow(paid.id);
    const split = await t.http('POST', `/v1/orders/${paid.id}/split`, { body: { lines: [{ lineId: paid.lines[1]!.id, quantity: 1 }] } });
    expect(split.status, JSON.stringify(split.body)).toBe(201);
    const child = split.body.split as { id: string; totals: { totalMinor: number } };
    expect(child.totals.totalMinor).toBe(4850);
    const res = await follow(child.id);
    expect(res.moved.map((p) => [p.kind, p.amountMinor])).toEqual([['transfer_out', 4850], ['transfer_in', 4850]]);
    expect(await money(paid.id)).toMatchObject({ capturedMinor: 24_745 - 4850, balanceDueMinor: 0, overpaidMinor: 0, state: 'paid' });
    expect(await money(child.id)).toMatchObject({ authorizedMinor: 4850, capturedMinor: 4850, state: 'paid' });
    expect((await follow(paid.id)).moved).toEqual([]);

    const authorised = await anOrderWithDiscount('PAY', { customer: { email: 'split@example.com', name: 'S' } });
    const split2 = await t.http('POST', `/v1/orders/${authorised.id}/split`, { body: { lines: [{ lineId: authorised.lines[1]!.id, quantity: 1 }] } });
    const child2 = split2.body.split as { id: string };
    const moved = await follow(authorised.id);
    // The split-off takes 48.50 of authorisation; then the original captures its own 198.95 (the policy: at order).
    expect(moved.moved.map((p) => [p.kind, p.amountMinor])).toEqual([['transfer_out', 4850], ['transfer_in', 4850], ['capture', 19_895]]);
    const childMoney = await follow(child2.id);
    expect(childMoney.moved.map((p) => [p.kind, p.amountMinor])).toEqual([['capture', 4850]]);
    expect(await money(authorised.id)).toMatchObject({ authorizedMinor: 19_895, capturedMinor: 19_895, capturableMinor: 0 });
  });

  it('a merge hands the merged order\'s money to the order it went into', async () => {
    provider.mode = 'approve';
    const customer = { email: 'merge@example.com', name: 'M' };
    const a = await anOrderWithDiscount('PAY', { customer });
    const b = await anOrderWithDiscount('PAY', { customer });
    const merged = await t.http('POST', '/v1/orders/merge', { body: { orderIds: [a.id, b.id] } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    const target = merged.body as { id: string; totals: { totalMinor: number } };
    const source = target.id === a.id ? b : a;
    const res = await follow(source.id);
    expect(res.moved.slice(0, 2).map((p) => [p.kind, p.amountMinor])).toEqual([['transfer_out', 24_745], ['transfer_in', 24_745]]);
    expect(await money(source.id)).toMatchObject({ authorizedMinor: 0, capturableMinor: 0 });
    await follow(target.id);
    const t2 = await money(target.id);
    expect(t2.capturedMinor).toBe(target.totals.totalMinor);
    expect(t2.capturableMinor).toBe(0);
  });

  it('the job finds the orders to follow; offline channels are left to people', async () => {
    provider.mode = 'approve';
    const order = await anOrderWithDiscount('PAY');
    const { jobHandlers } = await import('../src/jobs/jobs.js');
    const result = await jobHandlers({ db: t.db, idempotencyTtlHours: 24 })['payments.follow']();
    expect(result.moved).toBeGreaterThanOrEqual(1);
    expect((await money(order.id)).capturedMinor).toBe(24_745);
    const offline = await anOrderWithDiscount('WEB');
    expect((await follow(offline.id)).left).toContain('offline');
  });
});

// ---- returns and refunds ---------------------------------------------------------------------------------------------
describe('returns and refunds, to the cent', () => {
  it('ship, capture, return one of two units, inspect to stock, refund with the order discount share and a restocking fee', async () => {
    expect((await t.http('PUT', '/v1/channels/WEB/return-policy', { body: { restockingFeeBps: 1000 } })).status).toBe(200);
    const order = await anOrderWithDiscount();
    await shipAll(order, [2, 1]);
    expect((await post(`/v1/orders/${order.id}/payments/capture`, {})).status).toBe(201);
    const onHand = (await stock('ORD-A', 'OWH1')).onHand;

    const id = await returned(order, [[0, 1]]);
    expect((await stock('ORD-A', 'OWH1')).onHand).toBe(onHand + 1);
    const ledger = await t.db.selectFrom('stock_movements').select(['reason', 'on_hand_delta']).where('reference_id', '=', id).execute();
    expect(ledger).toEqual([{ reason: 'return_restock', on_hand_delta: 1 }]);
    expect((await t.http('GET', `/v1/orders/${order.id}`)).body.lines[0].returned).toBe(1);

    const quote = await t.http('GET', `/v1/returns/${id}/refund-quote`);
    expect(quote.status).toBe(200);
    // 100.00 − 12.00 (half the line's 24.00 share of the order discount) + 9.00 tax = 97.00; less 10 %: 9.70.
    expect(quote.body.lines[0]).toMatchObject({ units: 1, subtotalMinor: 10_000, discountMinor: 0, orderDiscountMinor: 1200, taxMinor: 900, amountMinor: 9700 });
    expect(quote.body).toMatchObject({ itemsMinor: 9700, restockingFee: { bps: 1000, amountMinor: 970 }, shipping: { amountMinor: 0 }, totalMinor: 8730, cappedMinor: 0, maxRefundableMinor: 24_745 });

    const refund = await post(`/v1/returns/${id}/refund`, {});
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body).toMatchObject({ kind: 'refund', status: 'succeeded', amountMinor: 8730, returnId: id });
    expect(refund.body.explanation).toEqual(quote.body);
    expect((await t.http('GET', `/v1/returns/${id}`)).body).toMatchObject({ status: 'refunded', refundId: refund.body.id });
    expect(await money(order.id)).toMatchObject({ state: 'partially_refunded', refundedMinor: 8730, refundableMinor: 24_745 - 8730 });
    const twice = await post(`/v1/returns/${id}/refund`, {});
    expect(twice.status).toBe(409);
    expect((await t.http('PUT', '/v1/channels/WEB/return-policy', { body: { restockingFeeBps: 0 } })).status).toBe(200);
  });

  it('three partial returns together refund exactly the order total (shipping with the last unit)', async () => {
    expect((await t.http('PUT', '/v1/channels/PAY/return-policy', { body: { refundShipping: true } })).status).toBe(200);
    provider.mode = 'approve';
    const order = await anOrderWithDiscount('PAY', {
      lines: [{ sku: 'ORD-A', quantity: 7, unitPriceMinor: 1333, taxMinor: 977 }],
      orderDiscountMinor: 351, shippingMinor: 495,
      totals: { subtotalMinor: 9331, discountMinor: 351, shippingMinor: 495, taxMinor: 977, totalMinor: 10_452 },
      payment: { method: 'card', authorizedMinor: 10_452 },
    });
    await shipAll(order, [7]);
    expect((await post(`/v1/orders/${order.id}/payments/capture`, {})).status).toBe(201);
    let total = 0;
    for (const units of [2, 3, 2]) {
      const id = await returned(order, [[0, units]]);
      const r = await post(`/v1/returns/${id}/refund`, {});
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      total += r.body.amountMinor as number;
    }
    expect(total).toBe(10_452);
    expect(await money(order.id)).toMatchObject({ state: 'refunded', refundableMinor: 0 });
  });

  it('exchange: a replacement order paid by what the returned goods are worth; the difference due or refunded', async () => {
    const order = await anOrderWithDiscount();
    await shipAll(order, [2, 1]);
    expect((await post(`/v1/orders/${order.id}/payments/capture`, {})).status).toBe(201);
    const first = await returned(order, [[0, 1]]);
    // Worth 97.00 (100.00 − 12.00 + 9.00); the replacement costs 100.00: 3.00 due on it.
    const dearer = await post(`/v1/returns/${first}/exchange`, { lines: [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 10_000 }] });
    expect(dearer.status, JSON.stringify(dearer.body)).toBe(201);
    expect(dearer.body).toMatchObject({ returnedValueMinor: 9700, replacementTotalMinor: 10_000, paidByReturnMinor: 9700, priceDifferenceMinor: 300 });
    const replacement = (await t.http('GET', `/v1/orders/${dearer.body.replacementOrderId}`)).body;
    expect(replacement.lines[0]).toMatchObject({ sku: 'ORD-A', quantity: 1 });
    expect(replacement.lines[0].allocated + replacement.lines[0].backordered).toBe(1);
    expect(await money(replacement.id)).toMatchObject({ capturedMinor: 9700, balanceDueMinor: 300 });
    expect(await money(order.id)).toMatchObject({ capturedMinor: 24_745 - 9700 });
    const quote = (await t.http('GET', `/v1/returns/${first}/refund-quote`)).body;
    expect(quote).toMatchObject({ itemsMinor: 9700, exchange: { amountMinor: 9700 }, totalMinor: 0 });
    expect((await post(`/v1/returns/${first}/refund`, {})).status).toBe(409);
    expect((await post(`/v1/returns/${first}/close`, {})).body.status).toBe('closed');
    expect((await post(`/v1/returns/${first}/exchange`, { lines: [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 1 }] })).status).toBe(409);

    // The other unit for a cheaper one: 50.00 pays the replacement, the refund pays back 47.00.
    const second = await returned(order, [[0, 1]]);
    const cheaper = await post(`/v1/returns/${second}/exchange`, { lines: [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 5000 }] });
    expect(cheaper.body).toMatchObject({ paidByReturnMinor: 5000, priceDifferenceMinor: -4700 });
    const refund = await post(`/v1/returns/${second}/refund`, {});
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body.amountMinor).toBe(4700);
    expect(refund.body.explanation).toMatchObject({ itemsMinor: 9700, exchange: { amountMinor: 5000 }, totalMinor: 4700 });
    expect(await money(order.id)).toMatchObject({ capturedMinor: 24_745 - 9700 - 5000, refundedMinor: 4700 });
  });

  it('damaged units go to quarantine, others are written off, and the ledger says so', async () => {
    const order = await anOrderWithDiscount();
    await shipAll(order, [2, 1]);
    const before = await stock('ORD-A', 'OWH1');
    const req = await post('/v1/returns', { order: order.id, reasonCode: 'damaged', lines: [{ lineId: order.lines[0]!.id, quantity: 2 }] });
    await post(`/v1/returns/${req.body.id}/approve`);
    await post(`/v1/returns/${req.body.id}/receive`, { location: 'OWH1', lines: [{ lineId: order.lines[0]!.id, quantity: 2 }] });
    const wrong = await post(`/v1/returns/${req.body.id}/inspect`, { lines: [{ lineId: order.lines[0]!.id, quarantine: 1 }] });
    expect(wrong.status).toBe(400);
    const ok = await post(`/v1/returns/${req.body.id}/inspect`, { lines: [{ lineId: order.lines[0]!.id, quarantine: 1, writeOff: 1 }] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.lines[0]).toMatchObject({ received: 2, quarantined: 1, writtenOff: 1, restocked: 0 });
    const after = await stock('ORD-A', 'OWH1');
    expect(after).toMatchObject({ onHand: before.onHand + 1, quarantined: before.quarantined + 1 });
  });

  it('refuses a return of more than shipped minus returned, after the window, and of a non-returnable SKU', async () => {
    const order = await anOrderWithDiscount();
    await shipAll(order, [1, 0]);
    const more = await post('/v1/returns', { order: order.id, reasonCode: 'wrong_size', lines: [{ lineId: order.lines[0]!.id, quantity: 2 }] });
    expect(more.status).toBe(409);
    expect(more.body).toMatchObject({ code: 'return_exceeds_shipped', lines: [{ requested: 2, shipped: 1, returned: 0, returnable: 1 }] });
    expect((await post('/v1/returns', { order: order.id, reasonCode: 'wrong_size', lines: [{ lineId: order.lines[0]!.id, quantity: 1 }] })).status).toBe(201);
    const onItsWay = await post('/v1/returns', { order: order.id, reasonCode: 'wrong_size', lines: [{ lineId: order.lines[0]!.id, quantity: 1 }] });
    expect(onItsWay.body).toMatchObject({ code: 'return_exceeds_shipped', lines: [{ requestedBefore: 1, returnable: 0 }] });

    const late = await anOrderWithDiscount();
    await shipAll(late, [2, 1]);
    await t.db.updateTable('shipments').set({ shipped_at: new Date(Date.now() - 31 * 86_400_000) }).where('order_id', '=', late.id).execute();
    const closed = await post('/v1/returns', { order: late.id, reasonCode: 'wrong_size', lines: [{ lineId: late.lines[0]!.id, quantity: 1 }] });
    expect(closed.status).toBe(409);
    expect(closed.body).toMatchObject({ code: 'return_window_closed', windowDays: 30 });

    expect((await t.http('PUT', '/v1/channels/WEB/return-policy', { body: { nonReturnableSkus: ['ORD-C'] } })).status).toBe(200);
    const shipped = await anOrderWithDiscount();
    await shipAll(shipped, [2, 1]);
    const blocked = await post('/v1/returns', { order: shipped.id, reasonCode: 'wrong_size', lines: [{ lineId: shipped.lines[1]!.id, quantity: 1 }] });
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ code: 'not_returnable', lines: [{ sku: 'ORD-C' }] });
    expect((await t.http('PUT', '/v1/channels/WEB/return-policy', { body: { nonReturnableSkus: [] } })).status).toBe(200);
  });

  it('refunds without a return need refund:write, never exceed what was captured, and two steps cannot pay more than was paid', async () => {
    const order = await anOrderWithDiscount();
    expect((await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 10_000 })).status).toBe(201);
    const goodwill = { order: order.id, currency: 'EUR', amountMinor: 6000, reason: 'late delivery' };
    expect((await post('/v1/refunds', goodwill, { key: 'operator' })).status).toBe(403);
    const first = await post('/v1/refunds', goodwill, { key: 'finance' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.explanation).toMatchObject({ goodwill: { amountMinor: 6000 }, totalMinor: 6000 });
    const second = await post('/v1/refunds', goodwill, { key: 'finance' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'refund_exceeds_captured', amountMinor: 6000, capturedMinor: 10_000, refundedMinor: 6000, refundableMinor: 4000 });
    expect((await t.http('GET', `/v1/refunds/${first.body.id}`)).body.explanation.rule).toContain('total = items');
    expect(await money(order.id)).toMatchObject({ refundedMinor: 6000, capturedMinor: 10_000 });
  });

  it('a quote for units answers the explanation and writes nothing', async () => {
    const order = await anOrderWithDiscount();
    const q = await t.http('POST', '/v1/refunds/quote', { body: { order: order.id, currency: 'EUR', lines: [{ lineId: order.lines[1]!.id, quantity: 1 }], shipping: true } });
    expect(q.status).toBe(200);
    // 50.00 − 6.00 + 4.50 = 48.50, shipping 4.95; nothing captured yet, so all of it is capped.
    expect(q.body).toMatchObject({ itemsMinor: 4850, shipping: { amountMinor: 495 }, maxRefundableMinor: 0, cappedMinor: 5345, totalMinor: 0 });
    expect((await money(order.id)).payments).toHaveLength(1);
  });

  it('insight: the most returned SKUs, with their return rate', async () => {
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const res = await t.http('GET', `/v1/returns/insight?from=${from}&to=${to}&groupBy=sku`);
    expect(res.status).toBe(200);
    const a = res.body.data.find((r: { key: string }) => r.key === 'ORD-A');
    expect(a.returnedUnits).toBeGreaterThan(0);
    expect(a.returnRate).toBeCloseTo(a.returnedUnits / a.shippedUnits, 4);
    const reasons = await t.http('GET', `/v1/returns/insight?from=${from}&to=${to}&groupBy=reason`);
    expect(reasons.body.data.map((r: { key: string }) => r.key)).toContain('damaged');
  });

  it('a customer asks for a return from the tracking page: token plus e-mail, rate-limited, as a principal of its own', async () => {
    const order = await anOrderWithDiscount() as Awaited<ReturnType<typeof anOrderWithDiscount>> & { trackingToken: string };
    await shipAll(order, [2, 1]);
    const ask = (b: Record<string, unknown>, headers: Record<string, string> = key()) =>
      t.http('POST', `/track/${order.trackingToken}/returns`, { key: null, body: { reasonCode: 'wrong_size', items: [{ sku: 'ORD-A', quantity: 1 }], ...b }, headers });
    const other = await anOrderWithDiscount() as typeof order;
    for (let i = 0; i < 5; i++) {
      const wrong = await t.http('POST', `/track/${other.trackingToken}/returns`, { key: null, body: { email: 'someone@else.example', reasonCode: 'wrong_size', items: [{ sku: 'ORD-A', quantity: 1 }] } });
      expect(wrong.status).toBe(403);
    }
    const limited = await t.http('POST', `/track/${other.trackingToken}/returns`, { key: null, body: { email: 'erika@example.com', reasonCode: 'wrong_size', items: [{ sku: 'ORD-A', quantity: 1 }] } });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    const headers = key();
    const ok = await ask({ email: ' Erika@Example.com ' }, headers);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ status: 'requested', orderId: order.id, createdBy: `customer of order ${order.number}`, lines: [{ sku: 'ORD-A', quantity: 1 }] });
    const replay = await ask({ email: ' Erika@Example.com ' }, headers);
    expect(replay.body.id).toBe(ok.body.id);
    const audit = await t.db.selectFrom('audit_log').select(['actor_name', 'action']).where('entity_id', '=', ok.body.id).execute();
    expect(audit).toEqual([{ actor_name: `customer of order ${order.number}`, action: 'return.requested' }]);
    const more = await ask({ email: 'erika@example.com', items: [{ sku: 'ORD-A', quantity: 2 }] });
    expect(more.status).toBe(409);
    expect(more.body.code).toBe('return_exceeds_shipped');
  });

  it('reports the money in the base currency at each day\'s rate, and refuses to guess a missing rate', async () => {
    expect(toBaseMinor(1000, 'JPY', 'EUR', '0.0062')).toBe(620);
    expect(toBaseMinor(999, 'EUR', 'USD', '1.0845')).toBe(1083);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const inEur = await t.http('GET', `/v1/payments/report?from=${from}&to=${to}`);
    expect(inEur.status).toBe(200);
    const captured = inEur.body.totals.find((r: { kind: string }) => r.kind === 'capture').baseAmountMinor as number;
    expect(captured).toBeGreaterThan(0);
    expect((await t.http('PUT', '/v1/fx-rates', { body: { baseCurrency: 'USD', rates: [] } })).status).toBe(200);
    const missing = await t.http('GET', `/v1/payments/report?from=${from}&to=${to}`);
    expect(missing.status).toBe(409);
    expect(missing.body).toMatchObject({ code: 'fx_rate_missing', currency: 'EUR', baseCurrency: 'USD' });
    const yesterday = new Date(Date.now() - 86_400_000 * 2).toISOString().slice(0, 10);
    expect((await t.http('PUT', '/v1/fx-rates', { body: { rates: [{ currency: 'EUR', effectiveFrom: yesterday, rate: '1.1' }] } })).status).toBe(200);
    const inUsd = await t.http('GET', `/v1/payments/report?from=${from}&to=${to}`);
    expect(inUsd.status).toBe(200);
    expect(inUsd.body.totals.find((r: { kind: string }) => r.kind === 'capture').baseAmountMinor).toBe(Math.round(captured * 1.1));
    expect((await t.http('GET', '/v1/fx-rates')).body).toMatchObject({ baseCurrency: 'USD', rates: [{ currency: 'EUR', effectiveFrom: yesterday, rate: '1.1' }] });
    expect((await t.http('PUT', '/v1/fx-rates', { body: { baseCurrency: 'EUR', rates: [] } })).status).toBe(200);
  });

  it('ordo check finds the ledger and the returns consistent', async () => {
    const report = await runChecks(t.db, [...paymentChecks, ...returnChecks]);
    expect(report.lines.filter((l) => !l.startsWith('ok'))).toEqual([]);
  });
});

/**
 * The built-in test provider (approve, decline, time out, answer late; a crash between intent and outcome) and offline
 * money: recorded by an operator, imported from a bank file (matched per row, all or nothing, never twice), and B2B
 * invoice terms with their due day and overdue.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { paymentChecks } from '../src/payment/index.js';
import { testProvider } from '../src/payment/test-provider.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const TIMEOUT_MS = 150;

const key = () => ({ 'idempotency-key': randomUUID() });
const post = (url: string, b: unknown = {}, headers: Record<string, string> = key()) => t.http('POST', url, { body: b, headers });
const money = async (orderId: string) => (await t.http('GET', `/v1/orders/${orderId}/payments`)).body;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sandbox = (test: Record<string, unknown>) => t.http('PUT', '/v1/payment-providers/sandbox', { body: { kind: 'test', timeoutMs: TIMEOUT_MS, test } });
const operations = async (providerKey: string) =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM payment_test_operations WHERE provider_key = ${providerKey}`.execute(t.db)).rows[0]?.n);

/** 2 × 10.00 + shipping 4.95 = 24.95. */
async function anOrderOn(channel: string, over: Record<string, unknown> = {}) {
  const res = await t.http('POST', '/v1/orders', { body: anOrder({ channel, ...over }) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string };
}

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-A', quantity: 500 }] } });
  for (const [code, prefix] of [['SANDBOX', 'S'], ['OFFL', 'F']] as const) {
    expect((await t.http('POST', '/v1/channels', { body: { code, name: code, type: 'web', currency: 'EUR', orderNumberPrefix: prefix } })).status).toBe(201);
  }
  expect((await sandbox({ outcome: 'approve' })).status).toBe(201);
  expect((await t.http('PUT', '/v1/channels/SANDBOX/payment-policy', { body: { provider: 'sandbox', capture: 'at_order' } })).status).toBe(200);
});

describe('the built-in test provider', () => {
  it('exists only when created with kind test, and takes test settings only then', async () => {
    const providers = (await t.http('GET', '/v1/payment-providers')).body.data as { code: string; kind: string; test: unknown }[];
    expect(providers.find((p) => p.code === 'offline')).toMatchObject({ kind: 'offline', test: null });
    expect(providers.find((p) => p.code === 'sandbox')).toMatchObject({ kind: 'test', test: { outcome: 'approve' } });
    const onHttp = await t.http('PUT', '/v1/payment-providers/psp', { body: { kind: 'http', baseUrl: 'http://127.0.0.1:9/', test: { outcome: 'approve' } } });
    expect(onHttp.status).toBe(400);
    expect(onHttp.body.errors[0]).toMatchObject({ path: '/body/test' });
    const withUrl = await t.http('PUT', '/v1/payment-providers/sandbox2', { body: { kind: 'test', baseUrl: 'http://127.0.0.1:9/' } });
    expect(withUrl.status).toBe(400);
    const offlineAsTest = await t.http('PUT', '/v1/payment-providers/offline', { body: { kind: 'test' } });
    expect(offlineAsTest.status).toBe(409);
    expect(offlineAsTest.body).toMatchObject({ code: 'invalid_state', provider: 'offline', kind: 'test' });
    const badOutcome = await t.http('PUT', '/v1/payment-providers/sandbox2', { body: { kind: 'test', test: { outcome: 'maybe' } } });
    expect(badOutcome.status).toBe(400);
  });

  it('approves: the capture settles at once with the provider\'s reference', async () => {
    expect((await sandbox({ outcome: 'approve' })).status).toBe(200);
    const order = await anOrderOn('SANDBOX');
    const res = await post(`/v1/orders/${order.id}/payments/capture`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'succeeded', provider: 'sandbox', amountMinor: 2495 });
    expect(res.body.providerReference).toMatch(/^test_/);
    expect(await money(order.id)).toMatchObject({ state: 'paid', balanceDueMinor: 0 });
  });

  it('declines with the reason it is given: a 402, and the order is held for a person', async () => {
    await sandbox({ outcome: 'decline', reason: 'insufficient_funds' });
    const order = await anOrderOn('SANDBOX');
    const res = await post(`/v1/orders/${order.id}/payments/capture`);
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ code: 'payment_declined', reason: 'insufficient_funds', amountMinor: 2495, payment: { status: 'failed', failureReason: 'insufficient_funds' } });
    const o = (await t.http('GET', `/v1/orders/${order.id}`)).body;
    expect(o.status).toBe('on_hold');
    expect(o.holds.find((h: { reasonCode: string }) => h.reasonCode === 'payment_capture_failed')).toMatchObject({ note: 'insufficient_funds' });
    expect(await money(order.id)).toMatchObject({ capturedMinor: 0, state: 'authorized' });
  });

  it('times out: the capture stays pending and counts against the limit; recovery finds nothing moved and fails it', async () => {
    await sandbox({ outcome: 'timeout' });
    const order = await anOrderOn('SANDBOX');
    const res = await post(`/v1/orders/${order.id}/payments/capture`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.status).toBe('pending');
    const more = await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 1 });
    expect(more.body).toMatchObject({ code: 'capture_exceeds_authorized', pendingCaptureMinor: 2495, capturableMinor: 0 });
    await sleep(2 * TIMEOUT_MS + 50);
    const rec = await post('/v1/payments/recover', { olderThanSeconds: 0 });
    expect(rec.body.settled.find((p: { id: string }) => p.id === res.body.id)).toMatchObject({ status: 'failed', failureReason: 'never reached the provider; nothing was moved' });
    expect(await money(order.id)).toMatchObject({ capturedMinor: 0, pendingMinor: 0, capturableMinor: 2495 });
    // Nothing moved, so the money can be asked for again.
    await sandbox({ outcome: 'approve' });
    expect((await post(`/v1/orders/${order.id}/payments/capture`)).status).toBe(201);
  });

  it('answers late: past the timeout the row stays pending, recovery settles it as the provider did; a repeat never charges twice', async () => {
    await sandbox({ outcome: 'late', delayMs: 5000 });
    const order = await anOrderOn('SANDBOX');
    const headers = key();
    const res = await post(`/v1/orders/${order.id}/payments/capture`, {}, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const row = (await money(order.id)).payments.find((p: { id: string }) => p.id === res.body.id);
    const providerKey = (await t.db.selectFrom('payments').select('provider_key').where('id', '=', row.id).executeTakeFirstOrThrow()).provider_key;
    expect(await operations(providerKey)).toBe(1);
    // Too young for recovery (its call may still be on its way): left pending.
    const early = await post('/v1/payments/recover', { olderThanSeconds: 0 });
    expect(early.body.settled.find((p: { id: string }) => p.id === res.body.id)).toBeUndefined();
    await sleep(2 * TIMEOUT_MS + 50);
    const rec = await post('/v1/payments/recover', { olderThanSeconds: 0 });
    expect(rec.body.settled.find((p: { id: string }) => p.id === res.body.id)).toMatchObject({ status: 'succeeded' });
    expect(await money(order.id)).toMatchObject({ capturedMinor: 2495, pendingMinor: 0, state: 'paid' });
    const again = await post(`/v1/orders/${order.id}/payments/capture`, {}, headers);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(res.body.id);
    expect(await operations(providerKey)).toBe(1);

    // Late but within the timeout: Ordo waits, and it settles in the request.
    await sandbox({ outcome: 'late', delayMs: 20 });
    const quick = await post(`/v1/orders/${(await anOrderOn('SANDBOX')).id}/payments/capture`);
    expect(quick.status).toBe(201);
  });

  it('a capture can tell it how to answer that one movement; any other provider refuses such a capture', async () => {
    await sandbox({ outcome: 'approve' });
    const order = await anOrderOn('SANDBOX');
    const declined = await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 1000, test: { outcome: 'decline', reason: 'do_not_honor' } });
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ code: 'payment_declined', reason: 'do_not_honor', amountMinor: 1000 });
    // The provider's own settings still answer the next one (a capture is allowed while the order is held).
    const approved = await post(`/v1/orders/${order.id}/payments/capture`, { amountMinor: 1000 });
    expect(approved.status, JSON.stringify(approved.body)).toBe(201);

    const offline = await anOrderOn('OFFL');
    const refused = await post(`/v1/orders/${offline.id}/payments/capture`, { test: { outcome: 'approve' } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ path: '/body/test' });
    expect((await money(offline.id)).capturedMinor).toBe(0);
  });

  it('a crash between intent and outcome: recovery asks the provider — settled as it did, failed if the call never left', async () => {
    await sandbox({ outcome: 'approve' });
    const charged = await anOrderOn('SANDBOX');
    const neverSent = await anOrderOn('SANDBOX');
    // What a process that died after committing the intent leaves: a pending row. One died after the call reached
    // the provider (it took the money), the other before calling.
    const pending = (orderId: string) => {
      const id = randomUUID();
      return { id, order_id: orderId, kind: 'capture', status: 'pending', amount_minor: 2495, currency: 'EUR', provider: 'sandbox', provider_key: `capture:${id}`, actor: 'test', created_at: new Date(Date.now() - 60_000) };
    };
    const a = pending(charged.id);
    const b = pending(neverSent.id);
    await t.db.insertInto('payments').values([a, b]).execute();
    const answer = await testProvider(t.db, 'sandbox', { outcome: 'approve' }, TIMEOUT_MS).call({
      operation: 'capture', idempotencyKey: a.provider_key, amountMinor: 2495, currency: 'EUR', orderId: charged.id, reference: null,
    });
    expect(answer.outcome).toBe('succeeded');

    const rec = await post('/v1/payments/recover', { olderThanSeconds: 0 });
    expect(rec.status).toBe(200);
    const settled = rec.body.settled as { id: string; status: string; providerReference: string | null; failureReason: string | null }[];
    expect(settled.find((p) => p.id === a.id)).toMatchObject({ status: 'succeeded', providerReference: answer.outcome === 'succeeded' ? answer.reference : 'x' });
    expect(settled.find((p) => p.id === b.id)).toMatchObject({ status: 'failed', failureReason: 'never reached the provider; nothing was moved' });
    expect(await operations(a.provider_key)).toBe(1); // looked up, never charged again
    expect(await operations(b.provider_key)).toBe(0);
    expect(await money(charged.id)).toMatchObject({ capturedMinor: 2495, state: 'paid' });
    expect(await money(neverSent.id)).toMatchObject({ capturedMinor: 0, state: 'authorized' });
  });
});

describe('offline money recorded by an operator', () => {
  it('records money received as a settled capture, never more than the order owes, in its currency', async () => {
    const order = await anOrderOn('OFFL', { payment: { method: 'invoice', authorizedMinor: 0 } });
    expect(await money(order.id)).toMatchObject({ state: 'unpaid', balanceDueMinor: 2495, provider: 'offline' });
    const part = await post(`/v1/orders/${order.id}/payments/received`, { amountMinor: 1000, currency: 'EUR', method: 'bank_transfer', reference: 'TRX 4711', payer: 'ACME GmbH', receivedOn: '2026-11-30' });
    expect(part.status, JSON.stringify(part.body)).toBe(201);
    expect(part.body).toMatchObject({ kind: 'capture', status: 'succeeded', amountMinor: 1000, method: 'bank_transfer', providerReference: 'TRX 4711', reason: 'received 2026-11-30 from ACME GmbH' });
    expect(await money(order.id)).toMatchObject({ state: 'partially_paid', capturedMinor: 1000, balanceDueMinor: 1495 });

    const over = await post(`/v1/orders/${order.id}/payments/received`, { amountMinor: 1496, currency: 'EUR' });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: 'capture_exceeds_authorized', amountMinor: 1496, orderTotalMinor: 2495, capturedMinor: 1000 });
    const usd = await post(`/v1/orders/${order.id}/payments/received`, { amountMinor: 100, currency: 'USD' });
    expect(usd.body).toMatchObject({ code: 'currency_mismatch', orderCurrency: 'EUR', requestedCurrency: 'USD' });
    const noKey = await t.http('POST', `/v1/orders/${order.id}/payments/received`, { body: { amountMinor: 100, currency: 'EUR' } });
    expect(noKey.status).toBe(428);
    const bad = await post(`/v1/orders/${order.id}/payments/received`, { amountMinor: 0, currency: 'EUR' });
    expect(bad.status).toBe(400);

    const rest = await post(`/v1/orders/${order.id}/payments/received`, { amountMinor: 1495, currency: 'EUR', method: 'bank_transfer' });
    expect(rest.status).toBe(201);
    expect(await money(order.id)).toMatchObject({ state: 'paid', capturedMinor: 2495, balanceDueMinor: 0 });
  });

  it('refuses money received for an order paid through a provider that is not offline', async () => {
    const order = await anOrderOn('SANDBOX');
    const res = await post(`/v1/orders/${order.id}/payments/received`, { amountMinor: 100, currency: 'EUR' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'invalid_state', provider: 'sandbox', providerKind: 'test' });
  });
});

describe('a bank file', () => {
  const importFile = (csv: string, query = '', contentType = 'text/csv') =>
    t.http('POST', `/v1/payments/bank-files${query}`, { body: csv, headers: { 'content-type': contentType } });
  const unpaid = () => anOrderOn('OFFL', { payment: { method: 'bank_transfer', authorizedMinor: 0 } });

  it('by default refuses a file with rows it cannot record, listing each with its problem, and records nothing', async () => {
    const [x, y, z] = [await unpaid(), await unpaid(), await unpaid()];
    const csv = [
      'Date,Amount,Currency,Reference,Payer,Bank Id',
      `2026-11-30,24.95,EUR,Invoice ${x.number} thank you,ACME,1`,
      '2026-11-30,5.00,EUR,no order named here,Someone,2',
      `2026-11-30,5.00,EUR,${y.number} and ${z.number},Both,3`,
      `2026-11-30,12.5x,EUR,${z.number},Typo,4`,
      `2026-11-30,-5.00,EUR,${z.number},Outgoing,5`,
      `2026-11-31,5.00,EUR,${z.number},Bad day,6`,
    ].join('\n');
    const res = await importFile(csv);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body).toMatchObject({ code: 'bulk_rejected', rejected: 5 });
    expect((res.body.rows as { line: number; problem: string }[]).map((r) => [r.line, r.problem])).toEqual([
      [3, 'unmatched'], [4, 'ambiguous'], [5, 'malformed'], [6, 'not_received'], [7, 'malformed'],
    ]);
    expect(res.body.rows[1].details).toEqual({ orderNumbers: expect.arrayContaining([y.number, z.number]) });
    expect((await money(x.id)).capturedMinor).toBe(0);
  });

  it('refuses the whole file when a matched row is more than its order owes, with the numbers', async () => {
    const [x, y] = [await unpaid(), await unpaid()];
    const res = await importFile(`date,amount,currency,reference\n2026-11-30,24.95,EUR,${x.number}\n2026-11-30,25.00,EUR,${y.number}\n`);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.rows).toEqual([expect.objectContaining({
      line: 3, problem: 'capture_exceeds_authorized', orderNumber: y.number, details: expect.objectContaining({ amountMinor: 2500, orderTotalMinor: 2495, capturedMinor: 0 }),
    })]);
    expect((await money(x.id)).capturedMinor).toBe(0);
  });

  it('with onError=skip records the rows it can and reports the others; the same file again records nothing twice', async () => {
    const [x, y, z] = [await unpaid(), await unpaid(), await unpaid()];
    const csv = [
      'reference,amount,currency,date,payer,order',
      `Invoice ${x.number},24.95,EUR,2026-11-30,ACME,`,
      `,10.00,EUR,2026-11-30,Bob,${y.number}`,
      'who knows,5.00,EUR,2026-11-30,Someone,',
      // Two equal payments on one day are two payments.
      `${z.number},5.00,EUR,2026-12-01,Zed,`,
      `${z.number},5.00,EUR,2026-12-01,Zed,`,
      `${z.number},15.00,USD,2026-12-01,Zed,`,
    ].join('\r\n');
    const res = await importFile(csv, '?onError=skip');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ rows: 6, recorded: 4, alreadyRecorded: 0, rejected: 2, recordedMinor: { EUR: 2495 + 1000 + 500 + 500 } });
    expect((res.body.results as { line: number; outcome: string; problem?: string }[]).map((r) => [r.line, r.outcome, r.problem ?? null])).toEqual([
      [2, 'recorded', null], [3, 'recorded', null], [4, 'rejected', 'unmatched'], [5, 'recorded', null], [6, 'recorded', null], [7, 'rejected', 'currency_mismatch'],
    ]);
    expect(await money(x.id)).toMatchObject({ state: 'paid', balanceDueMinor: 0 });
    expect((await money(x.id)).payments.find((p: { kind: string }) => p.kind === 'capture')).toMatchObject({
      method: 'bank_transfer', providerReference: `Invoice ${x.number}`, reason: 'bank file: received 2026-11-30 from ACME',
    });
    expect(await money(y.id)).toMatchObject({ state: 'partially_paid', capturedMinor: 1000, balanceDueMinor: 1495 });
    expect(await money(z.id)).toMatchObject({ capturedMinor: 1000 });

    const again = await importFile(csv, '?onError=skip');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ recorded: 0, alreadyRecorded: 4, rejected: 2, recordedMinor: {} });
    expect(await money(z.id)).toMatchObject({ capturedMinor: 1000 });
    expect((await money(z.id)).payments.filter((p: { kind: string }) => p.kind === 'capture')).toHaveLength(2);
    const timeline = (await t.http('GET', `/v1/orders/${x.id}/timeline`)).body.data as { type: string }[];
    expect(timeline.filter((e) => e.type === 'payment_capture')).toHaveLength(1);
  });

  it('answers 415 for a body that is not CSV and 400 for a header without the columns', async () => {
    expect((await importFile('{"a":1}', '', 'application/json')).status).toBe(415);
    const noHeader = await importFile('2026-11-30,24.95,EUR,W-1\n');
    expect(noHeader.status).toBe(400);
    expect(noHeader.body).toMatchObject({ code: 'validation_failed' });
    expect(noHeader.body.detail).toContain('lacks');
  });
});

describe('B2B invoice terms', () => {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

  it('an offline order of a customer with payment terms is due after them, overdue once that passed with money owed', async () => {
    const customer = await t.http('POST', '/v1/customers', { body: { name: 'Acme AG', email: 'ap@acme.example', type: 'business', company: 'Acme AG', paymentTermsDays: 30 } });
    expect(customer.status, JSON.stringify(customer.body)).toBe(201);
    const asAcme = { customer: { email: 'ap@acme.example', name: 'Acme AG' }, payment: { method: 'invoice', authorizedMinor: 0 } };
    const late = await anOrderOn('OFFL', { ...asAcme, placedAt: daysAgo(40).toISOString() });
    const fresh = await anOrderOn('OFFL', asAcme);

    expect(await money(late.id)).toMatchObject({ paymentTermsDays: 30, dueAt: day(new Date(Date.UTC(daysAgo(40).getUTCFullYear(), daysAgo(40).getUTCMonth(), daysAgo(40).getUTCDate()) + 30 * 86_400_000)), overdue: true, daysOverdue: 10, balanceDueMinor: 2495 });
    expect(await money(fresh.id)).toMatchObject({ paymentTermsDays: 30, dueAt: day(new Date(Date.now() + 30 * 86_400_000)), overdue: false, daysOverdue: 0 });

    const overdue = await t.http('GET', `/v1/payments/receivables?overdue=true&customer=${customer.body.id}`);
    expect(overdue.status).toBe(200);
    expect(overdue.body.data.map((r: { orderId: string }) => r.orderId)).toEqual([late.id]);
    expect(overdue.body.data[0]).toMatchObject({ orderNumber: late.number, customerName: 'Acme AG', balanceDueMinor: 2495, daysOverdue: 10, overdue: true });
    expect(overdue.body.totals).toEqual({ EUR: { balanceDueMinor: 2495, overdueMinor: 2495 } });
    const notYet = await t.http('GET', `/v1/payments/receivables?overdue=false&customer=${customer.body.id}`);
    expect(notYet.body.data.map((r: { orderId: string }) => r.orderId)).toEqual([fresh.id]);

    // Paid: not overdue, nothing owed on terms.
    expect((await post(`/v1/orders/${late.id}/payments/received`, { amountMinor: 2495, currency: 'EUR', method: 'invoice' })).status).toBe(201);
    expect(await money(late.id)).toMatchObject({ overdue: false, daysOverdue: 0, balanceDueMinor: 0, state: 'paid' });
    expect((await t.http('GET', `/v1/payments/receivables?overdue=true&customer=${customer.body.id}`)).body.data).toEqual([]);

    // Paid through a provider that is not offline: no invoice terms.
    const byCard = await anOrderOn('SANDBOX', { customer: asAcme.customer });
    expect(await money(byCard.id)).toMatchObject({ paymentTermsDays: null, dueAt: null, overdue: false });
    expect((await t.http('GET', '/v1/payments/receivables?limit=0')).status).toBe(400);
  });

  it('ordo check finds the ledger, the bank-file rows and the test provider consistent', async () => {
    const report = await runChecks(t.db, paymentChecks);
    expect(report.lines.filter((l) => !l.startsWith('ok'))).toEqual([]);
  });
});

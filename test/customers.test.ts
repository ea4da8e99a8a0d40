import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

beforeAll(() => seedOrderWorld(t));

const aCustomer = (overrides: Record<string, unknown> = {}) => ({ name: 'Jan Kowalski', email: `jan.${Math.random().toString(36).slice(2, 8)}@example.com`, ...overrides });

describe('customers', () => {
  it('creates a customer with the email lower-cased and the phone stripped of separators', async () => {
    const res = await t.http('POST', '/v1/customers', {
      key: 'operator',
      body: { name: 'Anna Nowak', email: 'Anna.Nowak@Example.COM', phone: '+48 (22) 123-45-67', type: 'business', company: 'Nowak Sp. z o.o.', vatId: 'PL5260001246', paymentTermsDays: 30 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      email: 'anna.nowak@example.com', phone: '+48221234567', name: 'Anna Nowak', type: 'business', company: 'Nowak Sp. z o.o.',
      vatId: 'PL5260001246', paymentTermsDays: 30, blocked: false, blockedReason: null, version: 1,
    });
    const got = await t.http('GET', `/v1/customers/${res.body.id}`, { key: 'finance' });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it('accepts a phone number alone, and refuses a customer with neither email nor phone', async () => {
    const phoneOnly = await t.http('POST', '/v1/customers', { body: { name: 'Phone Only', phone: '0221 555 0199' } });
    expect(phoneOnly.status).toBe(201);
    expect(phoneOnly.body).toMatchObject({ email: null, phone: '02215550199', type: 'person', paymentTermsDays: 0 });
    const neither = await t.http('POST', '/v1/customers', { body: { name: 'Nobody' } });
    expect(neither.status).toBe(400);
    expect(neither.body.errors).toEqual([{ path: '/body', message: 'give an email or a phone number (or both)' }]);
  });

  it('refuses bad input: unknown fields, a malformed email, terms over a year', async () => {
    for (const body of [aCustomer({ nickname: 'J' }), aCustomer({ email: 'not-an-email' }), aCustomer({ paymentTermsDays: 366 }), aCustomer({ type: 'robot' })]) {
      const res = await t.http('POST', '/v1/customers', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
  });

  it('refuses a second customer with the same email in another case, naming the first', async () => {
    const first = await t.http('POST', '/v1/customers', { body: aCustomer({ email: 'same@example.com' }) });
    const again = await t.http('POST', '/v1/customers', { body: aCustomer({ email: 'SAME@example.com' }) });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'already_exists', existingId: first.body.id });
  });

  it('lists customers by name, filters by name or email prefix, email, phone and block status, page by page', async () => {
    for (const name of ['Zofia Adamska', 'Zbigniew Adamski', 'Zenon Adamczyk']) {
      await t.http('POST', '/v1/customers', { body: aCustomer({ name, email: `${name.split(' ')[0]!.toLowerCase()}@adam.example`, phone: `+49 170 ${name.length}00${name.charCodeAt(1)}` }) });
    }
    const byName = await t.http('GET', '/v1/customers?q=z');
    expect(byName.body.data.map((c: { name: string }) => c.name)).toEqual(['Zbigniew Adamski', 'Zenon Adamczyk', 'Zofia Adamska']);
    const byEmail = await t.http('GET', '/v1/customers?q=ZOFIA%40');
    expect(byEmail.body.data.map((c: { name: string }) => c.name)).toEqual(['Zofia Adamska']);
    // LIKE wildcards in a search are literal characters, not "anything".
    expect((await t.http('GET', '/v1/customers?q=%25')).body.data).toEqual([]);
    const exact = await t.http('GET', '/v1/customers?email=ZENON@adam.example');
    expect(exact.body.data.map((c: { name: string }) => c.name)).toEqual(['Zenon Adamczyk']);
    const zenon = exact.body.data[0];
    const byPhone = await t.http('GET', `/v1/customers?phone=${encodeURIComponent(zenon.phone.replace(/^(\+\d{2})(\d{3})/, '$1 $2-'))}`);
    expect(byPhone.body.data.map((c: { id: string }) => c.id)).toEqual([zenon.id]);

    const seen: string[] = [];
    let next: string | null = '/v1/customers?q=z&limit=2';
    while (next) {
      const page: { body: { data: { name: string }[]; next: string | null } } = await t.http('GET', next);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((c) => c.name));
      next = page.body.next;
    }
    expect(seen).toEqual(['Zbigniew Adamski', 'Zenon Adamczyk', 'Zofia Adamska']);
    expect((await t.http('GET', '/v1/customers?cursor=nonsense')).status).toBe(400);
  });

  it('puts a customer on the block list and takes them off it again', async () => {
    const created = await t.http('POST', '/v1/customers', { body: aCustomer() });
    const blocked = await t.http('PATCH', `/v1/customers/${created.body.id}`, { key: 'operator', body: { blocked: true, blockedReason: 'chargebacks' } });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ blocked: true, blockedReason: 'chargebacks', version: 2 });
    const list = await t.http('GET', '/v1/customers?blocked=true');
    expect(list.body.data.map((c: { id: string }) => c.id)).toContain(created.body.id);
    const audit = await t.db.selectFrom('audit_log').select('action').where('entity_id', '=', created.body.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['customer.created', 'customer.blocked']);

    const unblocked = await t.http('PATCH', `/v1/customers/${created.body.id}`, { body: { blocked: false } });
    expect(unblocked.body).toMatchObject({ blocked: false, blockedReason: null, version: 3 });
    expect((await t.http('GET', '/v1/customers?blocked=true')).body.data.map((c: { id: string }) => c.id)).not.toContain(created.body.id);
  });

  it('changes fields, refuses to leave a customer unreachable, and honours If-Match', async () => {
    const created = await t.http('POST', '/v1/customers', { body: aCustomer({ phone: '+4917012345' }) });
    const id = created.body.id;
    const changed = await t.http('PATCH', `/v1/customers/${id}`, { body: { email: null, name: 'Jan K.', company: 'K GmbH' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ email: null, phone: '+4917012345', name: 'Jan K.', company: 'K GmbH' });
    const unreachable = await t.http('PATCH', `/v1/customers/${id}`, { body: { phone: null } });
    expect(unreachable.status).toBe(400);
    const stale = await t.http('PATCH', `/v1/customers/${id}`, { body: { name: 'X' }, headers: { 'if-match': '1' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'version_conflict', currentVersion: 2 });
    expect((await t.http('PATCH', `/v1/customers/${id}`, { body: {} })).status).toBe(400);
    expect((await t.http('PATCH', '/v1/customers/0190a000-0000-7000-8000-000000000000', { body: { name: 'X' } })).status).toBe(404);
    expect((await t.http('GET', '/v1/customers/0190a000-0000-7000-8000-000000000000')).status).toBe(404);
  });

  it('keeps the customer file from roles without customer permissions', async () => {
    expect((await t.http('GET', '/v1/customers', { key: 'warehouse' })).status).toBe(403);
    expect((await t.http('GET', '/v1/customers', { key: 'viewer' })).status).toBe(403);
    expect((await t.http('POST', '/v1/customers', { key: 'finance', body: aCustomer() })).status).toBe(403);
    expect((await t.http('GET', '/v1/customers', { key: null })).status).toBe(401);
  });
});

describe('the block list in review', () => {
  it('holds an order of a blocked customer when the blocked-customer rule is enabled', async () => {
    const customer = await t.http('POST', '/v1/customers', { body: aCustomer({ email: 'fraud@example.com' }) });
    await t.http('PATCH', `/v1/customers/${customer.body.id}`, { body: { blocked: true, blockedReason: 'stolen cards' } });
    const rule = (await t.http('GET', '/v1/review-rules')).body.data.find((r: { code: string }) => r.code === 'blocked-customer');

    // Disabled (as shipped), the block list stops nothing.
    const before = await t.http('POST', '/v1/orders', { body: anOrder({ customer: { email: 'Fraud@Example.com', name: 'F' } }) });
    expect(before.body).toMatchObject({ status: 'allocated', customer: { id: customer.body.id } });

    await t.http('PATCH', `/v1/review-rules/${rule.id}`, { body: { enabled: true } });
    try {
      const held = await t.http('POST', '/v1/orders', { body: anOrder({ customer: { email: 'fraud@example.com', name: 'F' } }) });
      expect(held.status).toBe(201);
      expect(held.body.status).toBe('on_hold');
      expect(held.body.holds).toEqual([expect.objectContaining({ reasonCode: 'blocked_customer', rule: 'blocked-customer', status: 'open' })]);
      // Everyone else's orders go through.
      const other = await t.http('POST', '/v1/orders', { body: anOrder({ customer: { email: 'honest@example.com', name: 'H' } }) });
      expect(other.body.status).toBe('allocated');
    } finally {
      await t.http('PATCH', `/v1/review-rules/${rule.id}`, { body: { enabled: false } });
    }
  });
});

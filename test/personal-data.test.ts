/**
 * Personal data per role: every route that answers with an order, a customer, an order's timeline or the audit log,
 * walked with each role, checking exactly which personal values each sees — in full, masked, or not at all — and
 * that no other field of the answer carries a value the role may not see.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { roleHas, roles, type Permission, type Role } from '../src/access/permissions.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

type Level = 'full' | 'shipping' | 'masked';
/** Written out rather than derived, so that a change to the role table shows up here. */
const levelOf: Record<Role, Level> = { admin: 'full', operator: 'full', finance: 'full', integration: 'full', warehouse: 'shipping', viewer: 'masked' };

const customer = { name: '张三', email: 'zhang.san@example.com', phone: '13812345678' };
const shippingAddress = { name: '李四', line1: '人民路 100号', line2: '3楼', city: '上海', postalCode: '200001', country: 'CN', phone: '+86 139 8765 4321' };
const billingAddress = { name: 'Erika Mustermann', company: 'Muster GmbH', line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE', phone: '+49 221 1234567' };
const buyerRemark = 'Bitte vor der Lieferung anrufen';

// The channel sends the national number; Ordo stores it in E.164 (the shipping address is in China).
const storedCustomer = { ...customer, phone: '+8613812345678' };
const maskedCustomer = { name: '张*', email: 'z***@example.com', phone: '+86 138****5678' };
const maskedShipping = { name: '李*', line1: '人** 1***', line2: '3*', city: '上海', postalCode: '20****', country: 'CN', phone: '+86 1** **** 4321' };
const maskedBilling = { name: 'E**** M*********', company: 'M***** G***', line1: 'H********** 1*', city: 'Köln', postalCode: '51***', country: 'DE', phone: '+49 2** ***4567' };

/** What each level sees of the order's personal parts. */
const views: Record<Level, unknown> = {
  full: { customer: storedCustomer, shippingAddress, billingAddress, buyerRemark },
  shipping: { customer: maskedCustomer, shippingAddress, billingAddress: maskedBilling, buyerRemark },
  masked: { customer: maskedCustomer, shippingAddress: maskedShipping, billingAddress: maskedBilling, buyerRemark: null },
};

/** Values a level must not find anywhere in an answer (a scan of the whole JSON, so a new field cannot leak them). */
const customerSecrets = ['zhang.san', '13812345678', '张三'];
const billingSecrets = ['Erika', 'Mustermann', 'Heidestraße', 'Muster GmbH', '1234567', '51147'];
const shippingSecrets = ['李四', '人民路', '8765 4321', '200001', buyerRemark];
const secrets: Record<Level, string[]> = { full: [], shipping: [...customerSecrets, ...billingSecrets], masked: [...customerSecrets, ...billingSecrets, ...shippingSecrets] };

const personal = (o: any) => ({
  customer: { name: o.customer.name, email: o.customer.email, phone: o.customer.phone },
  shippingAddress: o.shippingAddress, billingAddress: o.billingAddress, buyerRemark: o.buyerRemark,
});

function expectSeen(orders: any[], role: Role, where: string): void {
  expect(orders.length, where).toBeGreaterThan(0);
  for (const o of orders) expect(personal(o), `${where} as ${role}`).toEqual(views[levelOf[role]]);
}

function expectNoLeak(body: unknown, role: Role, where: string): void {
  const text = JSON.stringify(body);
  for (const secret of secrets[levelOf[role]]) expect(text.includes(secret), `${where} as ${role} shows "${secret}"`).toBe(false);
}

const personalOrder = (overrides: Record<string, unknown> = {}) => anOrder({ customer, shippingAddress, billingAddress, buyerRemark, ...overrides });

async function capture(): Promise<any> {
  const res = await t.http('POST', '/v1/orders', { body: personalOrder() });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
const post = async (url: string, body?: unknown) => {
  const res = await t.http('POST', url, { body });
  expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
};
async function inFulfillment(): Promise<any> {
  const o = await capture();
  return post(`/v1/orders/${o.id}/release`);
}
async function shipped(): Promise<any> {
  const o = await inFulfillment();
  return (await post(`/v1/orders/${o.id}/ship`, { lines: [{ lineId: o.lines[0].id, quantity: o.lines[0].quantity }] })).order;
}
async function delivered(): Promise<any> {
  const o = await shipped();
  return post(`/v1/orders/${o.id}/deliver`, {});
}
async function held(): Promise<any> {
  const o = await capture();
  return post(`/v1/orders/${o.id}/holds`, { reasonCode: 'address_check' });
}

let order: any;
beforeAll(async () => {
  await seedOrderWorld(t);
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-A', quantity: 1000 }] } });
  order = await capture();
  // A billing address change leaves its old and new values in the timeline.
  const changed = await t.http('PATCH', `/v1/orders/${order.id}`, { body: { billingAddress: { ...billingAddress, line1: 'Heidestraße 19' } } });
  expect(changed.status).toBe(200);
  const back = await t.http('PATCH', `/v1/orders/${order.id}`, { body: { billingAddress } });
  expect(back.status).toBe(200);
});

interface Command {
  method: string;
  url: (o: any) => string;
  permission: Permission;
  /** An order (or two) in the state the command needs, made by the admin. */
  given: () => Promise<any[]>;
  body?: (o: any[]) => unknown;
  /** The orders in the answer. */
  orders: (body: any) => any[];
}

const one = (state: () => Promise<any>) => async () => [await state()];
const asOrder = (b: any) => [b];

/** Every command whose answer holds an order, keyed by its OpenAPI operation. */
const commands: Record<string, Command> = {
  'post /v1/orders': { method: 'POST', url: () => '/v1/orders', permission: 'order:write', given: () => Promise.resolve([]), body: () => personalOrder(), orders: asOrder },
  'patch /v1/orders/{id}': {
    method: 'PATCH', url: (o) => `/v1/orders/${o.id}`, permission: 'order:write', given: one(capture),
    body: () => ({ shippingAddress, billingAddress, buyerRemark }), orders: asOrder,
  },
  'post /v1/orders/{id}/lines': {
    method: 'POST', url: (o) => `/v1/orders/${o.id}/lines`, permission: 'order:write', given: one(capture),
    body: () => ({ sku: 'ORD-A', quantity: 1, unitPriceMinor: 100 }), orders: asOrder,
  },
  'patch /v1/orders/{id}/lines/{lineId}': {
    method: 'PATCH', url: (o) => `/v1/orders/${o.id}/lines/${o.lines[0].id}`, permission: 'order:write', given: one(capture),
    body: () => ({ quantity: 3 }), orders: asOrder,
  },
  'delete /v1/orders/{id}/lines/{lineId}': {
    method: 'DELETE', url: (o) => `/v1/orders/${o.id}/lines/${o.lines[0].id}`, permission: 'order:write', given: one(capture), orders: asOrder,
  },
  'post /v1/orders/{id}/split': {
    method: 'POST', url: (o) => `/v1/orders/${o.id}/split`, permission: 'order:write', given: one(capture),
    body: ([o]) => ({ lines: [{ lineId: o.lines[0].id, quantity: 1 }] }), orders: (b) => [b.original, b.split],
  },
  'post /v1/orders/merge': {
    method: 'POST', url: () => '/v1/orders/merge', permission: 'order:write', given: async () => [await capture(), await capture()],
    body: (os) => ({ orderIds: os.map((o) => o.id) }), orders: asOrder,
  },
  'post /v1/orders/{id}/cancel': {
    method: 'POST', url: (o) => `/v1/orders/${o.id}/cancel`, permission: 'order:write', given: one(capture), body: () => ({ reason: 'test' }), orders: asOrder,
  },
  'post /v1/orders/{id}/resource': {
    method: 'POST', url: (o) => `/v1/orders/${o.id}/resource`, permission: 'order:write', given: one(capture),
    body: () => ({ excludeLocations: ['OWH1'], reason: 'test' }), orders: asOrder,
  },
  'post /v1/orders/{id}/release': { method: 'POST', url: (o) => `/v1/orders/${o.id}/release`, permission: 'order:write', given: one(capture), orders: asOrder },
  'post /v1/orders/{id}/recall': {
    method: 'POST', url: (o) => `/v1/orders/${o.id}/recall`, permission: 'order:write', given: one(inFulfillment), body: () => ({ reason: 'test' }), orders: asOrder,
  },
  'post /v1/orders/{id}/ship': {
    method: 'POST', url: (o) => `/v1/orders/${o.id}/ship`, permission: 'order:ship', given: one(inFulfillment),
    body: ([o]) => ({ lines: [{ lineId: o.lines[0].id, quantity: 1 }], trackingNumber: 'T-1' }), orders: (b) => [b.order],
  },
  'post /v1/orders/{id}/deliver': { method: 'POST', url: (o) => `/v1/orders/${o.id}/deliver`, permission: 'order:write', given: one(shipped), body: () => ({}), orders: asOrder },
  'post /v1/orders/{id}/complete': { method: 'POST', url: (o) => `/v1/orders/${o.id}/complete`, permission: 'order:write', given: one(delivered), orders: asOrder },
  'post /v1/orders/{id}/holds': {
    method: 'POST', url: (o) => `/v1/orders/${o.id}/holds`, permission: 'order:review', given: one(capture), body: () => ({ reasonCode: 'address_check' }), orders: asOrder,
  },
  'post /v1/orders/{id}/holds/{holdId}/release': {
    method: 'POST', url: (o) => `/v1/orders/${o.id}/holds/${o.holds[0].id}/release`, permission: 'order:review', given: one(held), body: () => ({}), orders: asOrder,
  },
  'post /v1/orders/{id}/holds/{holdId}/reject': {
    method: 'POST', url: (o) => `/v1/orders/${o.id}/holds/${o.holds[0].id}/reject`, permission: 'order:review', given: one(held), body: () => ({}), orders: asOrder,
  },
};

/** Reads of orders and customers, walked below one by one. */
const reads = [
  'get /v1/orders', 'get /v1/orders/{id}', 'get /v1/orders/{id}/timeline', 'get /v1/customers', 'get /v1/customers/{id}', 'post /v1/customers',
  'patch /v1/customers/{id}', 'post /v1/orders/bulk', 'get /v1/audit-log', 'get /track/{token}',
];

describe('every route that answers with personal data is walked here', () => {
  it('covers each operation whose answer holds an order, a customer or a timeline', async () => {
    const doc = (await t.http('GET', '/openapi.json')).body;
    const found: string[] = [];
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const answers = JSON.stringify(Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith('2')));
        if (/trackingToken|blockedReason|"toStatus"|"actorName"|shipments/.test(answers)) found.push(`${method} ${path}`);
      }
    }
    expect(found.sort()).toEqual([...Object.keys(commands), ...reads].filter((k) => k !== 'post /v1/orders/bulk').sort());
  });
});

describe.each(roles)('as %s', (role) => {
  const level = levelOf[role];
  const fullCustomer = level === 'full';

  it('GET /v1/orders/{id} shows the personal data the role may see', async () => {
    const res = await t.http('GET', `/v1/orders/${order.id}`, { key: role });
    expect(res.status).toBe(200);
    expectSeen([res.body], role, 'GET /v1/orders/{id}');
    expectNoLeak(res.body, role, 'GET /v1/orders/{id}');
  });

  it('GET /v1/orders lists orders with the same view', async () => {
    const res = await t.http('GET', '/v1/orders?limit=200', { key: role });
    expect(res.status).toBe(200);
    expectSeen(res.body.data, role, 'GET /v1/orders');
    expectNoLeak(res.body, role, 'GET /v1/orders');
  });

  it('text search (q) and a customer\'s order history need customer:read', async () => {
    for (const query of ['q=zhang.san', 'q=13812345678', `customer=${order.customer.id}`]) {
      const res = await t.http('GET', `/v1/orders?${query}`, { key: role });
      if (fullCustomer) {
        expect(res.status, query).toBe(200);
        expect(res.body.data.map((o: any) => o.id), query).toContain(order.id);
      } else {
        expect(res.status, query).toBe(403);
        expect(res.body).toMatchObject({ code: 'forbidden', permission: 'customer:read', role });
        expectNoLeak(res.body, role, `GET /v1/orders?${query}`);
      }
    }
    // Filters that name no person stay open to every reader.
    const byRef = await t.http('GET', `/v1/orders?externalRef=${order.externalRef}`, { key: role });
    expect(byRef.status).toBe(200);
    expectSeen(byRef.body.data, role, 'GET /v1/orders?externalRef');
  });

  it('GET /v1/orders/{id}/timeline shows an address change only as far as the role may see the address', async () => {
    const res = await t.http('GET', `/v1/orders/${order.id}/timeline`, { key: role });
    expect(res.status).toBe(200);
    const changes = res.body.data.filter((e: any) => e.type === 'details_changed');
    expect(changes).toHaveLength(2);
    if (fullCustomer) {
      expect(changes[0].message).toContain('Heidestraße 17');
      expect(changes[0].details).toMatchObject({ field: 'billingAddress', from: billingAddress, to: { ...billingAddress, line1: 'Heidestraße 19' } });
    } else {
      expect(changes[0].message).toBe('Billing address changed');
      expect(changes[0].details).toEqual({ field: 'billingAddress', from: maskedBilling, to: maskedBilling });
    }
    expectNoLeak(res.body, role, 'GET /v1/orders/{id}/timeline');
  });

  it('the customer routes answer roles with customer:read in full and refuse the others', async () => {
    const list = await t.http('GET', '/v1/customers?q=%E5%BC%A0', { key: role });
    const one = await t.http('GET', `/v1/customers/${order.customer.id}`, { key: role });
    if (fullCustomer) {
      expect(list.body.data).toEqual([expect.objectContaining(storedCustomer)]);
      expect(one.body).toMatchObject(storedCustomer);
    } else {
      expect([list.status, one.status]).toEqual([403, 403]);
      expectNoLeak([list.body, one.body], role, 'GET /v1/customers');
    }
    const created = await t.http('POST', '/v1/customers', { key: role, body: { name: `王五 ${role}`, email: `wang.${role}@example.com` } });
    if (!roleHas(role, 'customer:write')) {
      expect(created.status).toBe(403);
      return;
    }
    expect(created.body).toMatchObject({ name: `王五 ${role}`, email: `wang.${role}@example.com` });
    const changed = await t.http('PATCH', `/v1/customers/${created.body.id}`, { key: role, body: { phone: '13912345678' } });
    expect(changed.body).toMatchObject({ email: `wang.${role}@example.com`, phone: '13912345678' });
  });

  it('the public tracking page shows no personal data to anyone', async () => {
    const res = await t.http('GET', `/track/${order.trackingToken}`, { key: role });
    expect(res.status).toBe(200);
    expectNoLeak(res.body, 'viewer', 'GET /track/{token}');
    expect(JSON.stringify(res.body)).not.toMatch(/上海|Köln|example\.com/);
  });

  it('the audit log is only for roles that see personal data in full', async () => {
    const res = await t.http('GET', '/v1/audit-log?entityType=order', { key: role });
    expect(res.status).toBe(roleHas(role, 'audit:read') ? 200 : 403);
    if (res.status === 200) expect(fullCustomer).toBe(true);
  });

  it('POST /v1/orders/bulk answers with ids and numbers, no personal data', async () => {
    const res = await t.http('POST', '/v1/orders/bulk', { key: role, body: { orders: [personalOrder(), personalOrder()] } });
    if (!roleHas(role, 'order:write')) {
      expect(res.status).toBe(403);
      return;
    }
    expect(res.body.created).toBe(2);
    expectNoLeak(res.body, 'viewer', 'POST /v1/orders/bulk');
  });

  it.each(Object.entries(commands))('%s answers with the role\'s view of the order', async (_, command) => {
    if (!roleHas(role, command.permission)) {
      // Refused before the order is looked at; a made-up hold id is as good as a real one.
      const subject = { ...order, holds: [{ id: order.id }] };
      const res = await t.http(command.method, command.url(subject), { key: role, body: command.body?.([subject]) });
      expect(res.status).toBe(403);
      return;
    }
    const given = await command.given();
    const res = await t.http(command.method, command.url(given[0]), { key: role, body: command.body?.(given) });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    expectSeen(command.orders(res.body), role, command.url(given[0]));
    expectNoLeak(res.body, role, command.url(given[0]));
  });
});

describe('a warehouse key shipping an order', () => {
  it('gets the parcel\'s address back, not the customer\'s e-mail, also when its request is replayed', async () => {
    const o = await inFulfillment();
    const ship = () => t.http('POST', `/v1/orders/${o.id}/ship`, {
      key: 'warehouse', headers: { 'idempotency-key': `ship-${o.id}` }, body: { lines: [{ lineId: o.lines[0].id, quantity: 2 }] },
    });
    const first = await ship();
    expect(first.status).toBe(201);
    const again = await ship();
    expect(again.headers['idempotent-replayed']).toBe('true');
    for (const res of [first, again]) {
      expect(res.body.order.status).toBe('shipped');
      expect(res.body.order.customer.email).toBe('z***@example.com');
      expect(res.body.order.shippingAddress).toEqual(shippingAddress);
      expectNoLeak(res.body, 'warehouse', 'POST /v1/orders/{id}/ship');
    }
  });
});
